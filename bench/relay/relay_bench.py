#!/usr/bin/env python3
"""Relay benchmark client (python3 stdlib only); bench/relay/run.sh starts the servers and calls it.

Measures, against a mock Kling server (bench/relay/mock_records.py) and a vidserve relaying to that
same mock, both on loopback and on one machine clock:
  1. time to result: submit -> poll every --poll-ms until succeeded -> download the result bytes,
     for --tasks tasks straight to the mock and --tasks tasks through vidserve (Kling's native API,
     POST /v1/videos/text2video + GET /v1/videos/text2video/{task_id}), interleaved on
     --concurrency client threads so both see the same load;
  2. vidserve's own latency, from server-side timestamps: submit relay (client's POST -> the mock
     has the create call, minus the same hop direct) and completion relay (the mock first reports
     the task succeeded to vidserve -> vidserve's task succeeded with the media stored, its
     updated_at);
  3. per call: sequential status queries of a finished task, mock and vidserve alternately.
Prints tables and `relay added p99: X ms (goal <= G ms): met|missed`, where X is the p99 over tasks
of submit relay + completion relay. Exit status 0 whether the goal is met or not; 1 when something
failed (a task failed or timed out, a server misbehaved).
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

    def request(self, method, url, body=None, headers=None, on_send=None):
        """(status, body bytes). Retries once on a connection the server closed meanwhile.
        on_send() is called right before the request is written."""
        u = urllib.parse.urlsplit(url)
        path = u.path + ("?" + u.query if u.query else "")
        data = json.dumps(body).encode() if body is not None and not isinstance(body, bytes) else body
        hdrs = dict(headers or {})
        if data is not None:
            hdrs["Content-Type"] = "application/json"
        for attempt in (0, 1):
            conn = self._conn(u.netloc, fresh=attempt > 0)
            try:
                if on_send:
                    on_send()
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

    def submit(self, tag, on_send=None):
        body = dict(KLING_BODY, external_task_id=tag)
        status, payload = self.client.request("POST", self.base + CREATE_PATH, body, self.headers(), on_send)
        reply = json_of(status, payload, f"{self.label} POST {CREATE_PATH}")
        data = reply.get("data") or {}
        if status != 200 or reply.get("code") != 0 or not data.get("task_id"):
            raise BenchError(f"{self.label} POST {CREATE_PATH}: HTTP {status} {payload[:300]!r}")
        if data.get("task_status") != "submitted" or (data.get("task_info") or {}).get("external_task_id") != tag:
            raise BenchError(f"{self.label} POST {CREATE_PATH}: unexpected data {data}")
        return data["task_id"], data.get("created_at")

    def status(self, task_id):
        """(done, result url, data); raises on a failed task."""
        path = f"{CREATE_PATH}/{task_id}"
        status, payload = self.client.request("GET", self.base + path, None, self.headers())
        reply = json_of(status, payload, f"{self.label} GET {path}")
        data = reply.get("data") or {}
        if status != 200 or reply.get("code") != 0:
            raise BenchError(f"{self.label} GET {path}: HTTP {status} {payload[:300]!r}")
        state = data.get("task_status")
        if state == "failed":
            raise BenchError(f"{self.label} task {task_id} failed: {data.get('task_status_msg')}")
        if state not in ("submitted", "processing", "succeed"):
            raise BenchError(f"{self.label} task {task_id}: task_status {state!r}")
        if state == "succeed":
            videos = (data.get("task_result") or {}).get("videos") or []
            if not videos or not videos[0].get("url") or not videos[0].get("id"):
                raise BenchError(f"{self.label} task {task_id} succeeded without task_result.videos[0].id/url: {data}")
            if not isinstance(data.get("updated_at"), int):
                raise BenchError(f"{self.label} task {task_id}: updated_at is not an integer (ms): {data}")
            return True, videos[0]["url"], data
        return False, None, data


def run_task(api, client, poll_ms, timeout_s, tag):
    """Timings of one task: durations in ms (perf_counter), instants in epoch ms (time.time())."""
    sent = {}
    t0 = now_ms()
    task_id, created_at = api.submit(tag, on_send=lambda: sent.setdefault("epoch_ms", time.time() * 1000.0))
    t_ack = now_ms()
    ack_epoch_ms = time.time() * 1000.0
    deadline = t0 + timeout_s * 1000.0
    polls = 0
    while True:
        time.sleep(poll_ms / 1000.0)
        polls += 1
        done, url, data = api.status(task_id)
        if done:
            break
        if now_ms() > deadline:
            raise BenchError(f"{api.label} task {task_id} did not succeed within {timeout_s} s")
    t_ready = now_ms()
    seen_epoch_ms = time.time() * 1000.0
    status, payload = client.request("GET", url)
    if status != 200 or len(payload) < 1000:
        raise BenchError(f"{api.label} download {url}: HTTP {status}, {len(payload)} bytes")
    t_done = now_ms()
    return {"task_id": task_id, "tag": tag, "sent": sent["epoch_ms"], "acked": ack_epoch_ms,
            "created_at": created_at, "seen": seen_epoch_ms,
            "updated_at": data["updated_at"], "total": t_done - t0, "submit": t_ack - t0,
            "download": t_done - t_ready, "polls": polls, "bytes": len(payload)}


def mock_records(mock):
    """The mock's per-task timestamps (bench/relay/mock_records.py), epoch ms, by task_id."""
    status, payload = mock.client.request("GET", mock.base + "/_bench/records")
    if status != 200:
        raise BenchError(f"mock GET /_bench/records: HTTP {status} (is the mock bench/relay/mock_records.py?)")
    out = {}
    for task_id, r in json.loads(payload).items():
        out[task_id] = {k: (v * 1000.0 if k in ("received", "created", "first_succeed") and v is not None else v)
                        for k, v in r.items()}
    return out


