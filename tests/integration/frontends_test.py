"""Kling's native API (/v1/videos/*) and the APIMart-style API (/v1/videos/generations,
/v1/tasks/{id}) driven with curl against two servers: one rendering with the preview engine, one
relaying to tests/mock_kling/mock_kling.py with the kling engine. Each API: text-to-video,
image-to-video with a last frame, a validation error and polling; plus Kling JWT auth, external
task ids, lists, and each API reading back only its own tasks."""
import base64
import hashlib
import hmac
import json
import os
import subprocess
import tempfile
import time
import unittest

from vidserve_harness import KEY_A, MockKling, Server, ffprobe, make_image

BINARY = os.environ["VIDSERVE_BIN"]
OUT_AK, OUT_SK = "ak-outbound", "sk-outbound-secret"      # vidserve -> mock Kling
IN_AK, IN_SK = "ak-client", "sk-client-secret"            # client -> vidserve's native API
API_KEY = KEY_A


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def jwt(ak=IN_AK, sk=IN_SK, exp_in=1800, nbf_in=-5, alg="HS256"):
    now = int(time.time())
    head = b64url(json.dumps({"alg": alg, "typ": "JWT"}).encode())
    body = b64url(json.dumps({"iss": ak, "exp": now + exp_in, "nbf": now + nbf_in}).encode())
    sig = b64url(hmac.new(sk.encode(), f"{head}.{body}".encode(), hashlib.sha256).digest())
    return f"{head}.{body}.{sig}"


def curl(method, url, body=None, token=API_KEY):
    """One request with the curl CLI; returns (HTTP status, parsed JSON or raw bytes)."""
    args = ["curl", "-sS", "-X", method, "-o", "-", "-w", "\n%{http_code}", "--max-time", "60", url]
    if token is not None:
        args += ["-H", f"Authorization: Bearer {token}"]
    if body is not None:
        args += ["-H", "Content-Type: application/json", "--data-binary", "@-"]
    out = subprocess.run(args, input=json.dumps(body).encode() if body is not None else None,
                         capture_output=True, check=True).stdout
    payload, _, status = out.rpartition(b"\n")
    try:
        return int(status), json.loads(payload)
    except ValueError:
        return int(status), payload


