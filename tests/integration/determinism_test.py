"""The preview engine is deterministic over every workflow of the catalog: for each model and each
of its workflows (read from `vidserve models --json`, so a new model or workflow is covered without
editing this file), a valid request with synthesized inputs (images, a video with sound, audio) is
sent twice with the same seed and once with another seed; the two first results are byte-identical
and the third differs.

To stay short, each request uses the workflow's smallest size, its shortest duration and a low
outputQuality, the tasks run concurrently, and workflows that render the same way (same task type,
kind, inputs and size rule; models differ only in the label drawn) are rendered once, through the
model where that is cheapest. VIDSERVE_DETERMINISM_ALL=1 renders every model x workflow
(58 pairs today: about 7 minutes on 2 busy cores)."""
import base64
import concurrent.futures
import hashlib
import json
import os
import subprocess
import tempfile
import time
import unittest

from vidserve_harness import Server, make_image, new_uuid

BINARY = os.environ["VIDSERVE_BIN"]
SEED_A, SEED_B = 1234567, 7654321
PROMPT = "a red kite over a green hill"
CLIENTS = 8  # requests in flight at once (the server's two workers do the rendering)
QUALITY = 20  # outputQuality: the encoder does less work; the code path is the same
EVERY_MODEL = os.environ.get("VIDSERVE_DETERMINISM_ALL") == "1"


def data_uri(path, mime):
    with open(path, "rb") as f:
        return f"data:{mime};base64," + base64.b64encode(f.read()).decode()


def make_video(path, side, seconds):
    """A square H.264 video with an AAC sine track, `seconds` long."""
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", f"testsrc2=s={side}x{side}:r=24:d={seconds}",
                    "-f", "lavfi", "-i", f"sine=f=330:d={seconds}", "-c:v", "libx264", "-preset", "ultrafast",
                    "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", path], check=True)
    return path


def make_wav(path, seconds, freq):
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", f"sine=f={freq}:d={seconds}", "-ar", "16000",
                    path], check=True)
    return path


def smallest(sizes):
    return min(sizes, key=lambda s: (s["width"] * s["height"], s["width"]))


def shortest(duration):
    """The workflow's shortest duration in seconds, or None when it follows an input."""
    if not duration or "fromInput" in duration:
        return None
    return min(duration["values"]) if "values" in duration else duration["min"]


class Media:
    """Synthesized inputs, made once, as data URIs; a video's side and length follow the model's limits."""

    def __init__(self, tmp):
        self.tmp = tmp
        self.image = data_uri(make_image(os.path.join(tmp, "a.png"), 320, 320, "orange"), "image/png")
        self.image_b = data_uri(make_image(os.path.join(tmp, "b.png"), 320, 320, "teal"), "image/png")
        self.videos = {}
        self.audios = {}

    def video(self, limits):
        side = max(limits.get("minSide", 0), 352)
        seconds = max(limits.get("minSeconds", 0), 2)
        key = (side, seconds)
        if key not in self.videos:
            path = make_video(os.path.join(self.tmp, f"v{side}-{seconds}.mp4"), side, seconds)
            self.videos[key] = data_uri(path, "video/mp4")
        return self.videos[key]

    def audio(self, limits):
        seconds = max(limits.get("minSeconds", 0), 2)
        if seconds not in self.audios:
            path = make_wav(os.path.join(self.tmp, f"a{seconds}.wav"), seconds, 550)
            self.audios[seconds] = data_uri(path, "audio/wav")
        return self.audios[seconds]


def inputs_for(workflow, limits, media):
    """Every input the workflow lists, at least once (frame images: each frame it names)."""
    inputs = {}
    for name, spec in workflow["inputs"].items():
        count = max(spec["min"], 1)
        if name == "frameImages":
            frames = spec.get("frames", ["first"])[:spec["max"]]
            images = [media.image, media.image_b]
            inputs[name] = [{"image": images[i % 2], "frame": f} for i, f in enumerate(frames)]
        elif name == "referenceImages":
            inputs[name] = [media.image_b] * count
        elif name == "referenceVideos":
            inputs[name] = [media.video(limits.get("video", {}))] * count
        elif name == "referenceVoices":
            inputs[name] = [media.audio(limits.get("voice", {}))] * count
        elif name == "video":
            inputs[name] = media.video(limits.get("video", {}))
        elif name == "audio":
            inputs[name] = media.audio(limits.get("audio", {}))
        elif name == "image":
            inputs[name] = media.image
        else:
            raise AssertionError(f"no synthesized input for {name!r}: add one to this test")
    return inputs


