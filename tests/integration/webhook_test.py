"""Webhooks end to end: the real binary (preview engine) POSTs finished tasks to a receiver on
loopback (VIDSERVE_FETCH_ALLOW=127.0.0.0/8), in the shape of the API that created each task: a
Runware videoInference with webhookURL gets {"data":[<the getResponse item>]}, a Kling-native
text2video with callback_url gets the bare task object of GET /v1/videos/text2video/{id} (when
submitted, when processing, and when finished). A
receiver answering 500 gets retried under one webhook-id with the same body, and the task stays
readable by polling (webhook_outbox_test.py covers durability and signatures)."""
import json
import os
import threading
import time
import unittest
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from vidserve_harness import Server, new_uuid, request

BINARY = os.environ["VIDSERVE_BIN"]
ENV = {"VIDSERVE_FETCH_ALLOW": "127.0.0.0/8"}


class Receiver:
    """Records every POST; paths starting with /fail are answered with 500, others with 200."""

    def __init__(self):
        self.calls = []  # (path, headers, parsed body)
        self.changed = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with receiver.changed:
                    receiver.calls.append((self.path, dict(self.headers), json.loads(body)))
                    receiver.changed.notify_all()
                status = 500 if self.path.startswith("/fail") else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path):
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"

    def wait_for(self, path, count=1, timeout=120):
        """The calls to `path` (query included) once there are `count` of them."""
        deadline = time.time() + timeout
        with self.changed:
            while True:
                mine = [c for c in self.calls if c[0] == path]
                if len(mine) >= count:
                    return mine
                left = deadline - time.time()
                if left <= 0:
                    raise TimeoutError(f"{count} call(s) to {path} expected, got {len(mine)}: {self.calls}")
                self.changed.wait(left)

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def video_task(webhook, **extra):
    return dict({"taskType": "videoInference", "taskUUID": new_uuid(), "model": "klingai:3@1",
                 "positivePrompt": "a fox in the snow", "width": 1280, "height": 720, "duration": 5,
                 "webhookURL": webhook}, **extra)


class WebhookTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.receiver = Receiver()
        cls.server = Server(BINARY, workers=2, env=ENV).start()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        cls.receiver.close()

    def test_runware_task_posts_its_get_response_item(self):
        path = "/runware?token=secret-1"
        task = video_task(self.receiver.url(path), includeCost=True)
        status, ack = self.server.post([task])
        self.assertEqual(status, 200, ack)
        (_, headers, body), = self.receiver.wait_for(path)
        self.assertEqual(headers.get("Content-Type"), "application/json")
        self.assertEqual(list(body), ["data"])
        self.assertEqual(len(body["data"]), 1)
        item = body["data"][0]
        self.assertEqual(item["taskUUID"], task["taskUUID"])
        self.assertEqual(item["taskType"], "videoInference")
        self.assertEqual(item["status"], "success")
        self.assertIn("cost", item)
        # The very item getResponse returns, and its video is there.
        _, polled = self.server.poll(task["taskUUID"])
        self.assertEqual(polled["data"], [item])
        status, media_headers, data = self.server.get(item["videoURL"])
        self.assertEqual(status, 200)
        self.assertEqual(media_headers["Content-Type"], "video/mp4")
        self.assertGreater(len(data), 1000)

    def test_runware_number_results_posts_one_call_per_result(self):
        path = "/runware-two"
        task = video_task(self.receiver.url(path), numberResults=2, duration=3,
                          model="klingai:kling-video@3-standard", width=720, height=1280)
        self.assertEqual(self.server.post([task])[0], 200)
        calls = self.receiver.wait_for(path, count=2)
        items = [c[2]["data"][0] for c in calls]
        self.assertEqual({i["taskUUID"] for i in items}, {task["taskUUID"]})
        self.assertEqual(len({i["videoUUID"] for i in items}), 2)
        _, polled = self.server.poll(task["taskUUID"])
        self.assertEqual(sorted(polled["data"], key=lambda i: i["videoUUID"]),
                         sorted(items, key=lambda i: i["videoUUID"]))

    def test_kling_native_callback_gets_the_bare_task_object(self):
        path = "/kling"
        status, created = request(self.server, "POST", "/v1/videos/text2video",
                                  {"model_name": "kling-v1-6", "prompt": "a fox", "duration": "5",
                                   "callback_url": self.receiver.url(path), "external_task_id": "order-" + new_uuid()})
        self.assertEqual(status, 200, created)
        task_id = created["data"]["task_id"]
        # Kling's callback protocol: every status change, in order, the final one last.
        calls = self.receiver.wait_for(path, count=3)
        self.assertEqual([c[2]["task_status"] for c in calls], ["submitted", "processing", "succeed"])
        self.assertEqual(len({c[1]["webhook-id"] for c in calls}), 3)
        task = calls[2][2]
        self.assertNotIn("code", task)  # no {code, message, data} envelope
        self.assertEqual(task["task_id"], task_id)
        self.assertEqual(task["task_status"], "succeed")
        self.assertEqual(task["task_info"]["external_task_id"], created["data"]["task_info"]["external_task_id"])
        video = task["task_result"]["videos"][0]
        status, _, data = self.server.get(video["url"])
        self.assertEqual(status, 200)
        self.assertGreater(len(data), 1000)
        # The same object the query endpoint returns in `data`.
        status, queried = request(self.server, "GET", "/v1/videos/text2video/" + task_id)
        self.assertEqual(status, 200, queried)
        self.assertEqual(queried["data"], task)

    def test_failed_task_posts_its_error(self):
        path = "/runware-failed"
        # Validation passes; the worker then finds no media with this UUID and fails the task.
        task = {"taskType": "videoInference", "taskUUID": new_uuid(), "model": "klingai:3@1", "duration": 5,
                "inputs": {"frameImages": [new_uuid()]}, "webhookURL": self.receiver.url(path)}
        status, ack = self.server.post([task])
        self.assertEqual(status, 200, ack)
        (_, _, body), = self.receiver.wait_for(path)
        self.assertNotIn("data", body)
        error = body["errors"][0]
        self.assertEqual(error["taskUUID"], task["taskUUID"])
        self.assertEqual(error["status"], "error")
        _, polled = self.server.poll(task["taskUUID"])
        self.assertEqual(error["code"], "unknownInput")
        self.assertEqual(polled["errors"][0]["code"], error["code"])

    def test_failing_receiver_is_retried_under_one_id_and_does_not_break_the_task(self):
        # Its own server with a short first backoff, so its log can be read once it stopped.
        server = Server(BINARY, workers=1, env=ENV, extra_args=["--webhook-first-backoff-ms", "200"]).start()
        try:
            failing, fine = "/fail?token=hidden", "/after-failure"
            task = video_task(self.receiver.url(failing))
            self.assertEqual(server.post([task])[0], 200)
            other = video_task(self.receiver.url(fine))
            self.assertEqual(server.post([other])[0], 200)
            self.receiver.wait_for(fine)  # another receiver's webhook still arrives
            calls = self.receiver.wait_for(failing, count=3, timeout=60)
            self.assertTrue(all(c[2]["data"][0]["taskUUID"] == task["taskUUID"] for c in calls))
            # Every retry is the same message: one webhook-id, the same body.
            self.assertEqual(len({c[1]["webhook-id"] for c in calls}), 1)
            self.assertEqual(len({json.dumps(c[2], sort_keys=True) for c in calls}), 1)
            _, polled = server.poll(task["taskUUID"])
            self.assertEqual(polled["data"][0]["status"], "success")
        finally:
            server.stop()
        log = server.proc.stderr.read()
        server.proc.stdout.close()
        server.proc.stderr.close()
        self.assertNotIn("hidden", log)


if __name__ == "__main__":
    unittest.main()
