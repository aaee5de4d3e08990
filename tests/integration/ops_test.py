"""Operations endpoints and logs of `vidserve serve`, on the real binary:
- /healthz, /health and /readyz answer without an API key; /metrics needs the metrics token;
- after a small workload (a task that succeeds, one that fails, one cancelled, a bad request, an
  unknown path, a media download) the counters of /metrics moved by what was done, parsed with
  prometheus_client's text parser;
- with --log-format json every stderr line is one JSON object with ts, level, logger and msg; there
  is an access line per request with its route, status, bytes and key id, the lifecycle lines of
  each task, and no API key or metrics token in any line."""
import json
import os
import re
import subprocess
import sys
import time
import unittest
import urllib.request

from vidserve_harness import KEY_A, KEY_B, Server, new_uuid, request

try:
    from prometheus_client.parser import text_string_to_metric_families
except ImportError:  # Debian's python3-prometheus-client, under another interpreter
    sys.path.append("/usr/lib/python3/dist-packages")
    from prometheus_client.parser import text_string_to_metric_families

BINARY = os.environ["VIDSERVE_BIN"]
TOKEN = "metrics-token-5c1d9e"
MODEL = "klingai:kling-video@3-standard"
REFUSED = "http://127.0.0.1:1/a.png"  # loopback: refused by the fetch guard


def samples(text):
    """{(name, frozenset(labels)): value} of every sample."""
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, frozenset(s.labels.items()))] = s.value
    return out


def value(parsed, name, **labels):
    return parsed.get((name, frozenset(labels.items())), 0.0)


def video_task(**extra):
    task = {"taskType": "videoInference", "taskUUID": new_uuid(), "model": MODEL,
            "positivePrompt": "a lighthouse at dusk", "duration": 3}
    task.update(extra)
    if "inputs" not in task:  # text to video: one of the model's sizes
        task.update(width=1280, height=720)
    return task