def fmt(x):
    return f"{x:8.2f}"


def row(name, vals, width=36):
    return f"   {name:{width}}" + "".join(fmt(percentile(vals, q)) for q in (50, 90, 99)) + fmt(max(vals))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--mock", required=True, help="mock Kling base URL (bench/relay/mock_records.py)")
    p.add_argument("--vidserve", required=True, help="vidserve base URL")
    p.add_argument("--key", required=True, help="vidserve API key")
    p.add_argument("--access-key", required=True)
    p.add_argument("--secret-key", required=True)
    p.add_argument("--mock-delay-ms", type=float, required=True, help="the mock's --delay")
    p.add_argument("--kling-poll-ms", default="?", help="vidserve's VIDSERVE_KLING_POLL_MS, for the header")
    p.add_argument("--tasks", type=int, default=200, help="tasks per path")
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
    relay = KlingApi(client, args.vidserve, lambda: args.key, "vidserve")

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
    e2e_added_p99 = percentile(r_tot, 99) - percentile(d_tot, 99)

    # 2. Server-side timestamps. The mock task of a direct task is its task_id; vidserve sends
    # external_task_id "<its task_id>-0" for the first (only) result of a task.
    records = mock_records(mock)
    by_external = {r.get("external_task_id"): r for r in records.values()}
    for r in direct + relayed:
        m = records.get(r["task_id"]) if r in direct else by_external.get(r["task_id"] + "-0")
        if not m or any(m.get(k) is None for k in ("received", "created", "first_succeed")):
            raise BenchError(f"the mock has no complete record of task {r['task_id']} ({m})")
        done = m["created"] + args.mock_delay_ms  # the mock task is finished from here on
        r["to_mock"] = m["received"] - r["sent"]  # client sends the POST -> mock has the create call
        r["poll_lag"] = m["first_succeed"] - done  # finished -> first reported succeed (to its poller)
        r["reported_to_seen"] = r["seen"] - m["first_succeed"]  # -> the client has a succeed reply
        # vidserve's updated_at is whole ms, truncated: +0.5 ms is the middle of that millisecond.
        r["completion"] = r["updated_at"] + 0.5 - m["first_succeed"]  # -> vidserve's task succeeded
        r["vs_to_seen"] = r["seen"] - (r["updated_at"] + 0.5)  # -> the client's poll of vidserve sees it
        if r["created_at"] is not None:  # vidserve: stored the task (then committed, acknowledged)
            r["to_stored"] = r["created_at"] + 0.5 - r["sent"]
            r["stored_to_mock"] = m["received"] - (r["created_at"] + 0.5)
    direct_hop = percentile(col(direct, "to_mock"), 50)
    for r in relayed:
        r["submit_relay"] = r["to_mock"] - direct_hop
        r["own"] = r["submit_relay"] + r["completion"]
    own = col(relayed, "own")
    own_p50, own_p99 = percentile(own, 50), percentile(own, 99)

    # 3. Per call: the status of a finished task, sequentially, mock and vidserve alternately.
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
    print(f"vidserve API: Kling native (POST {CREATE_PATH} + GET {CREATE_PATH}/{{task_id}}); "
          f"result: {direct[0]['bytes']} bytes MP4")
    print()
    print(f"1. time to result (submit -> succeeded seen -> result bytes downloaded), {args.tasks} tasks per path,")
    print(f"   {args.concurrency} in flight, direct and relayed interleaved ({phase1_s:.1f} s); ms")
    print(f"   {'':36}{'p50':>8}{'p90':>8}{'p99':>8}{'max':>8}")
    print(row("direct to mock", d_tot))
    print(row("through vidserve", r_tot))
    print(row("per-task diff (paired)", diffs))
    print(f"   end-to-end added: vidserve p99 - direct p99 = {e2e_added_p99:.2f} ms; "
          f"p50 - p50 = {percentile(r_tot, 50) - percentile(d_tot, 50):.2f} ms")
    print(f"   (through vidserve the client polls a relay that itself polls Kling: that second poll stage")
    print(f"   adds 0..{args.poll_ms:g} ms per task whatever vidserve does; see 2 for vidserve's own share)")
    print()
    print(f"2. where the time goes, from server-side timestamps (one clock); p50 (p99), ms")
    print(f"   {'':44}{'direct':>16}{'vidserve':>16}")
    cell = lambda v: f"{percentile(v, 50):7.2f} ({percentile(v, 99):6.2f})"
    none = f"{'-':>16}"
    print(f"   {'client sends POST -> mock has the create call':44}{cell(col(direct, 'to_mock')):>16}"
          f"{cell(col(relayed, 'to_mock')):>16}")
    if all("to_stored" in r for r in relayed):
        print(f"   {'  client sends POST -> vidserve stores task':44}{none}{cell(col(relayed, 'to_stored')):>16}")
        print(f"   {'  vidserve stores task -> mock has the call':44}{none}"
              f"{cell(col(relayed, 'stored_to_mock')):>16}   (commit, ack, claim, Kling call)")
    print(f"   {'mock task done -> first reported succeed':44}{cell(col(direct, 'poll_lag')):>16}"
          f"{cell(col(relayed, 'poll_lag')):>16}   (to its poller: client | vidserve)")
    print(f"   {'reported -> vidserve task succeeded':44}{none}{cell(col(relayed, 'completion')):>16}"
          f"   (download, probe, store)")
    print(f"   {'vidserve task succeeded -> client sees it':44}{none}{cell(col(relayed, 'vs_to_seen')):>16}"
          f"   (client's poll of vidserve)")
    print(f"   {'reported -> client sees it':44}{cell(col(direct, 'reported_to_seen')):>16}"
          f"{cell(col(relayed, 'reported_to_seen')):>16}")
    print(f"   {'client downloads the result':44}{cell(col(direct, 'download')):>16}"
          f"{cell(col(relayed, 'download')):>16}")
    print(f"   vidserve's own latency per task (p50, p99):")
    print(f"     submit relay     = (POST -> mock has it) through vidserve - direct p50 ({direct_hop:.2f} ms):"
          f" {percentile(col(relayed, 'submit_relay'), 50):6.2f} {percentile(col(relayed, 'submit_relay'), 99):6.2f}")
    print(f"     completion relay = reported succeed to vidserve -> vidserve task succeeded:"
          f"{'':11}{percentile(col(relayed, 'completion'), 50):6.2f} {percentile(col(relayed, 'completion'), 99):6.2f}")
    print(f"     own              = submit relay + completion relay, per task:"
          f"{'':24}{own_p50:6.2f} {own_p99:6.2f}   <- goal line")
    print(f"   (vidserve's updated_at has 1 ms resolution; the mock's timestamps are taken in Python as it")
    print(f"   receives a call / builds a reply. Its poll of Kling is not counted: a direct client polls too.)")
    print()
    print(f"3. status query of a finished task, {args.calls} sequential calls each (keep-alive); ms")
    print(f"   {'':36}{'p50':>8}{'p90':>8}{'p99':>8}{'max':>8}")
    print(row("direct to mock (GET)", d_calls))
    print(row("vidserve (GET .../{task_id})", r_calls))
    print(f"   difference vidserve - mock: p50 {percentile(r_calls, 50) - percentile(d_calls, 50):+.2f} ms, "
          f"p99 {percentile(r_calls, 99) - percentile(d_calls, 99):+.2f} ms "
          f"(vidserve answers from its own store; it does not call Kling for this)")
    print()
    if args.dump:
        with open(args.dump, "w") as f:
            json.dump({"direct": direct, "relay": relayed, "calls_direct": d_calls, "calls_relay": r_calls}, f)
    print(f"end-to-end added p99 (time to result, includes the client's second poll stage): {e2e_added_p99:.2f} ms")
    verdict = "met" if own_p99 <= args.goal_ms else "missed"
    print(f"relay added p99: {own_p99:.2f} ms (goal <= {args.goal_ms:g} ms): {verdict}"
          f"   [vidserve's own: submit relay + completion relay, per task]")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as e:
        print(f"relay bench failed: {e}", file=sys.stderr)
        sys.exit(1)
