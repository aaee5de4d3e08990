"""--store / --media and `vidserve worker`: what is refused before anything starts (each with its
reason and a non-zero exit code), and that a URL's password is never printed: not in the start
banner, not in an error. With the test PostgreSQL server (VIDSERVE_TEST_PG_URL_FILE), `serve`
on it either starts (banner without the password) or, in a build without the PostgreSQL store,
says so, again without the password."""
import os
import re
import subprocess
import tempfile
import unittest

from vidserve_harness import Server

BINARY = os.environ["VIDSERVE_BIN"]
SECRET = "pw-never-printed-7f3a"


def run(*args, env=None, timeout=60):
    """`vidserve ARGS` expected to stop by itself: (exit code, stdout + stderr)."""
    proc = subprocess.run([BINARY, *args], capture_output=True, text=True, timeout=timeout,
                          env=dict(os.environ, **(env or {})))
    return proc.returncode, proc.stdout + proc.stderr


def pg_url_with_password():
    """The test server's URL with a password it ignores (trust authentication), or an address
    where nothing listens."""
    path = os.environ.get("VIDSERVE_TEST_PG_URL_FILE")
    url = "postgresql://vidserve@127.0.0.1:1/postgres"
    if path and os.path.exists(path):
        with open(path) as f:
            url = f.read().strip()
    return url.replace("://vidserve@", f"://vidserve:{SECRET}@")


class StoresTest(unittest.TestCase):
    def setUp(self):
        self.data = tempfile.mkdtemp(prefix="vidserve-stores-")

    def test_a_worker_refuses_the_sqlite_store(self):
        for extra in ([], ["--store", "sqlite:"]):
            code, out = run("worker", "--data", self.data, *extra)
            self.assertNotEqual(code, 0, out)
            self.assertIn("a worker needs a shared store: --store postgresql://", out)

    def test_a_worker_refuses_media_no_api_node_could_serve(self):
        code, out = run("worker", "--data", self.data, "--store", pg_url_with_password())
        self.assertNotEqual(code, 0, out)
        self.assertIn("a worker needs shared media: --media s3://", out)
        self.assertNotIn(SECRET, out)

    def test_unknown_schemes_are_refused_naming_the_flag_without_the_password(self):
        bad_store = f"mysql://root:{SECRET}@127.0.0.1/vidserve"
        for args in (["serve", "--store", bad_store], ["worker", "--store", bad_store],
                     ["keys", "list", "--store", bad_store]):
            code, out = run(*args, "--data", self.data)
            self.assertNotEqual(code, 0, (args, out))
            self.assertIn("--store needs postgresql://", out, args)
            self.assertNotIn(SECRET, out, args)
        code, out = run("serve", "--data", self.data, env={"VIDSERVE_STORE": bad_store})
        self.assertNotEqual(code, 0, out)
        self.assertNotIn(SECRET, out)
        code, out = run("serve", "--data", self.data, "--store", pg_url_with_password(), "--media", "gs://bucket")
        self.assertNotEqual(code, 0, out)
        self.assertIn("--media needs s3://", out)
        self.assertNotIn(SECRET, out)

    def test_s3_media_need_a_shared_store(self):
        code, out = run("serve", "--data", self.data, "--media", "s3://bucket?endpoint=http://127.0.0.1:1")
        self.assertNotEqual(code, 0, out)
        self.assertIn("--media s3://... needs a shared store (--store postgresql://...)", out)
        self.assertEqual(os.listdir(self.data), [])  # refused before anything was created

    def test_the_sqlite_banner_names_store_media_and_workers(self):
        server = Server(BINARY, workers=1).start()  # read the "listening on" line
        try:
            banner = {}
            while "API key" not in banner:  # the banner's last line
                name, _, value = server.proc.stdout.readline().strip().partition("  ")
                banner[name] = value.strip()
        finally:
            server.stop()
        self.assertEqual(banner["Data"],
                         f"store SQLite ({server.data_dir}/vidserve.db), media {server.data_dir}/media, 1 worker")
        self.assertEqual(banner["Engines"], "*=preview")
        self.assertIn(f"POST {server.base}/v1/videos/generations", banner["APIMart-style API"])
        self.assertEqual(server.proc.returncode, 0)

    def test_serve_on_postgresql_never_prints_the_password(self):
        url = pg_url_with_password()
        proc = subprocess.Popen([BINARY, "serve", "--listen", "127.0.0.1:0", "--data", self.data, "--store", url],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        first = proc.stdout.readline()
        if "listening on" in first:  # a build with the PostgreSQL store: it runs as an API node
            first += proc.stdout.readline()
            proc.send_signal(15)
        out, err = proc.communicate(timeout=120)
        printed = first + out + err
        self.assertNotIn(SECRET, printed)
        if "listening on" in first:
            self.assertRegex(printed, r"store PostgreSQL \(postgresql://vidserve@127\.0\.0\.1:\d+/postgres\), "
                                      r"media \S+/media, 0 workers")
            self.assertEqual(proc.returncode, 0, printed)
        else:
            self.assertNotEqual(proc.returncode, 0, printed)
            self.assertTrue(re.search(r"postgresql://vidserve@127\.0\.0\.1:\d+/postgres", printed), printed)


if __name__ == "__main__":
    unittest.main()
