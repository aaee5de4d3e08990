"""Starts the real vidserve binary on loopback for integration tests, and talks to it."""
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid

KEY_A = "test-key-alpha"
KEY_B = "test-key-beta"


def spawn_logged(args, data_dir, env, preexec_fn=None):
    """Popen with stdout on a pipe and stderr (the server's log) in DATA_DIR/../<name>.log, so that
    a chatty log (an access line per request) never fills a pipe nobody reads and blocks the
    process. `proc.stderr` is a reader of that file: read() returns what was logged so far."""
    fd, path = tempfile.mkstemp(prefix=os.path.basename(os.path.normpath(data_dir)) + "-", suffix=".log")
    with os.fdopen(fd, "w") as log:
        proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=log, env=env, text=True, preexec_fn=preexec_fn)
    proc.stderr = open(path, encoding="utf-8", errors="replace")
    proc.log_path = path
    return proc


class Server:
    def __init__(self, binary, data_dir=None, workers=2, extra_args=(), env=None, preexec_fn=None):
        self.binary = binary
        self.preexec_fn = preexec_fn
        self.data_dir = data_dir or tempfile.mkdtemp(prefix="vidserve-it-")
        self.workers = workers
        self.extra_args = list(extra_args)
        self.env = dict(os.environ, VIDSERVE_API_KEYS=f"{KEY_A},{KEY_B}")
        self.env.update(env or {})
        self.proc = None
        self.base = None

    def start(self):
        args = [self.binary, "serve", "--listen", "127.0.0.1:0", "--data", self.data_dir,
                "--workers", str(self.workers)] + self.extra_args
        self.proc = spawn_logged(args, self.data_dir, env=self.env, preexec_fn=self.preexec_fn)
        line = self.proc.stdout.readline()
        m = re.search(r"listening on (http://\S+)", line)
        if not m:
            self.proc.kill()
            raise RuntimeError(f"server did not start: {line!r} {self.proc.stderr.read()}")
        self.base = m.group(1)
        return self

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                raise

    def post(self, tasks, key=KEY_A, raw=None, headers=None):
        body = raw if raw is not None else json.dumps(tasks).encode()
        req = urllib.request.Request(self.base + "/v1", data=body, method="POST")
        req.add_header("Content-Type", "application/json")
        if key:
            req.add_header("Authorization", f"Bearer {key}")
        for k, v in (headers or {}).items():
            req.add_header(k, v)
        try:
            with urllib.request.urlopen(req, timeout=180) as resp:
                return resp.status, json.loads(resp.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"{}")

    def get(self, url, headers=None):
        req = urllib.request.Request(url, headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=60) as resp:
                return resp.status, dict(resp.headers), resp.read()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read()

    def poll(self, task_uuid, key=KEY_A, timeout=300):
        deadline = time.time() + timeout
        while time.time() < deadline:
            status, body = self.post([{"taskType": "getResponse", "taskUUID": task_uuid}], key=key)
            if body.get("errors"):
                return status, body
            items = body.get("data", [])
            for item in items:  # processing items carry the task's stored progress, 0..100
                if item.get("status") == "processing" and not 0 <= item.get("progress", -1) <= 100:
                    raise AssertionError(f"bad progress on a processing item: {item}")
            if items and all(i.get("status") == "success" for i in items):
                return status, body
            time.sleep(0.25)
        raise TimeoutError(f"task {task_uuid} did not finish in {timeout}s")


class Worker:
    """`vidserve worker` on a shared store (--store postgresql://..., --media s3://...), in a data
    directory of its own. `summary` is its start line after "running: "; `health` its GET /healthz
    URL (with health=True) or None."""

    def __init__(self, binary, store, media, data_dir=None, workers=2, health=True, extra_args=(), env=None):
        self.binary = binary
        self.data_dir = data_dir or tempfile.mkdtemp(prefix="vidserve-worker-")
        self.args = [binary, "worker", "--store", store, "--media", media, "--data", self.data_dir,
                     "--workers", str(workers)] + (["--health-listen", "127.0.0.1:0"] if health else [])
        self.args += list(extra_args)
        self.env = dict(os.environ, **(env or {}))
        self.proc = None
        self.summary = None
        self.health = None

    def start(self):
        self.proc = spawn_logged(self.args, self.data_dir, env=self.env)
        line = self.proc.stdout.readline()
        m = re.search(r"vidserve worker running: (.*?)(, health http://\S+)?$", line.strip())
        if not m:
            self.proc.kill()
            raise RuntimeError(f"worker did not start: {line!r} {self.proc.stderr.read()}")
        self.summary = m.group(1)
        h = re.search(r"health (http://\S+)", line)
        self.health = h.group(1) if h else None
        return self

    def healthz(self):
        with urllib.request.urlopen(self.health, timeout=30) as resp:
            return resp.status, json.loads(resp.read())

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)

    def stop(self, timeout=60):
        """SIGTERM; the exit code (tasks in hand go back to the queue first)."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                raise
        return self.proc.returncode


def request(server, method, path, body=None, key=KEY_A):
    """One JSON request to `path` with the key as a Bearer token: (HTTP status, parsed JSON)."""
    req = urllib.request.Request(server.base + path, data=json.dumps(body).encode() if body is not None else None,
                                 method=method, headers={"Authorization": f"Bearer {key}",
                                                         "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


def new_uuid():
    return str(uuid.uuid4())


def ffprobe(path):
    out = subprocess.run(["ffprobe", "-v", "error", "-print_format", "json", "-show_streams", "-show_format", path],
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out)


def make_image(path, width, height, color="red"):
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", f"color=c={color}:s={width}x{height}",
                    "-frames:v", "1", path], check=True)
    return path


class MockKling:
    """tests/mock_kling/mock_kling.py on a free loopback port; `base` is its URL."""
    SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "mock_kling", "mock_kling.py")

    def __init__(self, access_key, secret_key, delay=1):
        self.proc = subprocess.Popen([sys.executable, self.SCRIPT, "--access-key", access_key,
                                      "--secret-key", secret_key, "--delay", str(delay)],
                                     stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        if "listening on " not in line:
            self.proc.kill()
            raise RuntimeError(f"mock kling did not start: {line!r}")
        self.base = line.split("listening on ")[1].strip()

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)
        self.proc.stdout.close()
