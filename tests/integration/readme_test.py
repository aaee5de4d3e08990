"""The README's examples are what the server prints today.

The README shows each curl example in a ```sh block followed by its output in a ```json block, and
the start banner of `make run` in a ```text block after the words "`make run` prints". This test
starts vidserve the way `make run` does (key dev-local-key), runs every curl example against it (the
port replaced), and compares each reply with the README's: the same keys at every level, the same
types, the same values except those that differ from run to run (UUIDs of outputs, URLs, seeds).
The banner must have the same lines, each with the same name.
"""
import json
import os
import re
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from vidserve_harness import Server  # noqa: E402

BINARY = os.environ["VIDSERVE_BIN"]
README = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "README.md")
README_BASE = "http://127.0.0.1:8080"
README_KEY = "dev-local-key"
# Values that change from run to run; their keys and types are still compared.
VARYING = {"videoUUID", "videoURL", "imageUUID", "imageURL", "seed", "request_id", "task_id", "id", "url",
           "created_at", "updated_at", "created", "completed", "actual_time"}


def fenced_blocks(text):
    """[(language, body, text before the block since the previous one)] in README order."""
    blocks, pos = [], 0
    for m in re.finditer(r"^```(\w*)\n(.*?)^```\s*$", text, re.M | re.S):
        blocks.append((m.group(1), m.group(2), text[pos:m.start()]))
        pos = m.end()
    return blocks


def examples(text):
    """(curl command, expected JSON text) pairs: a ```sh block with one curl command followed by a
    ```json block."""
    blocks = fenced_blocks(text)
    pairs = []
    for (lang, body, _), (next_lang, next_body, _) in zip(blocks, blocks[1:]):
        if lang == "sh" and body.lstrip().startswith("curl ") and next_lang == "json":
            pairs.append((body, next_body))
    return pairs


def banner_block(text):
    for lang, body, before in fenced_blocks(text):
        if lang == "text" and "`make run` prints" in before:
            return body
    return None


def same_shape(test, expected, actual, path="$"):
    test.assertEqual(type(expected).__name__, type(actual).__name__, f"{path}: {expected!r} vs {actual!r}")
    if isinstance(expected, dict):
        test.assertEqual(sorted(expected), sorted(actual), f"{path}: keys differ")
        for key in expected:
            if key in VARYING:
                test.assertEqual(type(expected[key]), type(actual[key]), f"{path}.{key}")
            else:
                same_shape(test, expected[key], actual[key], f"{path}.{key}")
    elif isinstance(expected, list):
        test.assertEqual(len(expected), len(actual), f"{path}: lengths differ")
        for i, (e, a) in enumerate(zip(expected, actual)):
            same_shape(test, e, a, f"{path}[{i}]")
    else:
        test.assertEqual(expected, actual, path)


class ReadmeTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        with open(README, encoding="utf-8") as f:
            cls.readme = f.read()
        cls.server = Server(BINARY, env={"VIDSERVE_API_KEYS": README_KEY}).start()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def run_curl(self, command):
        command = command.replace(README_BASE, self.server.base)
        out = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=60)
        self.assertEqual(out.returncode, 0, out.stderr)
        return json.loads(out.stdout)

    def test_every_curl_example_prints_what_the_readme_shows(self):
        pairs = examples(self.readme)
        self.assertGreaterEqual(len(pairs), 3, "the README's curl examples were not found")
        for command, expected_text in pairs:
            with self.subTest(command=command.splitlines()[0]):
                expected = json.loads(expected_text)
                deadline = time.time() + 120
                actual = self.run_curl(command)
                # A poll shown after the task finished: poll until it has (as a reader would).
                while '"processing"' in json.dumps(actual) and '"processing"' not in expected_text \
                        and time.time() < deadline:
                    time.sleep(0.5)
                    actual = self.run_curl(command)
                same_shape(self, expected, actual)

    def test_the_banner_is_the_one_the_readme_shows(self):
        shown = banner_block(self.readme)
        self.assertIsNotNone(shown, "no banner block after '`make run` prints'")
        proc = Server(BINARY, env={"VIDSERVE_API_KEYS": README_KEY})
        proc.start()
        try:
            lines = [f"vidserve listening on {proc.base}"]
            while not lines[-1].strip().startswith("API key"):
                lines.append(proc.proc.stdout.readline().rstrip("\n"))
        finally:
            proc.stop()

        def names(block_lines):
            return [re.split(r"\s{2,}", line.strip())[0] for line in block_lines]

        shown_lines = shown.rstrip("\n").splitlines()
        self.assertEqual(names(shown_lines[1:]), names(lines[1:]))
        self.assertTrue(shown_lines[0].startswith("vidserve listening on "), shown_lines[0])


if __name__ == "__main__":
    unittest.main()
