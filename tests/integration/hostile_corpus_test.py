"""The wire corpus: every request of tests/data/hostile_requests.json (malformed JSON, wrong types,
out-of-range values, unknown and 9 MB names, oversized arrays, bad UUIDs, auth and JWT edges, SSRF
URLs, data URIs, HTTP-level abuse, /media traversal, unknown routes) sent over a raw socket to one
server, each answered with its expected status and error code, in the caller's own field names,
within a bounded reply size."""
import base64
import hashlib
import hmac
import json
import os
import socket
import sys
import time
import unittest
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlparse

import wire
from vidserve_harness import KEY_A, KEY_B, Server, new_uuid

BINARY = os.environ["VIDSERVE_BIN"]
DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data")
CORPUS = os.path.join(DATA, "hostile_requests.json")
GENERATOR = os.path.join(DATA, "make_hostile_requests.py")
KLING_KEYS = "ak-client:sk-client-secret,other-ak:other-sk"
DEFAULT_MAX_BYTES = 16 * 1024
# Runware's names, which a Kling or APIMart caller never wrote.
RUNWARE_ONLY = ("inputs.", "frameImages", "referenceImages", "positivePrompt", "negativePrompt", "CFGScale",
                "providerSettings", "klingai.", "taskUUID", "numberResults", "webhookURL")


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def make_jwt(spec):
    now = int(time.time())
    alg = spec.get("alg", "HS256")
    claims = {"iss": spec.get("iss", "ak-client")}
    exp_in, nbf_in = spec.get("exp_in", 1800), spec.get("nbf_in", -5)
    claims["exp"] = now + exp_in if isinstance(exp_in, int) else exp_in
    claims["nbf"] = now + nbf_in
    for name in spec.get("omit", []):
        del claims[name]
    head = b64url(json.dumps({"alg": alg, "typ": "JWT"}).encode())
    body = b64url(json.dumps(claims).encode())
    sig = b64url(hmac.new(spec.get("secret", "").encode(), f"{head}.{body}".encode(), hashlib.sha256).digest())
    pad = spec.get("pad", "")
    if pad == "drop-signature":
        sig = ""
    elif pad == "flip-first-char":
        sig = ("A" if sig[0] != "A" else "B") + sig[1:]
    else:
        sig += pad
    return f"{head}.{body}.{sig}"


def segments_bytes(segments, subst):
    if isinstance(segments, str):
        segments = [segments]
    out = []
    for s in segments:
        if isinstance(s, str):
            out.append(subst(s).encode("utf-8"))
        elif "repeat" in s:
            out.append(s["repeat"].encode() * s["times"])
        elif "hex" in s:
            out.append(bytes.fromhex(s["hex"]))
    return b"".join(out)


