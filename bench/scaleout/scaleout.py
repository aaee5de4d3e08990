"""bench/scaleout: tasks per second of the preview engine with 1 and 2 worker processes on
PostgreSQL + S3 (s3rver), and durable submissions per second on PostgreSQL vs SQLite vs nginx
serving a static file, all in one run on loopback. Prints figures and ratios; exits non-zero only
when something failed to run.

Usage: python3 bench/scaleout/scaleout.py VIDSERVE_BINARY
Knobs: SCALEOUT_TASKS (500), SCALEOUT_SECONDS (10, per wrk run), SCALEOUT_CONNECTIONS (64),
SCALEOUT_PARTS ("all", or "submit" for the submit rates only).
"""
import os
import re
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
from cluster import KEY, Cluster, Postgres, S3, free_port, post, video_task  # noqa: E402

BINARY = os.path.abspath(sys.argv[1])
TASKS = int(os.environ.get("SCALEOUT_TASKS", "500"))
SECONDS = int(os.environ.get("SCALEOUT_SECONDS", "10"))
CONNECTIONS = int(os.environ.get("SCALEOUT_CONNECTIONS", "64"))
PARTS = os.environ.get("SCALEOUT_PARTS", "all")  # "submit": the submit rates only


def small_task(i):
    # The preview engine's cheapest video, so the run measures the queue and the workers as much
    # as the encoder: 3 s at the model's smallest size.
    return video_task(i, duration=3)


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    tick = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12]) + int(fields[13]) + int(fields[14])) / tick


class Database:
    """A fresh database on the server, so each run starts from an empty queue."""

    def __init__(self, pg, name):
        subprocess.run(["psql", "-q", pg.url, "-c", f"CREATE DATABASE {name}"], check=True, capture_output=True)
        self.url = pg.url.rsplit("/", 1)[0] + "/" + name


def throughput(pg, s3, worker_processes):
    """Submits TASKS to one API node, starts the workers, times until every task succeeded."""
    cluster = Cluster(BINARY, Database(pg, f"bench_workers_{worker_processes}"), s3)
    try:
        node = cluster.add_node()
        uuids = []
        for i in range(TASKS):
            task = small_task(i)
            status, body = post(node.base, [task])
            assert status == 200, body
            uuids.append(task["taskUUID"])
        started = time.time()
        workers = [cluster.add_worker(workers=1) for _ in range(worker_processes)]
        pending = set(uuids)
        while pending:
            batch = [{"taskType": "getResponse", "taskUUID": u} for u in list(pending)[:50]]
            status, body = post(node.base, batch)
            for item in body.get("data", []):
                if item.get("status") == "success":
                    pending.discard(item["taskUUID"])
            for error in body.get("errors", []):
                raise RuntimeError(f"a task failed: {error}")
            if time.time() - started > 3600:
                raise RuntimeError(f"{len(pending)} tasks unfinished after an hour")
            time.sleep(0.2)
        elapsed = time.time() - started
        cpu = {f"worker{i + 1}": cpu_seconds(w.proc.pid) for i, w in enumerate(workers)}
        cpu["api node"] = cpu_seconds(node.proc.pid)
        return TASKS / elapsed, elapsed, cpu
    finally:
        cluster.stop()


def wrk(url, script=None):
    args = ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{SECONDS}s", url]
    if script:
        args[1:1] = ["-s", script]
    out = subprocess.run(args, capture_output=True, text=True, env=dict(os.environ, BENCH_KEY=KEY)).stdout
    m = re.search(r"Requests/sec:\s+([0-9.]+)", out)
    if not m:
        raise RuntimeError(f"wrk failed: {out}")
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return float(m.group(1)), int(non2xx.group(1)) if non2xx else 0


def serve(args, env):
    port = free_port()
    log = tempfile.NamedTemporaryFile(prefix="vidserve-bench-", suffix=".log", delete=False)
    proc = subprocess.Popen([BINARY, "serve", "--listen", f"127.0.0.1:{port}", "--workers", "0", *args],
                            stdout=log, stderr=subprocess.STDOUT, env=env)
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        status, _ = post(base, [{"taskType": "ping", "ping": True}])
        if status == 200:
            return proc, base
        time.sleep(0.1)
    raise RuntimeError("server did not start")


