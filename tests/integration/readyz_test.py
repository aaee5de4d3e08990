"""GET /readyz of `vidserve serve` on a PostgreSQL store turns 503, naming the store, while the
database is down, and 200 again once it is back; /healthz stays 200 throughout and no /readyz
answer takes long. A `vidserve worker`'s health port answers /readyz (its S3 bucket checked: 503
naming the media once the bucket's server is gone) and /metrics (the tasks it ran). With its own
PostgreSQL cluster (tests/support/pg-test-server), so the ctest fixture's is never stopped, and the
S3 test server (tests/support/s3-test-server)."""
import json
import os
import re
import subprocess
import tempfile
import time
import unittest
import urllib.error
import urllib.request

from cluster import S3, Cluster, Postgres, _run_support, post, video_task

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


class WorkerPort(unittest.TestCase):
    def test_worker_readyz_and_metrics(self):
        pg, s3 = Postgres().start(), S3().start()
        cluster = Cluster(BINARY, pg, s3)
        try:
            node = cluster.add_node()
            worker = cluster.add_worker()
            health = worker.ready_url.rsplit("/", 1)[0]
            status, body = get(health + "/readyz")
            self.assertEqual((status, body["checks"]), (200, {"store": "ok", "media": "ok", "engines": "ok"}))
            task = video_task(0)
            self.assertEqual(post(node.base, [task])[0], 200)
            deadline = time.time() + 120
            while time.time() < deadline:
                with urllib.request.urlopen(health + "/metrics", timeout=10) as resp:
                    text = resp.read().decode()
                if re.search(r'vidserve_task_transitions_total\{[^}]*transition="finished"[^}]*\} 1', text):
                    break
                time.sleep(0.5)
            else:
                self.fail(f"the worker's /metrics never counted the task finished: {text[-2000:]}")
            self.assertRegex(text, r'vidserve_task_transitions_total\{[^}]*transition="claimed"[^}]*\} 1')
            self.assertRegex(text, r'vidserve_render_duration_seconds_count\{engine="preview",outcome="ok"\} 1')
            s3.stop()
            s3 = None
            deadline = time.time() + 30
            while time.time() < deadline:
                status, body = get(health + "/readyz")
                if status == 503:
                    break
                time.sleep(0.2)
            self.assertEqual(status, 503, body)
            self.assertNotEqual(body["checks"]["media"], "ok")
        finally:
            cluster.stop()
            if s3:
                s3.stop()
            pg.stop()


if __name__ == "__main__":
    unittest.main()