def build_request(case, subst, host):
    if "raw" in case:
        return segments_bytes([s for s in case["raw"] if not (isinstance(s, dict) and "shutdown" in s)], subst)
    body = case.get("body")
    if isinstance(body, dict) and "json" in body:
        payload = subst(json.dumps(body["json"])).encode()
    elif body is not None:
        payload = segments_bytes(body, subst)
    else:
        payload = None
    path = segments_bytes(case["path"], subst).decode("latin-1")
    lines = [f"{case['method']} {path} HTTP/1.1", f"Host: {host}"]
    for name, value in case["headers"]:
        if isinstance(value, dict):
            value = "Bearer " + make_jwt(value["jwt"])
        lines.append(f"{name}: {segments_bytes(value, subst).decode('latin-1')}")
    if payload is not None:
        lines.append(f"Content-Length: {len(payload)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (payload or b"")


def parameters_of(errors):
    """Every parameter the errors name (a pair constraint names two)."""
    out = []
    for e in errors:
        p = e.get("parameter", e.get("param"))
        out += p if isinstance(p, list) else [p] if p is not None else []
    return out


def error_code(api, reply):
    """(code, type, parameters) of the reply's error as its API reports it: the first error's code,
    and the parameters of all its errors."""
    try:
        body = json.loads(reply.body)
    except ValueError:
        return None, None, []
    if api == "kling":
        return body.get("code"), None, parameters_of(body.get("errors") or [])
    if api == "apimart":
        error = body.get("error") or {}
        return error.get("code"), error.get("type"), parameters_of([error] + (body.get("errors") or []))
    errors = body.get("errors") or []
    if not errors:
        return None, None, []
    return errors[0].get("code"), None, parameters_of(errors)


class HostileCorpus(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # No workers: every accepted task stays queued, so the corpus never renders anything.
        cls.server = Server(BINARY, workers=0, env={"VIDSERVE_KLING_KEYS": KLING_KEYS}).start()
        url = urlparse(cls.server.base)
        cls.host, cls.port = url.hostname, url.port
        with open(CORPUS, encoding="utf-8") as f:
            cls.cases = json.load(f)["cases"]
        cls.tasks = cls.create_tasks()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    @classmethod
    def create_tasks(cls):
        """One task of key A per API, for the cases that read or reuse another key's task."""
        runware = new_uuid()
        status, _ = cls.server.post([{"taskType": "videoInference", "taskUUID": runware,
                                      "model": "klingai:kling-video@3-standard", "positivePrompt": "a cat",
                                      "duration": 5, "width": 1280, "height": 720}])
        assert status == 200, status
        kling = cls.send_json("POST", "/v1/videos/text2video", {"prompt": "a cat"})["data"]["task_id"]
        apimart = cls.send_json("POST", "/v1/videos/generations",
                                {"model": "kling-v2-6", "prompt": "a cat"})["data"][0]["task_id"]
        return {"TASK_RUNWARE_A": runware, "TASK_KLING_A": kling, "TASK_APIMART_A": apimart[len("task_"):]}

    @classmethod
    def send_json(cls, method, path, body):
        payload = json.dumps(body).encode()
        request = (f"{method} {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {KEY_A}\r\n"
                   f"Content-Length: {len(payload)}\r\n\r\n").encode() + payload
        reply = wire.exchange(cls.host, cls.port, request)
        assert reply.status == 200, (reply.status, reply.body)
        return json.loads(reply.body)

    def subst(self, text):
        values = dict(self.tasks, KEY_A=KEY_A, KEY_B=KEY_B)
        for name, value in values.items():
            text = text.replace("${" + name + "}", value)
        return text

    def run_case(self, case):
        request = build_request(case, self.subst, f"{self.host}:{self.port}")
        shutdown = any(isinstance(s, dict) and s.get("shutdown") for s in case.get("raw", []))
        started = time.monotonic()
        if shutdown:
            reply = self.half_closed(request)
        else:
            reply = wire.exchange(self.host, self.port, request, head=case["method"] == "HEAD")
        return case, reply, time.monotonic() - started

    def half_closed(self, request):
        with socket.create_connection((self.host, self.port), timeout=10) as sock:
            sock.sendall(request)
            sock.shutdown(socket.SHUT_WR)
            data = b""
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                data += chunk
        status = int(data.split(b" ")[1]) if data.startswith(b"HTTP/") else None
        return wire.Reply(status, {}, data, True)

    def check(self, case, reply):
        """The list of ways the reply differs from the case's expectation."""
        want = case["expect"]
        faults = []
        if reply.status != want["status"]:
            faults.append(f"status {reply.status}, want {want['status']}")
        if want["status"] is None:
            return faults
        code, type_, parameters = error_code(want["api"], reply)
        if code != want["code"]:
            faults.append(f"code {code!r}, want {want['code']!r}")
        if "type" in want and type_ != want["type"]:
            faults.append(f"type {type_!r}, want {want['type']!r}")
        if "parameter" in want and want["parameter"] not in parameters:
            faults.append(f"parameters {parameters!r}, want {want['parameter']!r} among them")
        if want.get("close") and not reply.closed:
            faults.append("connection left open")
        limit = want.get("max_bytes", DEFAULT_MAX_BYTES)
        if reply.size > limit:
            faults.append(f"reply of {reply.size} bytes, want at most {limit}")
        if case["method"] == "HEAD" and reply.body:
            faults.append("a body in a HEAD reply")
        path = case["path"] if isinstance(case["path"], str) else case["path"][0]
        if want["api"] in ("kling", "apimart") and path.startswith(("/v1/videos", "/v1/tasks")):
            leaked = [name for name in RUNWARE_ONLY if name.encode() in reply.body]
            if leaked:
                faults.append(f"Runware names in a {want['api']} reply: {leaked}")
        return faults

    def test_corpus_file_is_what_the_generator_writes(self):
        sys.path.insert(0, DATA)
        try:
            import make_hostile_requests as generator
        finally:
            sys.path.pop(0)
        with open(CORPUS, encoding="utf-8") as f:
            self.assertEqual(f.read(), generator.render({"about": json.load(open(CORPUS))["about"],
                                                         "cases": generator.cases}))

    def test_every_case_gets_its_status_and_code(self):
        self.assertGreaterEqual(len(self.cases), 400)
        for case in self.cases:
            want = case["expect"]
            if want["status"] is not None and want["status"] >= 400 and case["method"] != "HEAD":
                self.assertIsNotNone(want.get("code"), f"{case['name']}: an error case must name its code")
        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=4) as pool:
            outcomes = list(pool.map(self.run_case, self.cases))
        elapsed = time.monotonic() - started
        failures = []
        per_category = {}
        for case, reply, _ in outcomes:
            per_category[case["category"]] = per_category.get(case["category"], 0) + 1
            faults = self.check(case, reply)
            if faults:
                failures.append(f"{case['category']} / {case['name']}: {'; '.join(faults)}; "
                                f"reply {reply.body[:300]!r}")
        slowest = sorted(outcomes, key=lambda o: -o[2])[:3]
        print(f"\n{len(self.cases)} cases in {elapsed:.1f} s; per category: {per_category}; slowest: "
              + ", ".join(f"{c['name']} {t:.2f} s" for c, _, t in slowest), file=sys.stderr)
        self.assertFalse(failures, f"{len(failures)} of {len(self.cases)} cases failed:\n" + "\n".join(failures))
        # The server is still answering after all of it.
        status, _, _ = self.server.get(self.server.base + "/health")
        self.assertEqual(status, 200)


if __name__ == "__main__":
    unittest.main()
