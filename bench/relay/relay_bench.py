#!/usr/bin/env python3
"""Relay benchmark client (python3 stdlib only); bench/relay/run.sh starts the servers and calls it.

Measures, against a mock Kling server and a vidserve relaying to that same mock, both on loopback:
  1. time to result: submit -> poll every --poll-ms until succeeded -> download the result bytes,
     for --tasks tasks straight to the mock and --tasks tasks through vidserve, interleaved
     (direct, relay, direct, ...) on --concurrency client threads so both see the same load;
  2. per call: sequential status queries of a finished task, mock and vidserve alternately.
Talks to vidserve with Kling's native API (POST /v1/videos/text2video) when vidserve serves it,
otherwise with the Runware task API (POST /v1 videoInference + getResponse).
Prints a table and `relay added p99: X ms (goal <= G ms): met|missed`. Exit status 0 whether the
goal is met or not; 1 when something failed (a task failed or timed out, a server misbehaved).
"""
import argparse
import base64
import hashlib
import hmac
import http.client
import json
import sys
import threading
import time
import urllib.parse
import uuid
from concurrent.futures import ThreadPoolExecutor

CREATE_PATH = "/v1/videos/text2video"
KLING_BODY = {"model_name": "kling-v1-6", "prompt": "relay bench: an origami dragon glides", "mode": "std",
              "duration": "5", "aspect_ratio": "16:9"}
RUNWARE_MODEL = "klingai:3@1"  # KlingAI 1.6 Standard: kling-v1-6 / std on Kling's side, as above


class BenchError(Exception):
    pass


def now_ms():
    return time.perf_counter() * 1000.0


