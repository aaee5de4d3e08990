"""The kling engine end to end: vidserve (VIDSERVE_ENGINE_ROUTES=klingai:*=kling) relays Runware
tasks to tests/mock_kling/mock_kling.py on loopback, which checks the JWT and the native bodies and
serves a real MP4. Covers text-to-video with cost, first+last frame image-to-video, a 429 storm,
a failed Kling task, a wrong secret key, and a server killed (SIGKILL) after Kling accepted a task:
the restarted server polls that Kling task instead of creating (and paying for) a second one."""
import base64
import json
import os
import re
import sqlite3
import tempfile
import threading
import time
import unittest
import urllib.request

from vidserve_harness import MockKling, Server, ffprobe, make_image, new_uuid

BINARY = os.environ["VIDSERVE_BIN"]
ACCESS_KEY, SECRET_KEY = "ak-integration", "sk-integration-secret"


def kling_env(base, secret=SECRET_KEY):
    return {"VIDSERVE_ENGINE_ROUTES": "klingai:*=kling", "VIDSERVE_KLING_BASE_URL": base,
            "VIDSERVE_KLING_ACCESS_KEY": ACCESS_KEY, "VIDSERVE_KLING_SECRET_KEY": secret,
            "VIDSERVE_FETCH_ALLOW": "127.0.0.0/8", "VIDSERVE_KLING_POLL_MS": "200",
            "VIDSERVE_KLING_POLL_MAX_MS": "500", "VIDSERVE_KLING_TIMEOUT_S": "60"}


class KlingEngineTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.mock = MockKling(ACCESS_KEY, SECRET_KEY, delay=1)
        cls.mock_base = cls.mock.base
        cls.server = Server(BINARY, workers=2, env=kling_env(cls.mock_base)).start()
        cls.tmp = tempfile.mkdtemp(prefix="vidserve-kling-")

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        cls.mock.stop()

    def mock_call(self, path, body=None):
        req = urllib.request.Request(self.mock_base + path, data=json.dumps(body).encode() if body else None,
                                     method="POST" if body else "GET")
        with urllib.request.urlopen(req, timeout=10) as resp:
            return json.loads(resp.read()) if path.startswith("/_mock/stats") or body else resp.read()

    def stats(self):
        return self.mock_call("/_mock/stats")

    def mock_file(self, name):
        with urllib.request.urlopen(self.mock_base + "/_mock/files/" + name, timeout=10) as resp:
            return resp.read()

    def run_task(self, task, server=None):
        server = server or self.server
        task = dict(task, taskType="videoInference", taskUUID=new_uuid())
        status, body = server.post([task])
        self.assertEqual(status, 200, body)
        return task["taskUUID"], server.poll(task["taskUUID"], timeout=60)[1]

    def metric(self, series):
        """The value of one sample of GET /metrics (e.g. 'name{label="v"}'), 0 when absent."""
        text = self.server.get(self.server.base + "/metrics")[2].decode()
        m = re.search("^" + re.escape(series) + r" (\S+)$", text, re.M)
        return float(m.group(1)) if m else 0.0

    def test_text_to_video_relays_to_kling_and_serves_its_video(self):
        before = self.stats()
        upstream_ok = 'vidserve_upstream_requests_total{outcome="ok",upstream="kling"}'
        relays = 'vidserve_render_duration_seconds_count{engine="kling",outcome="ok"}'
        metrics_before = {s: self.metric(s) for s in (upstream_ok, relays)}
        uuid, body = self.run_task({"model": "klingai:3@1", "positivePrompt": "An origami dragon glides",
                                    "width": 1280, "height": 720, "duration": 5, "includeCost": True})
        self.assertNotIn("errors", body, body)
        item = body["data"][0]
        self.assertEqual(item["status"], "success")
        self.assertAlmostEqual(item["cost"], 0.185, places=6)
        status, headers, data = self.server.get(item["videoURL"])
        self.assertEqual(status, 200)
        self.assertEqual(headers["Content-Type"], "video/mp4")
        self.assertEqual(data, self.mock_file("result.mp4"))  # Kling's bytes, not a preview
        path = os.path.join(self.tmp, item["videoUUID"] + ".mp4")
        with open(path, "wb") as f:
            f.write(data)
        video = next(s for s in ffprobe(path)["streams"] if s["codec_type"] == "video")
        self.assertEqual((video["width"], video["height"]), (1280, 720))
        after = self.stats()
        calls = lambda s, k: s["calls"].get(k, 0)
        self.assertEqual(calls(after, "POST videos/text2video") - calls(before, "POST videos/text2video"), 1)
        self.assertGreaterEqual(calls(after, "GET videos/text2video/id") - calls(before, "GET videos/text2video/id"), 2)
        self.assertGreater(after["jwt_verified"], before["jwt_verified"])
        self.assertEqual(after["jwt_rejected"], before["jwt_rejected"])
        sent = after["bodies"]["text2video"]
        self.assertEqual(sent["model_name"], "kling-v1-6")
        self.assertEqual(sent["mode"], "std")
        self.assertEqual(sent["duration"], "5")
        self.assertEqual(sent["aspect_ratio"], "16:9")
        self.assertEqual(sent["prompt"], "An origami dragon glides")
        self.assertEqual(sent["external_task_id"], uuid + "-0")
        # Kling's API calls and the relay are in /metrics: 1 submit and at least 2 polls answered.
        self.assertGreaterEqual(self.metric(upstream_ok) - metrics_before[upstream_ok], 3)
        self.assertEqual(self.metric(relays) - metrics_before[relays], 1)

    def test_image_to_video_with_first_and_last_frame(self):
        frames = []
        for name, color in (("first.png", "orange"), ("last.png", "blue")):
            with open(make_image(os.path.join(self.tmp, name), 640, 480, color), "rb") as f:
                frames.append(f.read())
        uris = ["data:image/png;base64," + base64.b64encode(b).decode() for b in frames]
        _, body = self.run_task({"model": "klingai:kling-video@3-pro", "positivePrompt": "dusk turns to night",
                                 "duration": 5, "inputs": {"frameImages": [{"image": uris[0], "frame": "first"},
                                                                           {"image": uris[1], "frame": "last"}]}})
        self.assertNotIn("errors", body, body)
        sent = self.stats()["bodies"]["image2video"]
        self.assertEqual(sent["model_name"], "kling-v3")
        self.assertEqual(sent["mode"], "pro")
        self.assertEqual(base64.b64decode(sent["image"]), frames[0])  # raw base64, no data: prefix
        self.assertEqual(base64.b64decode(sent["image_tail"]), frames[1])
        self.assertNotIn("aspect_ratio", sent)

    def test_rate_limit_storm_delays_but_does_not_fail(self):
        before = self.stats()["rate_limited"]
        self.mock_call("/_mock/config", {"rate_limit": 5})
        _, body = self.run_task({"model": "klingai:3@1", "positivePrompt": "patience", "duration": 5})
        self.assertNotIn("errors", body, body)
        self.assertEqual(body["data"][0]["status"], "success")
        self.assertEqual(self.stats()["rate_limited"] - before, 5)

    def test_failed_kling_task_becomes_a_runware_error(self):
        _, body = self.run_task({"model": "klingai:3@1", "positivePrompt": "MOCK_FAIL this one"})
        error = body["errors"][0]
        self.assertEqual(error["code"], "providerTaskFailed")
        self.assertEqual(error["status"], "error")
        self.assertIn("failed: MOCK_FAIL: the mock was asked to fail this task", error["message"])

    def test_wrong_secret_key_is_a_clear_auth_error(self):
        before = self.stats()["jwt_rejected"]
        server = Server(BINARY, workers=1, env=kling_env(self.mock_base, secret="not-the-secret")).start()
        try:
            _, body = self.run_task({"model": "klingai:3@1", "positivePrompt": "who am I"}, server=server)
        finally:
            server.stop()
        error = body["errors"][0]
        self.assertEqual(error["code"], "providerAuthFailed")
        self.assertIn("Kling rejected the access key (code 1002", error["message"])
        self.assertIn("VIDSERVE_KLING_SECRET_KEY", error["message"])
        self.assertEqual(self.stats()["jwt_rejected"] - before, 1)  # not retried