class FrontEnds:
    """The scenarios, run once per engine by the two subclasses below."""
    engine = None

    @classmethod
    def setUpClass(cls):
        cls.mock = MockKling(OUT_AK, OUT_SK, delay=1)
        cls.mock_base = cls.mock.base
        env = {"VIDSERVE_KLING_KEYS": f"{IN_AK}:{IN_SK},other-ak:other-sk",
               "VIDSERVE_FETCH_ALLOW": "127.0.0.0/8"}
        if cls.engine == "kling":
            env.update({"VIDSERVE_ENGINE_ROUTES": "klingai:*=kling", "VIDSERVE_KLING_BASE_URL": cls.mock_base,
                        "VIDSERVE_KLING_ACCESS_KEY": OUT_AK, "VIDSERVE_KLING_SECRET_KEY": OUT_SK,
                        "VIDSERVE_KLING_POLL_MS": "200", "VIDSERVE_KLING_POLL_MAX_MS": "400"})
        cls.server = Server(BINARY, workers=2, env=env).start()
        cls.base = cls.server.base
        cls.tmp = tempfile.mkdtemp(prefix="vidserve-frontends-")
        cls.image_url = cls.mock_base + "/_mock/files/result.png"   # 1024x1024, fetched over loopback
        with open(make_image(os.path.join(cls.tmp, "tail.png"), 1024, 1024, "blue"), "rb") as f:
            cls.tail_b64 = base64.b64encode(f.read()).decode()      # Kling takes raw base64 too

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        cls.mock.stop()

    # ---- helpers -------------------------------------------------------------------------------

    def mock_stats(self):
        status, body = curl("GET", self.mock_base + "/_mock/stats", token=None)
        self.assertEqual(status, 200)
        return body

    def poll_native(self, product, task_id, token=API_KEY):
        seen = []
        deadline = time.time() + 90
        while time.time() < deadline:
            status, body = curl("GET", f"{self.base}/v1/videos/{product}/{task_id}", token=token)
            self.assertEqual(status, 200, body)
            self.assertEqual(body["code"], 0, body)
            task = body["data"]
            if not seen or seen[-1] != task["task_status"]:
                seen.append(task["task_status"])
            if task["task_status"] in ("succeed", "failed"):
                order = ["submitted", "processing", "succeed", "failed"]
                self.assertEqual(seen, sorted(seen, key=order.index), seen)  # never goes backwards
                return task
            time.sleep(0.1)
        self.fail(f"{product} task {task_id} did not finish: {seen}")

    def poll_apimart(self, task_id):
        seen = []
        deadline = time.time() + 90
        while time.time() < deadline:
            status, body = curl("GET", f"{self.base}/v1/tasks/{task_id}")
            self.assertEqual(status, 200, body)
            data = body["data"]
            self.assertEqual(data["id"], task_id)
            self.assertTrue(0 <= data["progress"] <= 100, data)
            if not seen or seen[-1] != data["status"]:
                seen.append(data["status"])
            if data["status"] in ("completed", "failed", "cancelled"):
                self.assertEqual(seen, sorted(seen, key=["pending", "processing", "completed", "failed"].index))
                return data
            time.sleep(0.1)
        self.fail(f"APIMart task {task_id} did not finish: {seen}")

    def download(self, url):
        self.assertTrue(url.startswith(self.base + "/media/"), url)
        status, _, data = self.server.get(url)
        self.assertEqual(status, 200)
        path = os.path.join(self.tmp, os.path.basename(url))
        with open(path, "wb") as f:
            f.write(data)
        return ffprobe(path)["streams"][0]

    def check_video(self, url, width=None, height=None):
        stream = self.download(url)
        self.assertEqual(stream["codec_name"], "h264")
        if self.engine == "kling":
            self.assertEqual((stream["width"], stream["height"]), (1280, 720))  # the mock's MP4, relayed
        elif width:
            self.assertEqual((stream["width"], stream["height"]), (width, height))

    # ---- Kling native API --------------------------------------------------------------------------

    def test_native_text_to_video_with_jwt_external_id_and_list(self):
        external = f"order-{self.engine}-{time.time_ns()}"
        status, body = curl("POST", self.base + "/v1/videos/text2video", token=jwt(), body={
            "model_name": "kling-v1-6", "prompt": "A red fox runs through snow", "negative_prompt": "",
            "duration": "5", "mode": "std", "aspect_ratio": "9:16", "cfg_scale": 0.5,
            "callback_url": "", "external_task_id": external})
        self.assertEqual(status, 200, body)
        self.assertEqual((body["code"], body["message"]), (0, "SUCCEED"))
        self.assertTrue(body["request_id"])
        data = body["data"]
        self.assertEqual(data["task_status"], "submitted")
        self.assertEqual(data["task_info"]["external_task_id"], external)
        task = self.poll_native("text2video", data["task_id"], token=jwt())
        self.assertEqual(task["task_status"], "succeed", task)
        video = task["task_result"]["videos"][0]
        self.assertEqual(video["duration"], "5")
        self.check_video(video["url"], 720, 1280)
        if self.engine == "preview":
            self.assertIn("preview", task["task_status_msg"])  # never passed off as Kling output
        else:
            sent = self.mock_stats()["bodies"]["text2video"]
            self.assertEqual((sent["model_name"], sent["mode"], sent["aspect_ratio"], sent["duration"]),
                             ("kling-v1-6", "std", "9:16", "5"))
        # Read back by external id, and listed; another access key and a plain API key see nothing.
        status, by_external = curl("GET", f"{self.base}/v1/videos/text2video/{external}", token=jwt())
        self.assertEqual((status, by_external["data"]["task_id"]), (200, data["task_id"]))
        status, listed = curl("GET", f"{self.base}/v1/videos/text2video?pageNum=1&pageSize=500", token=jwt())
        self.assertIn(data["task_id"], [t["task_id"] for t in listed["data"]])
        status, other = curl("GET", f"{self.base}/v1/videos/text2video/{data['task_id']}",
                             token=jwt("other-ak", "other-sk"))
        self.assertEqual((status, other["code"]), (404, 1203))
        # Each API reads back its own tasks: not on another product path, not through APIMart.
        status, other = curl("GET", f"{self.base}/v1/videos/image2video/{data['task_id']}", token=jwt())
        self.assertEqual(status, 404)
        status, _ = curl("GET", f"{self.base}/v1/tasks/task_{data['task_id']}")
        self.assertEqual(status, 404)
        # A second task with the same external id is refused, naming the parameter.
        status, dup = curl("POST", self.base + "/v1/videos/text2video", token=jwt(), body={
            "model_name": "kling-v1-6", "prompt": "Again", "external_task_id": external})
        self.assertEqual((status, dup["code"]), (400, 1201))
        self.assertEqual(dup["errors"][0]["parameter"], "external_task_id")

    def test_native_image_to_video_with_last_frame(self):
        status, body = curl("POST", self.base + "/kling/v1/videos/image2video", body={
            "model_name": "kling-v2-6", "mode": "pro", "image": self.image_url, "image_tail": self.tail_b64,
            "prompt": "Camera zooms out, the scene turns blue", "duration": "5", "sound": "off"})
        self.assertEqual(status, 200, body)
        task = self.poll_native("image2video", body["data"]["task_id"])
        self.assertEqual(task["task_status"], "succeed", task)
        self.check_video(task["task_result"]["videos"][0]["url"], 1024, 1024)  # size from the first frame
        if self.engine == "kling":
            sent = self.mock_stats()["bodies"]["image2video"]
            self.assertEqual((sent["model_name"], sent["mode"]), ("kling-v2-6", "pro"))
            self.assertTrue(sent["image"] and sent["image_tail"])

    def test_native_validation_errors_name_every_parameter(self):
        status, body = curl("POST", self.base + "/v1/videos/text2video", body={
            "model_name": "kling-v2-6", "mode": "pro", "prompt": "A cat", "duration": "7",
            "aspect_ratio": "4:3", "camera_control": {"type": "simple"}, "promt": "typo"})
        self.assertEqual((status, body["code"]), (400, 1201), body)
        params = {e["parameter"] for e in body["errors"]}
        self.assertEqual(params, {"duration", "aspect_ratio", "camera_control", "promt"}, body)
        self.assertIn("5 or 10", body["message"])
        status, body = curl("POST", self.base + "/v1/videos/image2video", body={
            "model_name": "kling-v2-6", "mode": "std", "image": self.image_url, "image_tail": self.image_url,
            "prompt": "x"})
        self.assertEqual((status, body["code"]), (400, 1201), body)
        self.assertIn("image_tail", {e["parameter"] for e in body["errors"]})
        status, body = curl("POST", self.base + "/v1/videos/text2video", body={"model_name": "kling-v9", "prompt": "xy"})
        self.assertIn("kling-v2-6", body["message"])  # lists what is served
        status, body = curl("POST", self.base + "/v1/videos/text2video", body=None)
        self.assertEqual((status, body["code"]), (400, 1200))

    def test_native_auth_codes(self):
        url = self.base + "/v1/videos/text2video"
        cases = [(None, 1001), ("not-a-key", 1000), (jwt(sk="wrong"), 1000), (jwt(ak="nobody"), 1000),
                 (jwt(exp_in=-60, nbf_in=-120), 1004), (jwt(nbf_in=600), 1003), (jwt(alg="none"), 1002)]
        for token, code in cases:
            status, body = curl("GET", url, token=token)
            self.assertEqual((status, body["code"]), (401, code), (token, body))

    def test_native_failed_task_has_a_reason(self):
        if self.engine != "kling":
            self.skipTest("failure injection is a mock Kling feature")
        status, body = curl("POST", self.base + "/v1/videos/text2video", body={
            "model_name": "kling-v1-6", "prompt": "MOCK_FAIL please", "duration": "5"})
        self.assertEqual(status, 200, body)
        task = self.poll_native("text2video", body["data"]["task_id"])
        self.assertEqual(task["task_status"], "failed")
        self.assertIn("providerTaskFailed", task["task_status_msg"])

    # ---- APIMart-style API ---------------------------------------------------------------------

    def test_apimart_text_to_video(self):
        status, body = curl("POST", self.base + "/v1/videos/generations", body={
            "model": "kling-v2-6", "prompt": "A golden cat running on a sunlit meadow", "mode": "std",
            "duration": 5, "aspect_ratio": "16:9", "audio": False, "watermark": False})
        self.assertEqual(status, 200, body)
        self.assertEqual(body["code"], 200)
        self.assertEqual(body["data"][0]["status"], "submitted")
        task_id = body["data"][0]["task_id"]
        self.assertTrue(task_id.startswith("task_"))
        data = self.poll_apimart(task_id)
        self.assertEqual((data["status"], data["progress"]), ("completed", 100), data)
        self.assertEqual(data["result"]["videos"][0]["duration"], 5)
        self.check_video(data["result"]["videos"][0]["url"][0], 1280, 720)
        # Not visible through Kling's native API.
        status, _ = curl("GET", f"{self.base}/v1/videos/text2video/{task_id[5:]}")
        self.assertEqual(status, 404)
        # Nor through Runware's getResponse, for the same key.
        status, body = self.server.post([{"taskType": "getResponse", "taskUUID": task_id[5:]}])
        self.assertEqual((status, body["errors"][0]["code"]), (404, "taskNotFound"))

    def test_apimart_image_to_video_with_last_frame(self):
        status, body = curl("POST", self.base + "/v1/videos/generations", body={
            "model": "kling-v2-6", "prompt": "The meadow turns to night", "mode": "pro", "duration": 5,
            "image_urls": [self.image_url, self.image_url]})
        self.assertEqual(status, 200, body)
        data = self.poll_apimart(body["data"][0]["task_id"])
        self.assertEqual(data["status"], "completed", data)
        self.check_video(data["result"]["videos"][0]["url"][0], 1024, 1024)
        if self.engine == "kling":
            sent = self.mock_stats()["bodies"]["image2video"]
            self.assertTrue(sent["image"] and sent["image_tail"])
            self.assertEqual((sent["model_name"], sent["mode"]), ("kling-v2-6", "pro"))

    def test_apimart_validation_errors(self):
        status, body = curl("POST", self.base + "/v1/videos/generations", body={
            "model": "kling-v2-6", "prompt": "A cat", "mode": "std", "duration": 7,
            "image_urls": [self.image_url, self.image_url], "audio": True})
        self.assertEqual(status, 400, body)
        self.assertEqual(body["error"]["type"], "invalid_request_error")
        params = {e["parameter"] for e in body["errors"]}
        self.assertEqual(params, {"image_urls[1]", "audio", "duration"}, body)
        status, body = curl("POST", self.base + "/v1/videos/generations", body={"prompt": "no model"})
        self.assertEqual((status, body["error"]["param"]), (400, "model"))
        status, body = curl("POST", self.base + "/v1/videos/generations", token="wrong", body={"model": "kling-v2-6"})
        self.assertEqual((status, body["error"]["type"]), (401, "authentication_error"))
        status, body = curl("GET", self.base + "/v1/tasks/task_does-not-exist")
        self.assertEqual(status, 404)


class PreviewEngineFrontEnds(FrontEnds, unittest.TestCase):
    engine = "preview"


class KlingEngineFrontEnds(FrontEnds, unittest.TestCase):
    engine = "kling"


if __name__ == "__main__":
    unittest.main(verbosity=2)