def percentile(values, p):
    """Linear interpolation between closest ranks (numpy's default)."""
    if not values:
        return float("nan")
    s = sorted(values)
    k = (len(s) - 1) * p / 100.0
    lo = int(k)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def jwt(access_key, secret_key, ttl_s=1800):
    enc = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()
    now = int(time.time())
    head = enc(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    claims = enc(json.dumps({"iss": access_key, "exp": now + ttl_s, "nbf": now - 5}, separators=(",", ":")).encode())
    sig = hmac.new(secret_key.encode(), f"{head}.{claims}".encode(), hashlib.sha256).digest()
    return f"{head}.{claims}.{enc(sig)}"


class Client:
    """Keep-alive HTTP/1.1 connections, one per (thread, host:port)."""

    def __init__(self, timeout_s=30):
        self.local = threading.local()
        self.timeout_s = timeout_s

    def _conn(self, netloc, fresh=False):
        conns = self.local.__dict__.setdefault("conns", {})
        if fresh and netloc in conns:
            conns.pop(netloc).close()
        if netloc not in conns:
            host, _, port = netloc.partition(":")
            conns[netloc] = http.client.HTTPConnection(host, int(port or 80), timeout=self.timeout_s)
        return conns[netloc]

    def request(self, method, url, body=None, headers=None):
        """(status, body bytes). Retries once on a connection the server closed meanwhile."""
        u = urllib.parse.urlsplit(url)
        path = u.path + ("?" + u.query if u.query else "")
        data = json.dumps(body).encode() if body is not None and not isinstance(body, bytes) else body
        hdrs = dict(headers or {})
        if data is not None:
            hdrs["Content-Type"] = "application/json"
        for attempt in (0, 1):
            conn = self._conn(u.netloc, fresh=attempt > 0)
            try:
                conn.request(method, path, body=data, headers=hdrs)
                resp = conn.getresponse()
                payload = resp.read()
                if resp.getheader("Connection", "").lower() == "close":
                    conn.close()
                return resp.status, payload
            except (http.client.RemoteDisconnected, http.client.BadStatusLine, ConnectionError, BrokenPipeError):
                conn.close()
                if attempt:
                    raise
        raise AssertionError("unreachable")


def json_of(status, payload, what):
    try:
        return json.loads(payload)
    except ValueError:
        raise BenchError(f"{what}: HTTP {status}, not JSON: {payload[:300]!r}")


class KlingApi:
    """Kling's native API: the mock (JWT) or vidserve's native front-end (API key)."""

    def __init__(self, client, base, auth, label):
        self.client, self.base, self.auth, self.label = client, base.rstrip("/"), auth, label

    def headers(self):
        return {"Authorization": "Bearer " + self.auth()}

    def submit(self, tag):
        body = dict(KLING_BODY, external_task_id=tag)
        status, payload = self.client.request("POST", self.base + CREATE_PATH, body, self.headers())
        reply = json_of(status, payload, f"{self.label} POST {CREATE_PATH}")
        if status != 200 or reply.get("code") != 0 or not (reply.get("data") or {}).get("task_id"):
            raise BenchError(f"{self.label} POST {CREATE_PATH}: HTTP {status} {payload[:300]!r}")
        return reply["data"]["task_id"], reply["data"]

    def status(self, task_id):
        """(done, result url, data); raises on a failed task."""
        path = f"{CREATE_PATH}/{task_id}"
        status, payload = self.client.request("GET", self.base + path, None, self.headers())
        reply = json_of(status, payload, f"{self.label} GET {path}")
        data = reply.get("data") or {}
        if status != 200 or reply.get("code") != 0:
            raise BenchError(f"{self.label} GET {path}: HTTP {status} {payload[:300]!r}")
        if data.get("task_status") == "failed":
            raise BenchError(f"{self.label} task {task_id} failed: {data.get('task_status_msg')}")
        if data.get("task_status") == "succeed":
            videos = (data.get("task_result") or {}).get("videos") or []
            if not videos or not videos[0].get("url"):
                raise BenchError(f"{self.label} task {task_id} succeeded without task_result.videos[0].url")
            return True, videos[0]["url"], data
        return False, None, data


class RunwareApi:
    """vidserve's Runware task API (POST /v1)."""

    def __init__(self, client, base, key):
        self.client, self.base, self.key, self.label = client, base.rstrip("/"), key, "vidserve"

    def post(self, tasks, what):
        status, payload = self.client.request("POST", self.base + "/v1", tasks, {"Authorization": "Bearer " + self.key})
        reply = json_of(status, payload, f"vidserve POST /v1 {what}")
        if status != 200 or reply.get("errors"):
            raise BenchError(f"vidserve POST /v1 {what}: HTTP {status} {payload[:400]!r}")
        return reply

    def submit(self, tag):
        task_uuid = str(uuid.uuid4())
        self.post([{"taskType": "videoInference", "taskUUID": task_uuid, "model": RUNWARE_MODEL,
                    "positivePrompt": KLING_BODY["prompt"], "width": 1280, "height": 720, "duration": 5}],
                  "videoInference")
        return task_uuid, {}

    def status(self, task_uuid):
        reply = self.post([{"taskType": "getResponse", "taskUUID": task_uuid}], "getResponse")
        items = reply.get("data") or []
        if items and items[0].get("status") == "success":
            if not items[0].get("videoURL"):
                raise BenchError(f"vidserve task {task_uuid} succeeded without a videoURL: {items[0]}")
            return True, items[0]["videoURL"], items[0]
        return False, None, items[0] if items else {}


def probe_native(client, base, key):
    """HTTP status of vidserve's POST /v1/videos/text2video (the probe also submits one real task)."""
    status, payload = client.request("POST", base.rstrip("/") + CREATE_PATH, dict(KLING_BODY),
                                     {"Authorization": "Bearer " + key})
    return status, payload


def run_task(api, client, poll_ms, timeout_s, tag):
    """Timings (ms, perf_counter based) of one task, and the epoch time it was submitted."""
    t0 = now_ms()
    epoch0 = time.time()
    task_id, _ = api.submit(tag)
    t_ack = now_ms()
    deadline = t0 + timeout_s * 1000.0
    polls = 0
    while True:
        time.sleep(poll_ms / 1000.0)
        polls += 1
        done, url, _ = api.status(task_id)
        if done:
            break
        if now_ms() > deadline:
            raise BenchError(f"{api.label} task {task_id} did not succeed within {timeout_s} s")
    t_ready = now_ms()
    status, payload = client.request("GET", url)
    if status != 200 or len(payload) < 1000:
        raise BenchError(f"{api.label} download {url}: HTTP {status}, {len(payload)} bytes")
    t_done = now_ms()
    return {"task_id": task_id, "tag": tag, "epoch0": epoch0, "total": t_done - t0, "submit": t_ack - t0,
            "until_seen": t_ready - t0, "download": t_done - t_ready, "polls": polls, "bytes": len(payload),
            "t_ready_epoch": epoch0 + (t_ready - t0) / 1000.0, "t_done_epoch": epoch0 + (t_done - t0) / 1000.0}


def mock_task(mock, ref):
    """(task_id, created_at epoch ms) of the mock's task `ref` (task_id or external_task_id), or None."""
    try:
        status, payload = mock.client.request("GET", f"{mock.base}{CREATE_PATH}/{ref}", None, mock.headers())
        if status == 200:
            data = json.loads(payload)["data"]
            return data["task_id"], data["created_at"]
    except Exception:
        pass
    return None


def first_succeed(mock):
    """{mock task_id: epoch s it was first reported succeed}, from bench/relay/mock_nodelay.py; or {}."""
    try:
        status, payload = mock.client.request("GET", mock.base + "/_bench/first_succeed")
        return json.loads(payload) if status == 200 else {}
    except Exception:
        return {}


def fmt(x):
    return f"{x:8.2f}"


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--mock", required=True, help="mock Kling base URL")
    p.add_argument("--vidserve", required=True, help="vidserve base URL")
    p.add_argument("--key", required=True, help="vidserve API key")
    p.add_argument("--access-key", required=True)
    p.add_argument("--secret-key", required=True)
    p.add_argument("--mock-delay-ms", type=float, required=True, help="the mock's --delay, for the breakdown")
    p.add_argument("--kling-poll-ms", default="?", help="vidserve's VIDSERVE_KLING_POLL_MS, for the header")
    p.add_argument("--tasks", type=int, default=60, help="tasks per path")
    p.add_argument("--concurrency", type=int, default=4, help="client threads (both paths together)")
    p.add_argument("--poll-ms", type=float, default=10.0, help="client poll interval")
    p.add_argument("--calls", type=int, default=2000, help="status queries per path")
    p.add_argument("--goal-ms", type=float, default=5.0)
    p.add_argument("--task-timeout-s", type=float, default=30.0)
    p.add_argument("--dump", help="write every measurement to this JSON file")
    args = p.parse_args()

    client = Client()
    token = jwt(args.access_key, args.secret_key)
    mock = KlingApi(client, args.mock, lambda: token, "mock")

    # Which API does vidserve speak? A 404 (or 405) on the native create path: not yet.
    status, payload = probe_native(client, args.vidserve, args.key)
    if status in (404, 405):
        relay = RunwareApi(client, args.vidserve, args.key)
        api_line = (f"vidserve API: Runware task API (POST /v1 videoInference + getResponse); "
                    f"native POST {CREATE_PATH} answered {status}")
    elif status == 200 and (json_of(status, payload, "probe").get("code") == 0):
        relay = KlingApi(client, args.vidserve, lambda: args.key, "vidserve")
        api_line = f"vidserve API: Kling native (POST {CREATE_PATH} + GET {CREATE_PATH}/{{task_id}})"
    else:
        raise BenchError(f"vidserve POST {CREATE_PATH} probe: HTTP {status} {payload[:300]!r}")

    # Warm-up (connections, JWT minting, first-task paths), not measured.
    for api in (mock, relay, mock, relay):
        run_task(api, client, args.poll_ms, args.task_timeout_s, "warmup-" + str(uuid.uuid4()))

    # 1. Time to result, direct and relayed tasks interleaved on the same client threads.
    jobs = []
    for i in range(args.tasks):
        jobs.append(("direct", i, mock))
        jobs.append(("relay", i, relay))
    results = {"direct": [None] * args.tasks, "relay": [None] * args.tasks}

    def one(job):
        path, i, api = job
        results[path][i] = run_task(api, client, args.poll_ms, args.task_timeout_s, str(uuid.uuid4()))

    t_phase = time.perf_counter()
    with ThreadPoolExecutor(max_workers=args.concurrency) as pool:
        for f in [pool.submit(one, j) for j in jobs]:
            f.result()
    phase1_s = time.perf_counter() - t_phase

    direct, relayed = results["direct"], results["relay"]
    col = lambda rs, k: [r[k] for r in rs]
    d_tot, r_tot = col(direct, "total"), col(relayed, "total")
    diffs = [r - d for r, d in zip(r_tot, d_tot)]
    added_p99 = percentile(r_tot, 99) - percentile(d_tot, 99)

    # Where the time goes: the mock's task of each task (by task_id direct; relayed, by the
    # external_task_id vidserve sent: <taskUUID>-0 on the Runware API), its created_at, and when
    # the mock first reported it succeed (to the client direct, to vidserve relayed).
    reported = first_succeed(mock)
    for r in direct + relayed:
        ref = r["task_id"]
        if r in relayed:
            ref = r["task_id"] + "-0" if isinstance(relay, RunwareApi) else r["tag"]
        found = mock_task(mock, ref)
        r["created"] = found[1] if found else None
        r["reported"] = reported.get(found[0]) if found else None
    breakdown = all(r["created"] is not None for r in direct + relayed)
    reported_known = breakdown and all(r["reported"] is not None for r in direct + relayed)

    # 2. Per call: the status of a finished task, sequentially, mock and vidserve alternately.
    d_ref, r_ref = direct[0]["task_id"], relayed[0]["task_id"]
    d_calls, r_calls = [], []
    for _ in range(args.calls):
        t = now_ms()
        done, _, _ = mock.status(d_ref)
        d_calls.append(now_ms() - t)
        t = now_ms()
        done2, _, _ = relay.status(r_ref)
        r_calls.append(now_ms() - t)
        if not (done and done2):
            raise BenchError("a finished task was reported unfinished")

    # Report.
    print(f"relay benchmark, loopback: mock Kling --delay {args.mock_delay_ms:.0f} ms, "
          f"VIDSERVE_KLING_POLL_MS={args.kling_poll_ms}, client poll every {args.poll_ms:g} ms")
    print(api_line)
    print(f"result: {direct[0]['bytes']} bytes MP4")
    print()
    print(f"1. time to result (submit -> succeeded seen -> result bytes downloaded), {args.tasks} tasks per path,")
    print(f"   {args.concurrency} in flight, direct and relayed interleaved ({phase1_s:.1f} s); ms")
    print(f"   {'':28}{'p50':>8}{'p90':>8}{'p99':>8}{'max':>8}")
    for name, vals in (("direct to mock", d_tot), ("through vidserve", r_tot), ("per-task diff (paired)", diffs)):
        print(f"   {name:28}" + "".join(fmt(percentile(vals, q)) for q in (50, 90, 99)) + fmt(max(vals)))
    print(f"   added: vidserve p99 - direct p99 = {added_p99:.2f} ms; "
          f"p50 - p50 = {percentile(r_tot, 50) - percentile(d_tot, 50):.2f} ms")
    print(f"   note: through vidserve the client's polls are a second poll stage behind vidserve's own polls of")
    print(f"   Kling; that stage alone adds 0..{args.poll_ms:g} ms per task (~{args.poll_ms:g} ms at p99), whatever vidserve does.")
    print()
    print(f"   breakdown, p50 (p99) in ms{'':9}{'direct':>16}{'vidserve':>16}{'added':>8}")
    rows = [("submit call", "submit"), ("result download", "download"), ("status polls made", "polls")]
    if breakdown:
        ready = lambda r: r["created"] + args.mock_delay_ms  # epoch ms the mock task is done
        for r in direct + relayed:
            r["to_created"] = r["created"] - r["epoch0"] * 1000.0
            r["ready_to_seen"] = r["t_ready_epoch"] * 1000.0 - ready(r)
            if reported_known:
                r["ready_to_reported"] = r["reported"] * 1000.0 - ready(r)
                r["reported_to_seen"] = r["t_ready_epoch"] * 1000.0 - r["reported"] * 1000.0
        rows[1:1] = [("submit -> mock task created", "to_created"), ("mock task done -> client sees it", "ready_to_seen")]
        if reported_known:
            rows[3:3] = [("  done -> mock reports succeed", "ready_to_reported"),
                         ("  mock reports -> client sees it", "reported_to_seen")]
    for name, k in rows:
        d, r = col(direct, k), col(relayed, k)
        cell = lambda v: f"{percentile(v, 50):7.2f} ({percentile(v, 99):6.2f})"
        print(f"   {name:36}{cell(d):>16}{cell(r):>16}{percentile(r, 50) - percentile(d, 50):8.2f}")
    if not breakdown:
        print("   (submit -> created and done -> seen not shown: the mock task of a relayed task was not found)")
    print("   (mock reports succeed: to the client itself direct, to vidserve's poll relayed)")
    print()
    print(f"2. status query of a finished task, {args.calls} sequential calls each (keep-alive); ms")
    print(f"   {'':28}{'p50':>8}{'p90':>8}{'p99':>8}{'max':>8}")
    status_name = "GET .../{task_id}" if isinstance(relay, KlingApi) else "getResponse"
    for name, vals in (("direct to mock (GET)", d_calls), (f"vidserve ({status_name})", r_calls)):
        print(f"   {name:28}" + "".join(fmt(percentile(vals, q)) for q in (50, 90, 99)) + fmt(max(vals)))
    print(f"   difference vidserve - mock: p50 {percentile(r_calls, 50) - percentile(d_calls, 50):+.2f} ms, "
          f"p99 {percentile(r_calls, 99) - percentile(d_calls, 99):+.2f} ms "
          f"(vidserve answers from its own store; it does not call Kling for this)")
    print()
    if args.dump:
        with open(args.dump, "w") as f:
            json.dump({"direct": direct, "relay": relayed, "calls_direct": d_calls, "calls_relay": r_calls}, f)
    verdict = "met" if added_p99 <= args.goal_ms else "missed"
    print(f"relay added p99: {added_p99:.2f} ms (goal <= {args.goal_ms:g} ms): {verdict}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as e:
        print(f"relay bench failed: {e}", file=sys.stderr)
        sys.exit(1)
