"""--min-free-space: below the watermark every API refuses new tasks with 507 and Retry-After,
before anything is stored, while reads keep working."""
import json
import os
import sys
import unittest
import urllib.error
import urllib.request

from vidserve_harness import KEY_A, Server, new_uuid

BINARY = os.environ.get("VIDSERVE_BIN", "build/src/app/vidserve")


def request(method, url, body=None):
    req = urllib.request.Request(url, data=json.dumps(body).encode() if body is not None else None, method=method)
    req.add_header("Authorization", f"Bearer {KEY_A}")
    req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return resp.status, dict(resp.headers), json.loads(resp.read())
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), json.loads(e.read() or b"{}")


class FreeSpaceTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # No file system has an exabyte free: the watermark is always crossed.
        cls.server = Server(BINARY, workers=1, extra_args=["--min-free-space", "1EiB"]).start()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def test_every_api_answers_507_with_retry_after(self):
        task = {"taskType": "videoInference", "taskUUID": new_uuid(), "model": "klingai:kling-video@3-standard",
                "positivePrompt": "a lighthouse", "width": 1280, "height": 720, "duration": 3}
        status, headers, body = request("POST", self.server.base + "/v1", [task])
        self.assertEqual(status, 507, body)
        self.assertEqual(body["errors"][0]["code"], "insufficientStorage")
        self.assertEqual(body["errors"][0]["taskUUID"], task["taskUUID"])
        self.assertEqual(headers["Retry-After"], "60")
        status, headers, body = request("POST", self.server.base + "/v1/videos/text2video",
                                        {"model_name": "kling-v2-6", "prompt": "a lighthouse", "mode": "pro"})
        self.assertEqual((status, body["code"], headers["Retry-After"]), (507, 5001, "60"), body)
        status, headers, body = request("POST", self.server.base + "/v1/videos/generations",
                                        {"model": "kling-v2-6", "prompt": "a lighthouse", "mode": "pro"})
        self.assertEqual((status, headers["Retry-After"]), (507, "60"), body)

    def test_nothing_is_stored_and_reads_still_work(self):
        task_uuid = new_uuid()
        task = {"taskType": "videoInference", "taskUUID": task_uuid, "model": "klingai:kling-video@3-standard",
                "positivePrompt": "a lighthouse", "width": 1280, "height": 720, "duration": 3}
        self.assertEqual(request("POST", self.server.base + "/v1", [task])[0], 507)
        status, _, body = request("POST", self.server.base + "/v1", [{"taskType": "getResponse", "taskUUID": task_uuid}])
        self.assertEqual((status, body["errors"][0]["code"]), (404, "taskNotFound"))
        status, _, body = request("POST", self.server.base + "/v1", [{"taskType": "ping"}])
        self.assertEqual(status, 200, body)


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0]], verbosity=2)
