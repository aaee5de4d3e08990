"""Costs as text: every priced model and workflow of the catalog (tests/data/cost_cases.json) runs
on the real binary through the kling engine against tests/mock_kling, and the `cost` of its result
is compared, as the JSON text of the reply, with the catalog price: a plain decimal ("0.185", never
"1.85E-1" nor "0.18500000000000002"), also for models priced by the measured length of an input
(lip-sync, avatar, O1 video-edit, O3 video-to-video). The CLI prints the same prices: `vidserve
validate` for prices known at submission, `vidserve generate` from the reply."""
import base64
import copy
from decimal import Decimal
import json
import os
import re
import subprocess
import tempfile
import time
import unittest
import urllib.error
import urllib.request

from kling_engine_test import ACCESS_KEY, SECRET_KEY, kling_env
from vidserve_harness import KEY_A, MockKling, Server, make_image, new_uuid

BINARY = os.environ["VIDSERVE_BIN"]
HERE = os.path.dirname(os.path.abspath(__file__))
CASES = json.load(open(os.path.join(HERE, "..", "data", "cost_cases.json")))["cases"]
CATALOG = json.load(open(os.path.join(HERE, "..", "..", "catalog", "klingai.json")))
LENGTH_PRICED = ("inputPerSecond", "inputTiers")


def resolved_models():
    models = CATALOG["models"] if isinstance(CATALOG, dict) else CATALOG
    by_air = {m["air"]: m for m in models}

    def resolve(m):
        return dict(resolve(by_air[m["extends"]]), **m) if "extends" in m else m
    return [resolve(m) for m in models]


def usd(decimal):
    """The CLI's form of a plain decimal: a dollar sign and at least two decimals."""
    whole, _, fraction = decimal.partition(".")
    return "$" + whole + "." + fraction.ljust(2, "0")


def data_uri(path, mime):
    with open(path, "rb") as f:
        return f"data:{mime};base64," + base64.b64encode(f.read()).decode()


def substitute(value, media):
    if isinstance(value, str):
        return media.get(value, value)
    if isinstance(value, list):
        return [substitute(v, media) for v in value]
    if isinstance(value, dict):
        return {k: substitute(v, media) for k, v in value.items()}
    return value


def post_raw(base, tasks, key=KEY_A):
    req = urllib.request.Request(base + "/v1", data=json.dumps(tasks).encode(), method="POST",
                                 headers={"Content-Type": "application/json", "Authorization": f"Bearer {key}"})
    try:
        with urllib.request.urlopen(req, timeout=120) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


class CostsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="vidserve-costs-")
        image = make_image(os.path.join(cls.tmp, "in.png"), 1280, 720, "green")
        video, audio = os.path.join(cls.tmp, "in7s.mp4"), os.path.join(cls.tmp, "in4s.wav")
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=1280x720:rate=25", "-t", "7",
                        "-c:v", "libx264", "-preset", "ultrafast", "-crf", "40", "-pix_fmt", "yuv420p", video], check=True)
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=16000",
                        "-t", "4", audio], check=True)
        cls.media = {"$image": data_uri(image, "image/png"), "$video": data_uri(video, "video/mp4"),
                     "$audio": data_uri(audio, "audio/wav")}
        cls.image_path = image
        cls.mock = MockKling(ACCESS_KEY, SECRET_KEY, delay=1)
        cls.server = Server(BINARY, workers=4, env=kling_env(cls.mock.base)).start()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        cls.mock.stop()

    def test_every_priced_model_and_workflow_has_a_case(self):
        covered = {(c["task"]["model"], c["workflow"]) for c in CASES}
        for m in resolved_models():
            for rule in m.get("pricing", []):
                kinds = rule.get("when", {}).get("workflow") or [w["kind"] for w in m["workflows"]]
                for kind in kinds:
                    self.assertIn((m["air"], kind), covered, f"no cost case for {m['air']} {kind}")

    def run_case(self, case):
        task = dict(substitute(copy.deepcopy(case["task"]), self.media), taskType=case["taskType"],
                    taskUUID=new_uuid(), includeCost=True, deliveryMethod="async")
        status, text = post_raw(self.server.base, [task])
        self.assertEqual(status, 200, f"{case['name']}: {text[:300]}")
        return task["taskUUID"]

    def finished_text(self, uuid, results):
        deadline = time.time() + 120
        while time.time() < deadline:
            _, text = post_raw(self.server.base, [{"taskType": "getResponse", "taskUUID": uuid}])
            body = json.loads(text)
            done = [i for i in body.get("data", []) if i.get("status") == "success"]
            if body.get("errors") or len(done) == results:
                return text, body
            time.sleep(0.2)
        self.fail(f"task {uuid} did not finish")

    def test_json_replies_carry_the_catalog_price_as_a_plain_decimal(self):
        submitted = [(case, self.run_case(case)) for case in CASES]
        for case, uuid in submitted:
            with self.subTest(case=case["name"]):
                text, body = self.finished_text(uuid, case["task"].get("numberResults", 1))
                self.assertNotIn("errors", body, f"{case['name']}: {text[:400]}")
                costs = re.findall(r'"cost":([^,}]*)', text)
                self.assertEqual(costs, [case["cost"]] * len(body["data"]), case["name"])

    def test_validate_prints_the_price_known_at_submission(self):
        quoted = [c for c in CASES if "$video" not in json.dumps(c["task"]) and "$audio" not in json.dumps(c["task"])]
        media = {"$image": "https://example.com/in.png"}
        tasks = [dict(substitute(c["task"], media), taskType=c["taskType"], taskUUID=new_uuid()) for c in quoted]
        path = os.path.join(self.tmp, "tasks.json")
        with open(path, "w") as f:
            json.dump(tasks, f)
        out = subprocess.run([BINARY, "validate", path], capture_output=True, text=True).stdout.splitlines()
        self.assertEqual(len(out), len(quoted), out)
        for case, line in zip(quoted, out):
            total = Decimal(case["cost"]) * case["task"].get("numberResults", 1)  # validate quotes the task
            self.assertIn("; cost " + usd(format(total.normalize(), "f")) + " (", line, case["name"])
            self.assertNotRegex(line, r"\dE-?\d")

    def test_generate_prints_the_cost_of_the_reply(self):
        for model, args, cost in (("klingai:3@1", ["--duration", "5", "--width", "1280", "--height", "720"], "0.185"),
                                  ("klingai:kling-image@o3", ["--width", "4096", "--height", "4096"], "0.056"),
                                  ("klingai:kling-video@3-standard", ["--image", self.image_path, "--duration", "10"],
                                   "0.84")):
            with self.subTest(model=model):
                out = subprocess.run([BINARY, "generate", "--server", self.server.base, "--key", KEY_A,
                                      "--model", model, "--prompt", "a test", "-o",
                                      os.path.join(self.tmp, "out-" + model.split(":")[1])] + args,
                                     capture_output=True, text=True, timeout=180)
                self.assertEqual(out.returncode, 0, out.stderr)
                self.assertIn("  cost " + usd(cost) + "  seed ", out.stdout)


if __name__ == "__main__":
    unittest.main()
