"""Idempotent submission on the real binary (preview engine): re-sending a task with the same
taskUUID and the same request returns the first acknowledgement (async) or the first result
(sync), with one task, one render and one media file; the same taskUUID with another request is
refused with duplicateTaskUUID naming taskUUID. Kling's external_task_id behaves the same way."""
import json
import os
import time
import unittest
import urllib.request

from vidserve_harness import KEY_A, KEY_B, Server, new_uuid, request

BINARY = os.environ["VIDSERVE_BIN"]


def kling(server, body, key=KEY_A):
    return request(server, "POST", "/v1/videos/text2video", body, key)


class IdempotencyTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server(BINARY, workers=2).start()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def media_files(self):
        media = os.path.join(self.server.data_dir, "media")
        return sorted(f for f in os.listdir(media) if not f.startswith("."))

    def test_same_request_gets_the_first_acknowledgement_and_renders_once(self):
        task = {"taskType": "videoInference", "taskUUID": new_uuid(), "model": "klingai:kling-video@3-standard",
                "positivePrompt": "a quiet harbour at dawn", "width": 720, "height": 1280, "duration": 3,
                "deliveryMethod": "async"}
        before = self.media_files()
        first = self.server.post([task])
        again = self.server.post([task])
        self.assertEqual(first[0], 200, first)
        self.assertEqual(again, first)  # the very acknowledgement
        self.assertEqual(first[1]["data"], [{"taskType": "videoInference", "taskUUID": task["taskUUID"]}])
        _, polled = self.server.poll(task["taskUUID"])
        self.assertEqual(self.server.post([task]), first)  # once finished too
        new_files = sorted(f for f in set(self.media_files()) - set(before) if f.endswith(".mp4"))  # not others' stills
        self.assertEqual(new_files, [polled["data"][0]["videoUUID"] + ".mp4"])  # rendered once

    def test_sync_resubmission_returns_the_same_result(self):
        task = {"taskType": "imageInference", "taskUUID": new_uuid(), "model": "klingai:kling-image@3",
                "positivePrompt": "a teapot", "width": 1024, "height": 1024, "outputFormat": "JPG"}
        status, first = self.server.post([task])
        self.assertEqual(status, 200, first)
        status, again = self.server.post([task])
        self.assertEqual(status, 200, again)
        self.assertEqual(again["data"], first["data"])  # same imageUUID, URL and seed

    def test_other_request_under_the_same_uuid_is_refused_naming_task_uuid(self):
        task = {"taskType": "imageInference", "taskUUID": new_uuid(), "model": "klingai:kling-image@3",
                "positivePrompt": "a teapot", "width": 1024, "height": 1024, "deliveryMethod": "async"}
        self.assertEqual(self.server.post([task])[0], 200)
        for changed in (dict(task, positivePrompt="a kettle"), dict(task, seed=42), dict(task, width=1360, height=768)):
            status, body = self.server.post([changed])
            self.assertEqual(status, 400, body)
            error = body["errors"][0]
            self.assertEqual((error["code"], error["parameter"], error["taskUUID"]),
                             ("duplicateTaskUUID", "taskUUID", task["taskUUID"]))
        # Another key's same request is its own task.
        status, body = self.server.post([task], key=KEY_B)
        self.assertEqual(status, 200, body)

    def test_resubmission_at_the_queue_cap_is_still_the_first_task(self):
        # No workers: tasks stay queued, and one queued task is the key's cap.
        server = Server(BINARY, workers=0, extra_args=["--max-queued-per-key", "1"]).start()
        try:
            task = {"taskType": "imageInference", "taskUUID": new_uuid(), "model": "klingai:kling-image@3",
                    "positivePrompt": "a teapot", "width": 1024, "height": 1024, "deliveryMethod": "async"}
            first = server.post([task])
            self.assertEqual(first[0], 200, first)
            self.assertEqual(server.post([task]), first)
            status, body = server.post([dict(task, taskUUID=new_uuid())])  # a new task is over the cap
            self.assertEqual(status, 429, body)
            self.assertEqual(body["errors"][0]["code"], "tooManyQueuedTasks")
        finally:
            server.stop()

    def test_kling_external_task_id_resubmission(self):
        external = f"order-{time.time_ns()}"
        request = {"model_name": "kling-v1-6", "prompt": "a fox in the snow", "duration": "5",
                   "external_task_id": external}
        before = self.media_files()
        status, first = kling(self.server, request)
        self.assertEqual(status, 200, first)
        status, again = kling(self.server, request)
        self.assertEqual(status, 200, again)
        self.assertEqual(again["data"]["task_id"], first["data"]["task_id"])
        self.assertEqual(again["data"]["task_info"]["external_task_id"], external)
        status, other = kling(self.server, dict(request, prompt="a wolf in the snow"))
        self.assertEqual((status, other["code"]), (400, 1201), other)
        self.assertEqual(other["errors"][0]["parameter"], "external_task_id")
        # One task ran: its one video is the only new media.
        task_id = first["data"]["task_id"]
        deadline = time.time() + 120
        while time.time() < deadline:
            req = urllib.request.Request(f"{self.server.base}/v1/videos/text2video/{task_id}",
                                         headers={"Authorization": f"Bearer {KEY_A}"})
            with urllib.request.urlopen(req, timeout=60) as resp:
                task = json.loads(resp.read())["data"]
            if task["task_status"] in ("succeed", "failed"):
                break
            time.sleep(0.25)
        self.assertEqual(task["task_status"], "succeed", task)
        video = task["task_result"]["videos"][0]
        self.assertEqual(sorted(f for f in set(self.media_files()) - set(before) if f.endswith(".mp4")),
                         [video["id"] + ".mp4"])


if __name__ == "__main__":
    unittest.main()
