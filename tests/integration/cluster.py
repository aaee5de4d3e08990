"""A scale-out vidserve on loopback for tests and benchmarks: a throw-away PostgreSQL
(tests/support/pg-test-server), an s3rver bucket (tests/support/s3-test-server), API nodes
(`vidserve serve --store ... --media ...`) and worker processes (`vidserve worker ...`)."""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
SUPPORT = os.path.join(HERE, "..", "support")
CONFORMANCE = os.path.join(HERE, "..", "conformance")
KEY = "scale-test-key"
S3_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "S3RVER", "AWS_SECRET_ACCESS_KEY": "S3RVER"}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run_support(script, *args):
    out = subprocess.run([os.path.join(SUPPORT, script), *args], capture_output=True, text=True, timeout=120)
    if out.returncode != 0:
        raise RuntimeError(f"{script} {' '.join(args)} failed: {out.stderr}")
    return out.stdout.strip()


class Postgres:
    """Its own cluster (tests restart it), so it never disturbs the ctest fixture's."""

    def __init__(self):
        self.state = tempfile.mkdtemp(prefix="vidserve-pg-state-")
        self.url = None

    def start(self):
        self.url = _run_support("pg-test-server", "start", self.state).splitlines()[-1]
        return self

    def restart(self):
        _run_support("pg-test-server", "restart", self.state)

    def stop(self):
        _run_support("pg-test-server", "stop", self.state)
        shutil.rmtree(self.state, ignore_errors=True)


class S3:
    """The S3 test server (s3rver behind a SigV4 check) with its bucket `vidserve-test`;
    `media_url` is what --media takes."""
    BUCKET = "vidserve-test"

    def __init__(self):
        self.state = tempfile.mkdtemp(prefix="vidserve-s3-state-")
        self.endpoint = None
        self.media_url = None

    def start(self):
        _run_support("s3-test-server", "start", self.state)
        with open(os.path.join(self.state, "url")) as f:
            self.endpoint = f.read().strip()
        self.media_url = f"s3://{self.BUCKET}/media?endpoint={self.endpoint}&region=us-east-1"
        return self

    def objects(self):
        """Every object key in the bucket, listed with @aws-sdk/client-s3."""
        out = subprocess.run(["node", os.path.join(HERE, "..", "s3", "sdk.mjs"), "list", self.endpoint,
                              self.BUCKET, ""], capture_output=True, text=True, timeout=120)
        if out.returncode != 0:
            raise RuntimeError(f"listing the bucket failed: {out.stderr}")
        return sorted(line for line in out.stdout.splitlines() if line)

    def stop(self):
        _run_support("s3-test-server", "stop", self.state)
        shutil.rmtree(self.state, ignore_errors=True)


class Process:
    """One vidserve process with its own data directory (scratch and spool files only)."""

    def __init__(self, binary, args, env, ready_url=None):
        self.binary, self.args, self.env, self.ready_url = binary, args, env, ready_url
        self.proc = None
        self.log = tempfile.NamedTemporaryFile(prefix="vidserve-proc-", suffix=".log", delete=False)

    def start(self, timeout=60):
        self.proc = subprocess.Popen([self.binary, *self.args], stdout=self.log, stderr=subprocess.STDOUT,
                                     env=self.env)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.args[0]} exited with {self.proc.returncode}: {self.output()}")
            try:
                with urllib.request.urlopen(self.ready_url, timeout=2) as r:
                    if r.status == 200:
                        return self
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.1)
        raise RuntimeError(f"{self.args[0]} not ready in {timeout}s: {self.output()}")

    def output(self):
        with open(self.log.name, errors="replace") as f:
            return f.read()[-4000:]

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
                self.proc.wait()


class Cluster:
    def __init__(self, binary, pg, s3, extra_env=None):
        self.binary, self.pg, self.s3 = binary, pg, s3
        self.env = dict(os.environ, VIDSERVE_API_KEYS=KEY, **S3_CREDENTIALS, **(extra_env or {}))
        self.nodes, self.workers = [], []

    def _shared(self):
        return ["--store", self.pg.url, "--media", self.s3.media_url,
                "--data", tempfile.mkdtemp(prefix="vidserve-proc-data-")]

    def add_node(self, workers=0):
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        args = ["serve", "--listen", f"127.0.0.1:{port}", "--workers", str(workers), *self._shared()]
        node = Process(self.binary, args, self.env, ready_url=base + "/health")
        node.base = base
        self.nodes.append(node.start())
        return node

    def add_worker(self, workers=1):
        port = free_port()
        args = ["worker", "--workers", str(workers), "--health-listen", f"127.0.0.1:{port}", *self._shared()]
        worker = Process(self.binary, args, self.env, ready_url=f"http://127.0.0.1:{port}/healthz")
        self.workers.append(worker.start())
        return worker

    def stop(self):
        for p in self.nodes + self.workers:
            p.stop()


def post(base, tasks, key=KEY, timeout=60):
    req = urllib.request.Request(base + "/v1", data=json.dumps(tasks).encode(), method="POST",
                                 headers={"Content-Type": "application/json", "Authorization": f"Bearer {key}"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")
    except (urllib.error.URLError, OSError) as e:
        return 0, {"errors": [{"message": str(e)}]}


def get_bytes(url, timeout=60):
    """GET following redirects (a presigned object-store URL): (status, bytes)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def ws_submit(base, tasks, timeout_s=600):
    """Submits `tasks` over one WebSocket (tests/conformance/ws_submit.mjs); returns its summary
    and a Popen to wait on."""
    path = tempfile.NamedTemporaryFile(prefix="vidserve-ws-tasks-", suffix=".json", delete=False).name
    with open(path, "w") as f:
        json.dump(tasks, f)
    return subprocess.Popen(["node", os.path.join(CONFORMANCE, "ws_submit.mjs"), base, KEY, path, str(timeout_s)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def video_task(i, duration=3):
    return {"taskType": "videoInference", "taskUUID": _uuid(), "model": "klingai:kling-video@3-standard",
            "positivePrompt": f"scale-out clip number {i}", "width": 720, "height": 1280, "duration": duration}


def _uuid():
    import uuid
    return str(uuid.uuid4())


def media_key(url):
    """The media uuid in a media URL (…/media/<uuid>.<ext>)."""
    m = re.search(r"/([A-Za-z0-9_-]+)\.[a-z0-9]+(?:\?|$)", url)
    return m.group(1) if m else None