class Ops(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server(BINARY, workers=1, extra_args=["--log-format", "json", "--metrics-token", TOKEN]).start()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def get(self, path, headers=None):
        return self.server.get(self.server.base + path, headers=headers)

    def scrape(self):
        status, headers, body = self.get("/metrics", {"Authorization": f"Bearer {TOKEN}"})
        self.assertEqual(status, 200)
        self.assertTrue(headers["Content-Type"].startswith("text/plain; version=0.0.4"), headers)
        return samples(body.decode())

    def wait_for(self, read, done, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            got = read()
            if done(got):
                return got
            time.sleep(0.2)
        self.fail(f"not reached in {timeout} s: {got}")

    def test_1_health_and_readiness_without_key(self):
        for path in ("/healthz", "/health"):
            status, _, body = self.get(path)
            self.assertEqual((status, json.loads(body)), (200, {"status": "ok"}), path)
        status, _, body = self.get("/readyz")
        self.assertEqual(status, 200, body)
        self.assertEqual(json.loads(body), {"status": "ready",
                                            "checks": {"store": "ok", "media": "ok", "engines": "ok"}})

    def test_2_metrics_needs_the_token(self):
        self.assertEqual(self.get("/metrics")[0], 401)
        self.assertEqual(self.get("/metrics", {"Authorization": "Bearer wrong-token-00000"})[0], 401)
        self.assertEqual(self.get("/metrics", {"Authorization": f"Bearer {TOKEN}"})[0], 200)

    def test_3_counters_follow_a_workload(self):
        before = self.scrape()
        ok, failing, cancelled = video_task(), video_task(inputs={"frameImages": [{"image": REFUSED, "frame": "first"}]}), video_task(duration=5)
        self.assertEqual(self.server.post([ok])[0], 200)
        _, body = self.server.poll(ok["taskUUID"], timeout=120)
        self.assertEqual(self.server.get(body["data"][0]["videoURL"])[0], 200)
        self.assertEqual(self.server.post([failing])[0], 200)
        _, body = self.server.poll(failing["taskUUID"], timeout=120)
        self.assertEqual(body["errors"][0]["code"], "addressRefused", body)
        self.assertEqual(self.server.post([cancelled])[0], 200)
        req = urllib.request.Request(self.server.base + "/v1/tasks/" + cancelled["taskUUID"], method="DELETE",
                                     headers={"Authorization": f"Bearer {KEY_A}"})
        with urllib.request.urlopen(req, timeout=30) as resp:
            self.assertEqual(resp.status, 200)
        self.assertEqual(self.server.post([{"taskType": "videoInference", "taskUUID": new_uuid(), "model": MODEL,
                                            "duration": 999}], key=KEY_B)[0], 400)
        self.assertEqual(self.get("/no/such/path")[0], 404)
        self.assertEqual(request(self.server, "GET", "/v1/videos/text2video/no-such-task")[0], 404)
        self.assertEqual(request(self.server, "GET", "/v1/tasks/no-such-task")[0], 404)
        # The store's counts are read every 5 s.
        after = self.wait_for(self.scrape, lambda m: value(m, "vidserve_tasks", state="cancelled") >= 1 and
                              value(m, "vidserve_tasks", state="success") >= 1 and
                              value(m, "vidserve_tasks", state="error") >= 1, timeout=30)

        def delta(name, **labels):
            return value(after, name, **labels) - value(before, name, **labels)

        for transition, n in (("queued", 3), ("finished", 1), ("failed", 1), ("cancelled", 1)):
            self.assertEqual(delta("vidserve_task_transitions_total", transition=transition, model=MODEL), n,
                             transition)
        self.assertGreaterEqual(delta("vidserve_task_transitions_total", transition="claimed", model=MODEL), 2)
        self.assertEqual(delta("vidserve_render_duration_seconds_count", engine="preview", outcome="ok"), 1)
        self.assertGreater(delta("vidserve_render_duration_seconds_sum", engine="preview", outcome="ok"), 0)
        self.assertEqual(delta("vidserve_http_requests_total", route="runware", status="400"), 1)
        self.assertEqual(delta("vidserve_http_requests_total", route="runware_cancel", status="200"), 1)
        self.assertEqual(delta("vidserve_http_requests_total", route="media", status="200"), 1)
        self.assertEqual(delta("vidserve_http_requests_total", route="other", status="404"), 1)
        self.assertGreaterEqual(delta("vidserve_http_requests_total", route="runware", status="200"), 5)
        self.assertGreater(delta("vidserve_http_response_bytes_total", route="media"), 1000)
        self.assertGreaterEqual(delta("vidserve_http_request_duration_seconds_count", route="runware"), 6)
        self.assertEqual(delta("vidserve_http_requests_total", route="kling", status="404"), 1)
        self.assertEqual(delta("vidserve_http_requests_total", route="apimart", status="404"), 1)
        self.assertEqual(value(after, "vidserve_queue_depth"), 0)
        self.assertEqual(value(after, "vidserve_ready"), 1)
        self.assertEqual(value(after, "vidserve_webhook_backlog"), 0)
        # No label carries a raw path or a request's text.
        for name, labels in after:
            for _, label in labels:
                self.assertNotIn("/", label, name)
        Ops.tasks = (ok["taskUUID"], failing["taskUUID"], cancelled["taskUUID"])

    def test_4_json_logs(self):
        self.assertTrue(hasattr(Ops, "tasks"), "runs after test_3")
        ok, failing, cancelled = Ops.tasks
        self.server.stop()
        text = self.server.proc.stderr.read()
        lines = [json.loads(line) for line in text.splitlines()]  # every line is one JSON object
        self.assertGreater(len(lines), 10)
        for line in lines:
            self.assertEqual(list(line)[:4], ["ts", "level", "logger", "msg"], line)
            self.assertRegex(line["ts"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
        for secret in (KEY_A, KEY_B, TOKEN):
            self.assertNotIn(secret, text)
        # stdout is the start banner; its only key is the one it offers for copying.
        banner = [l for l in self.server.proc.stdout.read().splitlines() if "(from VIDSERVE_API_KEYS)" not in l]
        for secret in (KEY_A, KEY_B, TOKEN):
            self.assertFalse([l for l in banner if secret in l], secret)
        access = [l for l in lines if l["logger"] == "vidserve access"]
        posts = [l for l in access if l["route"] == "runware" and l["status"] == 200 and l["method"] == "POST"]
        self.assertTrue(posts)
        first = posts[0]
        self.assertEqual(set(first), {"ts", "level", "logger", "msg", "method", "route", "status", "bytes", "ms",
                                      "key_id", "remote"})
        self.assertRegex(first["key_id"], r"^env:[0-9a-f]+$")
        self.assertGreater(first["bytes"], 0)
        self.assertGreaterEqual(first["ms"], 0)
        self.assertEqual(first["remote"], "127.0.0.1")
        # The keyless requests carry no key id.
        self.assertTrue(any(l["route"] == "healthz" and l["key_id"] == "" for l in access))
        self.assertTrue(any(l["route"] == "metrics" and l["status"] == 401 for l in access))
        # Kling's and APIMart's front-ends name the caller too.
        for route in ("kling", "apimart"):
            lines_of_route = [l for l in access if l["route"] == route]
            self.assertEqual([(l["status"], l["key_id"]) for l in lines_of_route], [(404, first["key_id"])], route)
        bad = [l for l in access if l["route"] == "runware" and l["status"] == 400]
        self.assertEqual(len(bad), 1)
        self.assertNotEqual(bad[0]["key_id"], first["key_id"])  # KEY_B's id

        def lifecycle(task_uuid):
            return [l for l in lines if l["logger"] == "vidserve tasks" and l.get("task_uuid") == task_uuid]

        # "queued" is logged by the committer right after the commit, "claimed" by a worker: a worker
        # polling at that instant may log first.
        steps = lifecycle(ok)
        self.assertEqual(sorted(l["msg"] for l in steps), ["task claimed", "task finished", "task queued"])
        self.assertEqual(steps[-1]["msg"], "task finished")
        self.assertTrue(all(l["model"] == MODEL and l["key_id"] == first["key_id"] for l in steps))
        self.assertEqual([l["attempt"] for l in steps if l["msg"] == "task claimed"], [1])
        failed = lifecycle(failing)
        self.assertEqual(sorted(l["msg"] for l in failed), ["task claimed", "task failed", "task queued"])
        self.assertEqual(failed[-1]["msg"], "task failed")
        self.assertEqual((failed[-1]["level"], failed[-1]["code"]), ("warning", "addressRefused"))
        self.assertIn("task queued", [l["msg"] for l in lifecycle(cancelled)])
        self.assertEqual([l["msg"] for l in lifecycle(cancelled)][-1], "task cancelled")
        config = [l for l in lines if l["msg"] == "configuration"]
        self.assertEqual(len(config), 1)
        self.assertEqual((config[0]["role"], config[0]["log_format"], config[0]["metrics_token"]),
                         ("serve", "json", "set"))
        self.assertIn("preview", config[0]["engines"])


class LogFlags(unittest.TestCase):
    def test_log_level_warning_drops_info_lines(self):
        server = Server(BINARY, workers=0, extra_args=["--log-level", "warning"]).start()
        try:
            self.assertEqual(server.get(server.base + "/healthz")[0], 200)
            self.assertEqual(server.post([{"taskType": "ping"}])[0], 200)
        finally:
            server.stop()
        text = server.proc.stderr.read()
        self.assertNotIn("vidserve access", text)
        self.assertNotIn("configuration", text)

    def test_text_format_access_line(self):
        server = Server(BINARY, workers=0).start()
        try:
            self.assertEqual(server.post([{"taskType": "ping"}], key=KEY_B)[0], 200)
        finally:
            server.stop()
        lines = [l for l in server.proc.stderr.read().splitlines() if " vidserve access: " in l]
        self.assertEqual(len(lines), 1, lines)
        self.assertRegex(lines[0], r"^\d{4}-\d\d-\d\dT\S+Z info vidserve access: access method=POST route=runware "
                                   r"status=200 bytes=\d+ ms=[\d.]+ key_id=env:[0-9a-f]+ remote=127\.0\.0\.1$")
        self.assertNotIn(KEY_B, lines[0])

    def test_unknown_format_or_level_stops_at_start(self):
        for args in (["--log-format", "xml"], ["--log-level", "loud"]):
            out = subprocess.run([BINARY, "serve", "--listen", "127.0.0.1:0", *args], capture_output=True,
                                 text=True, timeout=30)
            self.assertNotEqual(out.returncode, 0, args)
            self.assertIn(args[1], out.stderr, args)


if __name__ == "__main__":
    unittest.main()