def threads_of(pid):
    with open(f"/proc/{pid}/status") as f:
        return int(next(line.split()[1] for line in f if line.startswith("Threads:")))


class KlingManyTasksTest(unittest.TestCase):
    """Relayed tasks hold no thread each, and the polls of Kling reuse kept-alive connections."""
    TASKS = 100

    @classmethod
    def setUpClass(cls):
        cls.mock = MockKling(ACCESS_KEY, SECRET_KEY, delay=2)
        env = dict(kling_env(cls.mock.base), VIDSERVE_KLING_CONCURRENCY="1000")
        cls.server = Server(BINARY, workers=2, env=env).start()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        cls.mock.stop()

    def stats(self):
        with urllib.request.urlopen(self.mock.base + "/_mock/stats", timeout=10) as resp:
            return json.loads(resp.read())

    def test_one_task_polls_over_one_kept_alive_connection(self):
        before = self.stats()
        task_uuid = new_uuid()
        status, body = self.server.post([{"taskType": "videoInference", "taskUUID": task_uuid, "model": "klingai:3@1",
                                          "positivePrompt": "one connection", "duration": 5}])
        self.assertEqual(status, 200, body)
        _, body = self.server.poll(task_uuid, timeout=60)
        self.assertNotIn("errors", body, body)
        after = self.stats()
        polls = after["calls"].get("GET videos/text2video/id", 0) - before["calls"].get("GET videos/text2video/id", 0)
        opened = after["connections"].get("connections", 0) - before["connections"].get("connections", 0)
        self.assertGreaterEqual(polls, 4)  # 2 s at a 200-500 ms poll
        # The create, every poll and the result's download (the mock serves it too) on one
        # connection; at most one more if the mock closed it.
        self.assertLessEqual(opened, 2, f"{polls} polls took {opened} connections")

    def test_a_hundred_relayed_tasks_take_no_thread_each(self):
        pid = self.server.proc.pid
        peak = [threads_of(pid)]
        sampling = [True]

        def sample():
            while sampling[0]:
                peak[0] = max(peak[0], threads_of(pid))
                time.sleep(0.02)

        sampler = threading.Thread(target=sample)
        sampler.start()
        before = self.stats()
        started = time.time()
        uuids = [new_uuid() for _ in range(self.TASKS)]
        try:
            status, body = self.server.post([{"taskType": "videoInference", "taskUUID": u, "model": "klingai:3@1",
                                              "positivePrompt": f"task {i}", "duration": 5}
                                             for i, u in enumerate(uuids)])
            self.assertEqual(status, 200, body)
            for u in uuids:
                _, body = self.server.poll(u, timeout=120)
                self.assertNotIn("errors", body, body)
        finally:
            sampling[0] = False
            sampler.join()
        elapsed = time.time() - started
        after = self.stats()
        creates = after["calls"]["POST videos/text2video"] - before["calls"].get("POST videos/text2video", 0)
        polls = after["calls"]["GET videos/text2video/id"] - before["calls"].get("GET videos/text2video/id", 0)
        opened = after["connections"]["connections"] - before["connections"].get("connections", 0)
        print(f"\n{self.TASKS} relayed tasks: {elapsed:.1f} s, peak {peak[0]} threads, {polls} polls, "
              f"{opened} connections")
        self.assertEqual(creates, self.TASKS)
        # With 2 workers all tasks were at Kling at once: 2 s each, not 100 / 2 * 2 s one after another.
        self.assertLess(elapsed, 30)
        self.assertLess(peak[0], 40)
        # API calls and result downloads over kept-alive connections: at most 8 to a host at once
        # (VIDSERVE_KLING_CONNECTIONS), a few more when the mock closed some; not one per call.
        self.assertLessEqual(opened, 24)