def submit_rates(pg, s3):
    submit = os.path.join(ROOT, "bench", "control_plane", "submit.lua")
    env = dict(os.environ, VIDSERVE_API_KEYS=KEY, AWS_ACCESS_KEY_ID="S3RVER", AWS_SECRET_ACCESS_KEY="S3RVER",
               VIDSERVE_MAX_QUEUED_PER_KEY="0")
    rates = {}
    for name, args in (("SQLite", ["--data", tempfile.mkdtemp(prefix="vidserve-bench-sqlite-")]),
                       ("PostgreSQL", ["--store", pg.url, "--media", s3.media_url,
                                       "--data", tempfile.mkdtemp(prefix="vidserve-bench-pg-")])):
        proc, base = serve(args + ["--max-queued-per-key", "0"], env)
        try:
            rates[name] = wrk(base + "/v1", submit)
        finally:
            proc.terminate()
            proc.wait()
    www = tempfile.mkdtemp(prefix="vidserve-bench-nginx-")
    os.chmod(www, 0o755)  # nginx's workers run as another user
    os.makedirs(os.path.join(www, "www"))
    with open(os.path.join(www, "www", "ack.json"), "w") as f:
        f.write('{"data":[{"taskType":"videoInference","taskUUID":"00000000-0000-4000-8000-000000000000"}]}')
    port = free_port()
    with open(os.path.join(ROOT, "bench", "control_plane", "nginx.conf.in")) as f:
        conf = f.read().replace("@WORK@", www).replace("@PORT@", str(port))
    with open(os.path.join(www, "nginx.conf"), "w") as f:
        f.write(conf)
    subprocess.run(["nginx", "-c", f"{www}/nginx.conf", "-p", www, "-e", f"{www}/nginx-error.log"], check=True)
    try:
        time.sleep(0.5)
        rates["nginx static"] = wrk(f"http://127.0.0.1:{port}/ack.json")
    finally:
        with open(os.path.join(www, "nginx.pid")) as f:
            os.kill(int(f.read()), 15)
    return rates


def main():
    # PostgreSQL with fsync on, as in production: a durable submit waits for the disk there too.
    os.environ["VIDSERVE_PG_FSYNC"] = "on"
    pg, s3 = Postgres().start(), S3().start()
    try:
        rates = submit_rates(pg, s3)
        if PARTS != "submit":
            one, t1, cpu1 = throughput(pg, s3, 1)
            two, t2, cpu2 = throughput(pg, s3, 2)
    finally:
        s3.stop()
        pg.stop()
    print(f"durable submit, wrk -t2 -c{CONNECTIONS} -d{SECONDS}s (PostgreSQL with fsync on)")
    for name, (rps, non2xx) in rates.items():
        print(f"  {name:13}: {rps:9.0f} req/s  ({non2xx} non-2xx)")
    print(f"  ratio PostgreSQL / SQLite = {rates['PostgreSQL'][0] / rates['SQLite'][0]:.2f}")
    print(f"  ratio PostgreSQL / nginx  = {rates['PostgreSQL'][0] / rates['nginx static'][0]:.2f}")
    print(f"  ratio SQLite / nginx      = {rates['SQLite'][0] / rates['nginx static'][0]:.2f}")
    if PARTS == "submit":
        return
    print(f"preview engine, {TASKS} tasks (3 s 720x1280), PostgreSQL + s3rver, 1 API node")
    print(f"  1 worker process : {one:6.2f} tasks/s ({t1:.1f} s)  CPU s: {cpu1}")
    print(f"  2 worker processes: {two:6.2f} tasks/s ({t2:.1f} s)  CPU s: {cpu2}")
    print(f"  ratio 2 workers / 1 worker = {two / one:.2f}  (target >= 1.7; {os.cpu_count()} cores)")
    per_task = {n: sum(c.values()) / TASKS for n, c in (("1", cpu1), ("2", cpu2))}
    print(f"  CPU per task: {per_task['1']:.2f} s with 1 worker process, {per_task['2']:.2f} s with 2: one render"
          f" keeps {sum(cpu1.values()) / t1:.2f} of {os.cpu_count()} cores busy, so 2 processes can add at most"
          f" {os.cpu_count() / (sum(cpu1.values()) / t1):.2f}x here")


if __name__ == "__main__":
    main()
