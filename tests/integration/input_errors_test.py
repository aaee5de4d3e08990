"""A task whose input a worker cannot use (a refused URL, bytes that are no image, an image given
as a video) fails naming that input: Runware's getResponse error carries `parameter` (the input's
path), Kling's task_status_msg and APIMart's error name the caller's own field, never a Runware
path."""
import base64
import json
import os
import subprocess
import tempfile
import time
import unittest

from vidserve_harness import KEY_A, Server, make_image, new_uuid

BINARY = os.environ["VIDSERVE_BIN"]
REFUSED = "http://127.0.0.1:1/a.png"  # loopback: refused by the fetch guard, never connected to
NOT_AN_IMAGE = "data:image/png;base64," + base64.b64encode(b"\x00\x01 not an image at all \x02" * 4).decode()
RUNWARE_ONLY = ("inputs.", "frameImages", "referenceImages")


def call(base, method, path, body=None):
    args = ["curl", "-sS", "-X", method, "-o", "-", "-w", "\n%{http_code}", "--max-time", "30",
            "-H", f"Authorization: Bearer {KEY_A}", base + path]
    if body is not None:
        args += ["-H", "Content-Type: application/json", "--data-binary", "@-"]
    out = subprocess.run(args, input=json.dumps(body).encode() if body is not None else None,
                         capture_output=True, check=True).stdout
    payload, _, status = out.rpartition(b"\n")
    return int(status), json.loads(payload)


class InputErrors(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server(BINARY, workers=2).start()
        cls.base = cls.server.base
        tmp = tempfile.mkdtemp(prefix="vidserve-input-errors-")
        with open(make_image(os.path.join(tmp, "frame.png"), 640, 360), "rb") as f:
            cls.png_uri = "data:image/png;base64," + base64.b64encode(f.read()).decode()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def wait(self, read, done, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            body = read()
            if done(body):
                return body
            time.sleep(0.2)
        self.fail(f"no final state in {timeout} s: {body}")

    def runware_error(self, task):
        self.assertEqual(self.server.post([task])[0], 200)
        _, body = self.server.poll(task["taskUUID"], timeout=60)
        self.assertIn("errors", body, body)
        return body["errors"][0]

    def test_runware_names_the_input_path(self):
        task = {"taskType": "videoInference", "taskUUID": new_uuid(), "model": "klingai:kling-video@2.6-pro",
                "positivePrompt": "a fox turns its head", "duration": 5,
                "inputs": {"frameImages": [{"image": self.png_uri, "frame": "first"},
                                           {"image": REFUSED, "frame": "last"}]}}
        error = self.runware_error(task)
        self.assertEqual(error["code"], "addressRefused")
        self.assertEqual(error["parameter"], "inputs.frameImages[1].image")
        self.assertTrue(error["message"].startswith("inputs.frameImages[1].image: "), error)
        self.assertEqual(error["status"], "error")

    def test_runware_names_an_image_given_as_the_video(self):
        task = {"taskType": "videoInference", "taskUUID": new_uuid(), "model": "klingai:7@1",
                "inputs": {"video": self.png_uri, "audio": self.png_uri}}
        error = self.runware_error(task)
        self.assertEqual(error["code"], "invalidVideo")
        self.assertEqual(error["parameter"], "inputs.video")

    def test_kling_names_image_tail(self):
        status, body = call(self.base, "POST", "/v1/videos/image2video",
                            {"model_name": "kling-v2-6", "mode": "pro", "prompt": "a fox turns its head",
                             "image": self.png_uri, "image_tail": REFUSED})
        self.assertEqual(status, 200, body)
        task_id = body["data"]["task_id"]
        task = self.wait(lambda: call(self.base, "GET", f"/v1/videos/image2video/{task_id}")[1]["data"],
                         lambda t: t["task_status"] in ("succeed", "failed"))
        self.assertEqual(task["task_status"], "failed")
        self.assertTrue(task["task_status_msg"].startswith("addressRefused: image_tail: "), task)
        for name in RUNWARE_ONLY:
            self.assertNotIn(name, json.dumps(task))

    def test_kling_omni_names_the_image_list_entry(self):
        status, body = call(self.base, "POST", "/v1/videos/omni-video",
                            {"model_name": "kling-video-o1", "mode": "std", "prompt": "make it wave",
                             "duration": "5", "image_list": [{"image_url": self.png_uri, "type": "first_frame"},
                                                             {"image_url": NOT_AN_IMAGE, "type": "end_frame"}]})
        self.assertEqual(status, 200, body)
        task_id = body["data"]["task_id"]
        task = self.wait(lambda: call(self.base, "GET", f"/v1/videos/omni-video/{task_id}")[1]["data"],
                         lambda t: t["task_status"] in ("succeed", "failed"))
        self.assertEqual(task["task_status"], "failed")
        self.assertIn(": image_list[1].image_url: ", task["task_status_msg"])
        for name in RUNWARE_ONLY:
            self.assertNotIn(name, json.dumps(task))

    def test_apimart_names_image_urls(self):
        status, body = call(self.base, "POST", "/v1/videos/generations",
                            {"model": "kling-v2-6", "mode": "pro", "prompt": "a fox turns its head",
                             "image_urls": [self.png_uri, REFUSED]})
        self.assertEqual(status, 200, body)
        task_id = body["data"][0]["task_id"]
        task = self.wait(lambda: call(self.base, "GET", f"/v1/tasks/{task_id}")[1]["data"],
                         lambda t: t["status"] in ("completed", "failed"))
        self.assertEqual(task["status"], "failed")
        self.assertEqual(task["error"]["param"], "image_urls[1]")
        self.assertEqual(task["error"]["code"], "addressRefused")
        self.assertTrue(task["error"]["message"].startswith("image_urls[1]: "), task)
        for name in RUNWARE_ONLY:
            self.assertNotIn(name, json.dumps(task))


if __name__ == "__main__":
    unittest.main()
