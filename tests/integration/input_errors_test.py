"""A task whose input a worker cannot use (a refused URL, bytes that are no image, an image given
as a video, a video without a video stream, an audio without an audio stream, an input longer or
larger than the model's limits) fails naming that input: Runware's getResponse error carries
`parameter` (the input's path), Kling's task_status_msg and APIMart's error name the caller's own
field, never a Runware path."""
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


def ffmpeg_data_uri(path, mime, *args):
    subprocess.run(["ffmpeg", "-v", "error", "-y", *args, path], check=True)
    with open(path, "rb") as f:
        return f"data:{mime};base64," + base64.b64encode(f.read()).decode()


def lavfi_video(seconds, fps=12):
    return ["-f", "lavfi", "-i", f"testsrc2=s=512x512:r={fps}:d={seconds}"]


def lavfi_sine(seconds):
    return ["-f", "lavfi", "-i", f"sine=f=440:d={seconds}"]


H264 = ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]


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
        with open(make_image(os.path.join(tmp, "wide.png"), 2050, 600), "rb") as f:
            cls.wide_png_uri = "data:image/png;base64," + base64.b64encode(f.read()).decode()
        media = lambda name, mime, *args: ffmpeg_data_uri(os.path.join(tmp, name), mime, *args)
        cls.video_uri = media("v.mp4", "video/mp4", *lavfi_video(2.5), *lavfi_sine(2.5), *H264, "-c:a", "aac",
                              "-shortest")
        cls.silent_video_uri = media("silent.mp4", "video/mp4", *lavfi_video(2.5), *H264)
        cls.long_video_uri = media("long.mp4", "video/mp4", *lavfi_video(61, fps=2), *H264)
        cls.m4a_uri = media("a.m4a", "audio/mp4", *lavfi_sine(3), "-c:a", "aac")
        cls.wav_uri = media("a.wav", "audio/wav", *lavfi_sine(3), "-ar", "16000")
        cls.long_wav_uri = media("long.wav", "audio/wav", *lavfi_sine(61), "-ar", "16000")

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

    def lip_sync_error(self, video, audio):
        return self.runware_error({"taskType": "videoInference", "taskUUID": new_uuid(), "model": "klingai:7@1",
                                   "inputs": {"video": video, "audio": audio}})

    def assert_names(self, error, code, parameter, says):
        self.assertEqual(error["code"], code, error)
        self.assertEqual(error["parameter"], parameter, error)
        self.assertTrue(error["message"].startswith(parameter + ": "), error)
        self.assertIn(says, error["message"])

    def test_a_video_without_a_video_stream_names_inputs_video(self):
        error = self.lip_sync_error(self.m4a_uri, self.wav_uri)
        self.assert_names(error, "invalidVideo", "inputs.video", "no video stream")

    def test_a_silent_video_as_the_audio_names_inputs_audio(self):
        error = self.lip_sync_error(self.video_uri, self.silent_video_uri)
        self.assert_names(error, "invalidAudio", "inputs.audio", "no audio stream")

    def test_a_video_longer_than_the_model_takes_names_inputs_video(self):
        error = self.lip_sync_error(self.long_video_uri, self.wav_uri)
        self.assert_names(error, "invalidVideo", "inputs.video", "it lasts 61 s; this model takes at most 60 s")

    def test_an_audio_longer_than_the_model_takes_names_inputs_audio(self):
        error = self.lip_sync_error(self.video_uri, self.long_wav_uri)
        self.assert_names(error, "invalidAudio", "inputs.audio", "it lasts 61 s; this model takes at most 60 s")

    def test_an_oversized_image_names_its_frame(self):
        task = {"taskType": "videoInference", "taskUUID": new_uuid(), "model": "klingai:1@1",
                "positivePrompt": "a fox turns its head", "duration": 5, "width": 1280, "height": 720,
                "inputs": {"frameImages": [{"image": self.wide_png_uri, "frame": "first"}]}}
        error = self.runware_error(task)
        self.assert_names(error, "invalidImage", "inputs.frameImages[0].image",
                          "it is 2050x600; this model takes at most 2048 pixels a side")

    def kling_task(self, product, body):
        """POST a Kling native task and wait until it succeeds or fails: its task object."""
        status, reply = call(self.base, "POST", f"/v1/videos/{product}", body)
        self.assertEqual(status, 200, reply)
        task_id = reply["data"]["task_id"]
        return self.wait(lambda: call(self.base, "GET", f"/v1/videos/{product}/{task_id}")[1]["data"],
                         lambda t: t["task_status"] in ("succeed", "failed"))

    def test_kling_names_an_oversized_image(self):
        task = self.kling_task("image2video",
                               {"model_name": "kling-v1", "mode": "std", "prompt": "a fox turns its head",
                                "image": self.wide_png_uri})
        self.assertEqual(task["task_status"], "failed")
        self.assertTrue(task["task_status_msg"].startswith("invalidImage: image: it is 2050x600"), task)
        for name in RUNWARE_ONLY:
            self.assertNotIn(name, json.dumps(task))

    def test_kling_lip_sync_names_its_audio_file(self):
        task = self.kling_task("lip-sync",
                               {"input": {"video_url": self.video_uri, "mode": "audio2video", "audio_type": "file",
                                          "audio_file": self.silent_video_uri}})
        self.assertEqual(task["task_status"], "failed")
        self.assertEqual(task["task_status_msg"], "invalidAudio: input.audio_file: the file has no audio stream", task)

    def test_kling_names_image_tail(self):
        task = self.kling_task("image2video",
                               {"model_name": "kling-v2-6", "mode": "pro", "prompt": "a fox turns its head",
                                "image": self.png_uri, "image_tail": REFUSED})
        self.assertEqual(task["task_status"], "failed")
        self.assertTrue(task["task_status_msg"].startswith("addressRefused: image_tail: "), task)
        for name in RUNWARE_ONLY:
            self.assertNotIn(name, json.dumps(task))

    def test_kling_omni_names_the_image_list_entry(self):
        task = self.kling_task("omni-video",
                               {"model_name": "kling-video-o1", "mode": "std", "prompt": "make it wave",
                                "duration": "5", "image_list": [{"image_url": self.png_uri, "type": "first_frame"},
                                                                {"image_url": NOT_AN_IMAGE, "type": "end_frame"}]})
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