class KlingResumeTest(unittest.TestCase):
    """kill -9 between Kling's create and the task's end, restart on the same data directory."""

    def setUp(self):
        self.mock = MockKling(ACCESS_KEY, SECRET_KEY, delay=6)  # the Kling task outlives the kill

    def tearDown(self):
        self.mock.stop()

    def calls(self, endpoint):
        with urllib.request.urlopen(self.mock.base + "/_mock/stats", timeout=10) as resp:
            return json.loads(resp.read())["calls"].get(endpoint, 0)

    def wait_for(self, what, condition, timeout=60):
        deadline = time.time() + timeout
        while not condition():
            self.assertLess(time.time(), deadline, f"timed out waiting for {what}")
            time.sleep(0.05)

    def saved_states(self, data_dir):
        with sqlite3.connect(os.path.join(data_dir, "vidserve.db")) as db:
            return [row[0] for row in db.execute("SELECT provider_state FROM task_results")]

    def test_sigkill_after_the_create_resumes_with_exactly_one_create(self):
        create, poll = "POST videos/text2video", "GET videos/text2video/id"
        server = Server(BINARY, workers=1, env=kling_env(self.mock.base)).start()
        task_uuid = new_uuid()
        status, body = server.post([{"taskType": "videoInference", "taskUUID": task_uuid, "model": "klingai:3@1",
                                     "positivePrompt": "a lighthouse in a storm", "duration": 5}])
        self.assertEqual(status, 200, body)
        # A poll comes only after the engine saved Kling's task id, so the kill lands after both.
        self.wait_for("Kling's create and a first poll", lambda: self.calls(poll) >= 1)
        server.kill()
        self.assertEqual(self.calls(create), 1)
        states = self.saved_states(server.data_dir)
        self.assertEqual(len(states), 1)
        self.assertTrue(states[0].startswith(b"kling-task:" if isinstance(states[0], bytes) else "kling-task:"), states)
        polls_before = self.calls(poll)

        restarted = Server(BINARY, data_dir=server.data_dir, workers=1, env=kling_env(self.mock.base)).start()
        try:
            _, body = restarted.poll(task_uuid, timeout=120)
        finally:
            restarted.stop()
        self.assertNotIn("errors", body, body)
        self.assertEqual(body["data"][0]["status"], "success")
        self.assertEqual(self.calls(create), 1, "the resumed task created a second Kling task")
        self.assertGreater(self.calls(poll), polls_before)  # it polled the saved one instead
        with sqlite3.connect(os.path.join(server.data_dir, "vidserve.db")) as db:
            self.assertEqual(db.execute("SELECT attempts FROM tasks").fetchall(), [(2,)])

    def test_sigterm_leaves_relayed_tasks_to_the_next_start(self):
        """A stop does not wait for Kling: relayed tasks stay in processing and the next start resumes them."""
        create, poll = "POST videos/text2video", "GET videos/text2video/id"
        server = Server(BINARY, workers=1, env=kling_env(self.mock.base)).start()
        uuids = [new_uuid() for _ in range(3)]
        status, body = server.post([{"taskType": "videoInference", "taskUUID": u, "model": "klingai:3@1",
                                     "positivePrompt": f"stop {i}", "duration": 5} for i, u in enumerate(uuids)])
        self.assertEqual(status, 200, body)
        self.wait_for("three creates and polls", lambda: self.calls(create) >= 3 and self.calls(poll) >= 3)
        started = time.time()
        server.stop()
        self.assertLess(time.time() - started, 5)  # the Kling tasks run 6 s: the stop did not wait
        self.assertEqual(server.proc.returncode, 0)
        restarted = Server(BINARY, data_dir=server.data_dir, workers=1, env=kling_env(self.mock.base)).start()
        try:
            for u in uuids:
                _, body = restarted.poll(u, timeout=120)
                self.assertNotIn("errors", body, body)
        finally:
            restarted.stop()
        self.assertEqual(self.calls(create), 3, "a resumed task created a second Kling task")


if __name__ == "__main__":
    unittest.main(verbosity=2)
