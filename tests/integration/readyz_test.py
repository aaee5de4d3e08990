"""GET /readyz of `vidserve serve` on a PostgreSQL store turns 503, naming the store, while the
database is down, and 200 again once it is back; /healthz stays 200 throughout and no /readyz
answer takes long. With its own PostgreSQL cluster (tests/support/pg-test-server), so the ctest
fixture's is never stopped."""
import json
import os
import re
import subprocess
import tempfile
import time
import unittest
import urllib.error
import urllib.request

from cluster import Postgres, _run_support

BINARY = os.environ["VIDSERVE_BIN"]


def get(url, timeout=10):
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


class Readyz(unittest.TestCase):
    def setUp(self):
        self.pg = Postgres().start()
        self.data = tempfile.mkdtemp(prefix="vidserve-readyz-")
        self.proc = subprocess.Popen([BINARY, "serve", "--listen", "127.0.0.1:0", "--data", self.data, "--store",
                                      self.pg.url, "--workers", "1"],
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                                     env=dict(os.environ, VIDSERVE_API_KEYS="readyz-test-key"))
        line = self.proc.stdout.readline()
        m = re.search(r"listening on (http://\S+)", line)
        if not m:
            self.proc.kill()
            self.fail(f"server did not start: {line!r}")
        self.base = m.group(1)

    def tearDown(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.pg.stop()

    def wait_status(self, want, timeout):
        deadline = time.time() + timeout
        while time.time() < deadline:
            started = time.time()
            status, body = get(self.base + "/readyz")
            self.assertLess(time.time() - started, 2, "a /readyz answer took long")
            if status == want:
                return body
            time.sleep(0.2)
        self.fail(f"/readyz did not answer {want} in {timeout} s: {status} {body}")

    def test_store_down_then_back(self):
        self.assertEqual(self.wait_status(200, 30)["checks"]["store"], "ok")
        _run_support("pg-test-server", "halt", self.pg.state)
        body = self.wait_status(503, 30)
        self.assertEqual(body["status"], "not ready")
        self.assertNotEqual(body["checks"]["store"], "ok")
        self.assertEqual(body["checks"]["media"], "ok")
        self.assertEqual(get(self.base + "/healthz"), (200, {"status": "ok"}))
        self.pg.start()
        self.assertEqual(self.wait_status(200, 60)["checks"]["store"], "ok")


if __name__ == "__main__":
    unittest.main()
