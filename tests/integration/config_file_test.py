"""`--config vidserve.toml`: every key is a long flag; command line > environment > file > default.

Each case starts `vidserve serve` with a settings file, reads the banner's Data line (which shows
the data directory and the worker count) and stops it.
"""
import os
import shutil
import subprocess
import tempfile
import unittest

BINARY = os.environ["VIDSERVE_BIN"]
EXAMPLE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "packaging", "vidserve.toml")


class ConfigFileTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="vidserve-config-")
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("VIDSERVE_") or k == "VIDSERVE_BIN"}
        self.env["VIDSERVE_API_KEYS"] = "config-test-key"

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def write(self, text, name="vidserve.toml"):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def banner(self, *args, env=None):
        """The banner lines by name, e.g. {"Data": "store SQLite (...), media ..., 1 worker"}."""
        proc = subprocess.Popen([BINARY, "serve", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env=dict(self.env, **(env or {})))
        lines = {}
        try:
            first = proc.stdout.readline()
            self.assertIn("listening on", first, proc.stderr.read() if not first else first)
            lines["listen"] = first.split("listening on ")[1].strip()
            while "API key" not in lines:
                name, _, value = proc.stdout.readline().strip().partition("  ")
                lines[name] = value.strip()
        finally:
            proc.terminate()
            proc.communicate(timeout=60)
        return lines

    def refused(self, *args):
        out = subprocess.run([BINARY, "serve", *args], capture_output=True, text=True, env=self.env, timeout=60)
        self.assertNotEqual(out.returncode, 0, out.stdout)
        return out.stderr

    def data(self, name):
        return os.path.join(self.dir, name)

    def test_keys_are_the_flags(self):
        path = self.write(f'listen = "127.0.0.1:0"\ndata = "{self.data("a")}"\nworkers = 1\nretention = "2h"\n'
                          f'rate_limit = 5.5\n')
        banner = self.banner("--config", path)
        self.assertRegex(banner["listen"], r"^http://127\.0\.0\.1:\d+$")
        self.assertEqual(banner["Data"], f"store SQLite ({self.data('a')}/vidserve.db), media {self.data('a')}/media, "
                                         f"1 worker")

    def test_environment_beats_the_file_and_the_command_line_beats_both(self):
        path = self.write(f'listen = "127.0.0.1:0"\ndata = "{self.data("b")}"\nworkers = 1\n')
        self.assertTrue(self.banner("--config", path, env={"VIDSERVE_WORKERS": "3"})["Data"].endswith(", 3 workers"))
        self.assertTrue(self.banner("--config", path, "--workers", "4",
                                    env={"VIDSERVE_WORKERS": "3"})["Data"].endswith(", 4 workers"))
        # The file itself can come from the environment.
        self.assertTrue(self.banner(env={"VIDSERVE_CONFIG": path})["Data"].endswith(", 1 worker"))

    def test_command_tables_apply_to_their_command_only(self):
        path = self.write(f'listen = "127.0.0.1:0"\ndata = "{self.data("c")}"\n[serve]\nworkers = 5\n'
                          f'[worker]\nworkers = 7\nhealth-listen = "127.0.0.1:0"\n')
        self.assertTrue(self.banner("--config", path)["Data"].endswith(", 5 workers"))

    def test_mistakes_are_refused_with_the_file_and_the_key(self):
        path = self.write('lisen = "127.0.0.1:0"\n')
        err = self.refused("--config", path)
        self.assertIn(f"--config {path}: unknown key 'lisen'", err)
        path = self.write('listen = "127.0.0.1:0\n', "broken.toml")
        self.assertRegex(self.refused("--config", path), r"broken\.toml: line 1, column \d+: ")
        path = self.write('workers = "many"\n', "type.toml")
        self.assertIn("'workers'", self.refused("--config", path))
        path = self.write('workers = 1000\n', "range.toml")
        self.assertIn("'workers'", self.refused("--config", path))
        path = self.write('listen = { host = "x" }\n', "table.toml")
        self.assertIn("'listen' needs a string, number, boolean or array", self.refused("--config", path))
        self.assertIn("missing.toml", self.refused("--config", self.data("missing.toml")))

    def test_the_installed_example_is_valid(self):
        # The example names /var/lib/vidserve; the command line moves it somewhere writable.
        banner = self.banner("--config", EXAMPLE, "--data", self.data("e"), "--listen", "127.0.0.1:0")
        self.assertTrue(banner["Data"].endswith(", 2 workers"), banner)


if __name__ == "__main__":
    unittest.main()