def request_for(model, workflow, media):
    task = {"taskType": "imageInference" if model["type"] == "image" else "videoInference",
            "model": model["air"], "numberResults": 1, "outputQuality": QUALITY}
    if workflow["prompt"] != "none":
        task["positivePrompt"] = PROMPT
    if workflow["sizes"] and not workflow["sizeFromInput"]:
        size = smallest(workflow["sizes"])
        task["width"], task["height"] = size["width"], size["height"]
    seconds = shortest(workflow.get("duration"))
    if seconds is not None and model["type"] == "video":
        task["duration"] = seconds
    inputs = inputs_for(workflow, model.get("inputLimits", {}), media)
    if inputs:
        task["inputs"] = inputs
    return task


def render_path(task, workflow):
    """What decides how the preview renders a request, the model aside."""
    inputs = {name: len(v) if isinstance(v, list) else 1 for name, v in task.get("inputs", {}).items()}
    return json.dumps([task["taskType"], workflow["kind"], inputs, workflow["sizeFromInput"],
                       "fromInput" in (workflow.get("duration") or {})], sort_keys=True)


def estimated_cost(task, workflow):
    """Pixels x frames, roughly (an input-sized output counted as 720x720, an input-long one as 3 s)."""
    pixels = task.get("width", 720) * task.get("height", 720)
    return pixels * task.get("duration", 3) * (workflow.get("fps") or 24)


class Determinism(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.started = time.time()
        models = json.loads(subprocess.run([BINARY, "models", "--json"], capture_output=True, text=True,
                                           check=True).stdout)
        media = Media(tempfile.mkdtemp(prefix="vidserve-determinism-"))
        cases = {}  # render path -> (estimated cost, name, request)
        for model in models:
            for index, workflow in enumerate(model["workflowDetails"]):
                name = f"{model['air']} #{index} {workflow['kind']}"
                task = request_for(model, workflow, media)
                key = name if EVERY_MODEL else render_path(task, workflow)
                cost = (estimated_cost(task, workflow), name)
                if key not in cases or cost < cases[key][:2]:
                    cases[key] = cost + (task,)
        cls.cases = [(name, task) for _, name, task in cases.values()]
        cls.server = Server(BINARY, workers=2).start()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        print(f"\ndeterminism: {len(cls.cases)} workflows, {3 * len(cls.cases)} renders in "
              f"{time.time() - cls.started:.1f} s")

    def render(self, task, seed):
        """(sha256 of the result's bytes, the result item) or (None, the error)."""
        task = dict(task, taskUUID=new_uuid(), seed=seed)
        status, body = self.server.post([task])
        if status != 200 or body.get("errors"):
            return None, body
        _, body = self.server.poll(task["taskUUID"], timeout=300)
        if body.get("errors"):
            return None, body["errors"]
        item = body["data"][0]
        url = item.get("videoURL") or item.get("imageURL")
        status, _, data = self.server.get(url)
        if status != 200 or not data:
            return None, f"GET {url}: {status}"
        return hashlib.sha256(data).hexdigest(), item

    def test_same_seed_same_bytes_other_seed_other_bytes(self):
        self.assertGreaterEqual(len(self.cases), 58 if EVERY_MODEL else 14)  # today's catalog
        jobs = [(name, task, seed) for name, task in self.cases for seed in (SEED_A, SEED_A, SEED_B)]
        with concurrent.futures.ThreadPoolExecutor(CLIENTS) as pool:
            answers = list(pool.map(lambda job: self.render(job[1], job[2]), jobs))
        for i, (name, task) in enumerate(self.cases):
            first, again, other = answers[3 * i:3 * i + 3]
            with self.subTest(workflow=name):
                for digest, detail in (first, again, other):
                    self.assertIsNotNone(digest, f"{name}: {json.dumps(detail)[:600]}")
                self.assertEqual(first[0], again[0], f"{name}: the same request and seed gave different bytes")
                self.assertNotEqual(first[0], other[0], f"{name}: another seed gave the same bytes")
                self.assertEqual(first[1]["seed"], SEED_A)


if __name__ == "__main__":
    unittest.main()
