"""Durable, signed webhooks on the real binary: a receiver that refuses connections for its first
60 s, and a server killed with SIGKILL and restarted on the same data directory while it is down,
still gets every webhook exactly once per webhook-id (a Runware task's result, a Kling-native
task's submitted, processing and final callbacks), each verifying with the npm `standardwebhooks`
package (tests/conformance/verify_webhook.mjs) under VIDSERVE_WEBHOOK_SECRET; a tampered body
does not verify. Also: `vidserve keys create` shows a key's secret and `keys webhook-secret`
rotates it."""
import json
import re
import os
import socket
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from vidserve_harness import KEY_A, Server, new_uuid

BINARY = os.environ["VIDSERVE_BIN"]
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
ENV = {"VIDSERVE_FETCH_ALLOW": "127.0.0.0/8", "VIDSERVE_WEBHOOK_SECRET": SECRET}
# 1, 2, 4, then every 5 s (less jitter) while the receiver is down.
ARGS = ["--webhook-first-backoff-ms", "1000", "--webhook-max-backoff-ms", "5000"]
DOWN_FOR = 60
CONFORMANCE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "conformance")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LateReceiver:
    """Nothing listens on its port until start(); then every POST is recorded and answered 200."""

    def __init__(self):
        self.port = free_port()
        self.calls = []  # dicts: path, id, timestamp, signature, body (text)
        self.changed = threading.Condition()
        self.httpd = None

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def start(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0"))).decode()
                with receiver.changed:
                    receiver.calls.append({"path": self.path, "id": self.headers.get("webhook-id"),
                                           "timestamp": self.headers.get("webhook-timestamp"),
                                           "signature": self.headers.get("webhook-signature"), "body": body})
                    receiver.changed.notify_all()
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        ThreadingHTTPServer.allow_reuse_address = True
        self.httpd = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def wait_for_ids(self, count, timeout):
        deadline = time.time() + timeout
        with self.changed:
            while len({c["id"] for c in self.calls}) < count:
                left = deadline - time.time()
                if left <= 0:
                    raise TimeoutError(f"{count} webhook ids expected, got {self.calls}")
                self.changed.wait(left)
            return list(self.calls)

    def close(self):
        if self.httpd:
            self.httpd.shutdown()
            self.httpd.server_close()


def verify(deliveries, secret=SECRET):
    """One verdict per delivery from the npm standardwebhooks package: "ok" or "fail: ..."."""
    if not os.path.isdir(os.path.join(CONFORMANCE, "node_modules", "standardwebhooks")):
        raise RuntimeError("npm package standardwebhooks missing: run scripts/install-deps (npm ci in tests/conformance)")
    out = subprocess.run(["node", os.path.join(CONFORMANCE, "verify_webhook.mjs")],
                         input=json.dumps({"secret": secret, "deliveries": deliveries}), text=True,
                         capture_output=True, check=True, timeout=60).stdout
    return out.split("\n")[:len(deliveries)]


def kling_create(server, callback):
    body = {"model_name": "kling-v1-6", "prompt": "a fox", "duration": "5", "callback_url": callback}
    req = urllib.request.Request(server.base + "/v1/videos/text2video", data=json.dumps(body).encode(), method="POST",
                                 headers={"Authorization": f"Bearer {KEY_A}", "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as resp:
        return json.loads(resp.read())["data"]["task_id"]


class WebhookOutboxTest(unittest.TestCase):
    def test_receiver_down_for_a_minute_and_a_sigkill_still_get_each_webhook_once(self):
        receiver = LateReceiver()
        down_since = time.time()
        server = Server(BINARY, workers=2, env=ENV, extra_args=ARGS).start()
        restarted = None
        try:
            runware = {"taskType": "videoInference", "taskUUID": new_uuid(), "model": "klingai:3@1",
                       "positivePrompt": "a fox", "width": 1280, "height": 720, "duration": 5,
                       "webhookURL": receiver.url("/runware?token=t1")}
            status, ack = server.post([runware])
            self.assertEqual(status, 200, ack)
            kling_id = kling_create(server, receiver.url("/kling"))
            server.poll(runware["taskUUID"], timeout=120)
            time.sleep(8)  # a few refused attempts of every row
            server.kill()
            restarted = Server(BINARY, data_dir=server.data_dir, workers=2, env=ENV, extra_args=ARGS).start()
            time.sleep(max(0.0, DOWN_FOR - (time.time() - down_since)))
            self.assertEqual(receiver.calls, [])
            receiver.start()
            calls = receiver.wait_for_ids(4, timeout=30)  # the Runware result + Kling's three states
            time.sleep(3)  # nothing more arrives: every id was acknowledged once
            calls = list(receiver.calls)
        finally:
            (restarted or server).stop()
            receiver.close()
        ids = [c["id"] for c in calls]
        self.assertEqual(len(ids), len(set(ids)), f"an acknowledged webhook came again: {ids}")
        self.assertEqual(len(ids), 4, calls)
        runware_calls = [c for c in calls if c["path"] == "/runware?token=t1"]
        self.assertEqual(len(runware_calls), 1)
        item = json.loads(runware_calls[0]["body"])["data"][0]
        self.assertEqual((item["taskUUID"], item["status"]), (runware["taskUUID"], "success"))
        kling_statuses = [json.loads(c["body"])["task_status"] for c in calls if c["path"] == "/kling"]
        self.assertEqual(sorted(kling_statuses), ["processing", "submitted", "succeed"])
        self.assertTrue(all(json.loads(c["body"])["task_id"] == kling_id for c in calls if c["path"] == "/kling"))
        # Every delivery verifies with the key's secret; a tampered body, or another secret, does not.
        self.assertEqual(verify(calls), ["ok"] * 4)
        # A final body (calls arrive in any order; the submitted/processing ones hold no outcome).
        final = next(c for c in calls if "succe" in c["body"])
        tampered = dict(final, body=final["body"].replace("success", "failure").replace("succeed", "failed"))
        self.assertNotEqual(tampered["body"], final["body"])
        self.assertTrue(verify([tampered])[0].startswith("fail"))
        other = "whsec_" + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldY"
        self.assertTrue(verify(calls[:1], secret=other)[0].startswith("fail"))
        log = ""
        for s in filter(None, (server, restarted)):
            log += s.proc.stderr.read()
            s.proc.stdout.close()
            s.proc.stderr.close()
        self.assertNotIn(SECRET[6:], log)
        self.assertNotIn("token=t1", log)

    def test_keys_create_shows_the_webhook_secret_and_it_rotates(self):
        data = tempfile.mkdtemp(prefix="vidserve-keys-")
        created = subprocess.run([BINARY, "keys", "create", "--data", data, "--label", "hooks"],
                                 capture_output=True, text=True, check=True)
        self.assertRegex(created.stdout, r"^vs_\S+\n$")  # the key alone: key=$(vidserve keys create)
        key_id = created.stderr.split()[2]
        secret = re.search(r"webhook secret: (whsec_\S+)", created.stderr).group(1)
        rotated = subprocess.run([BINARY, "keys", "webhook-secret", key_id, "--data", data],
                                 capture_output=True, text=True, check=True)
        self.assertRegex(rotated.stdout, r"^whsec_\S+\n$")
        self.assertNotEqual(rotated.stdout.strip(), secret)
        missing = subprocess.run([BINARY, "keys", "webhook-secret", "key_0000000000000000", "--data", data],
                                 capture_output=True, text=True)
        self.assertEqual(missing.returncode, 1)
        self.assertIn("no API key", missing.stderr)


if __name__ == "__main__":
    unittest.main()
