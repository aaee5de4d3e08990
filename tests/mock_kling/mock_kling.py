#!/usr/bin/env python3
"""A mock of Kling's legacy /v1 API (JWT auth, create and query endpoints, envelope, error
codes), for tests.

Checks the HS256 JWT (signature, iss, exp, nbf) on every /v1 call, validates the create bodies,
runs each task submitted -> processing -> succeed|failed over --delay seconds and serves a real
MP4 (1280x720, 5 s, made once with the ffmpeg CLI) and PNG as results. Python 3 stdlib only.

  mock_kling.py --access-key AK --secret-key SK [--delay 1] [--rate-limit N] [--port 0]

First stdout line: "mock kling listening on http://127.0.0.1:PORT".
Failure injection: a prompt containing MOCK_FAIL ends "failed"; --rate-limit N (or
POST /_mock/config {"rate_limit": N}) answers the next N create/poll calls with HTTP 429, code 1303.
GET /_mock/stats: calls per endpoint, JWT checks, the last create body per endpoint, and
"connections": {"connections": N}, the TCP connections accepted (a thread each, kept alive).
"""
import argparse, base64, hashlib, hmac, json, os, subprocess, sys, tempfile, threading, time, uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

VIDEO_MODELS = {  # the model_name values Kling documents for each product
    "text2video": {"kling-v1", "kling-v1-6", "kling-v2-master", "kling-v2-1-master", "kling-v2-5-turbo",
                   "kling-v2-6", "kling-v3"},
    "image2video": {"kling-v1", "kling-v1-5", "kling-v1-6", "kling-v2-master", "kling-v2-1", "kling-v2-1-master",
                    "kling-v2-5-turbo", "kling-v2-6", "kling-v3"},
    "multi-image2video": {"kling-v1-6"},
    "omni-video": {"kling-video-o1", "kling-v3-omni"},
    "motion-control": {"kling-v2-6", "kling-v3"},
    "lip-sync": None, "avatar/image2video": None,
    "generations": {"kling-v3", "kling-v2-1", "kling-v1", "kling-v1-5", "kling-v2", "kling-v2-new"},
    "omni-image": {"kling-image-o1", "kling-v3-omni"},
}
IMAGE_ENDPOINTS = {"generations", "omni-image"}


def b64url_decode(part):
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


class Mock:
    def __init__(self, args, media_dir):
        self.args, self.media_dir = args, media_dir
        self.lock = threading.Lock()
        self.tasks = {}
        self.rate_limit = args.rate_limit
        self.stats = {"calls": {}, "jwt_verified": 0, "jwt_rejected": 0, "rate_limited": 0, "bodies": {},
                      "connections": {}}

    def count(self, key, field="calls"):
        with self.lock:
            self.stats[field][key] = self.stats[field].get(key, 0) + 1

    def check_jwt(self, header):
        """None when valid, else (kling code, message) as Kling's 401 answers (codes 1000-1004)."""
        if not header:
            return 1001, "Authorization is empty"
        if not header.startswith("Bearer "):
            return 1002, "Authorization is invalid"
        parts = header[len("Bearer "):].split(".")
        try:
            head, claims = (json.loads(b64url_decode(p)) for p in parts[:2])
            signature = b64url_decode(parts[2])
        except Exception:
            return 1002, "Authorization is invalid"
        expected = hmac.new(self.args.secret_key.encode(), f"{parts[0]}.{parts[1]}".encode(), hashlib.sha256).digest()
        if len(parts) != 3 or head.get("alg") != "HS256" or not hmac.compare_digest(signature, expected):
            return 1002, "Authorization is invalid"
        if claims.get("iss") != self.args.access_key:
            return 1000, "Authentication failed"
        now = time.time()
        if not isinstance(claims.get("nbf"), int) or claims["nbf"] > now + 1:
            return 1003, "Authorization is not yet valid"
        if not isinstance(claims.get("exp"), int) or claims["exp"] < now:
            return 1004, "Authorization has expired"
        return None

    def take_rate_limit(self):
        with self.lock:
            if self.rate_limit > 0:
                self.rate_limit -= 1
                self.stats["rate_limited"] += 1
                return True
        return False

    def validate(self, endpoint, body):
        """A 1201 message when the body is not acceptable, else None."""
        models = VIDEO_MODELS[endpoint]
        if models is not None and body.get("model_name", "kling-v1") not in models:
            return f"model_name '{body.get('model_name')}' is invalid for {endpoint}"
        if "duration" in body and not isinstance(body["duration"], str):
            return "duration must be a string"
        if body.get("mode") not in (None, "std", "pro", "4k"):
            return f"mode '{body.get('mode')}' is invalid"
        if body.get("aspect_ratio") not in (None, "16:9", "9:16", "1:1", "4:3", "3:4", "3:2", "2:3", "21:9", "auto"):
            return f"aspect_ratio '{body.get('aspect_ratio')}' is invalid"
        for key in ("image", "image_tail"):
            if key in body and (not isinstance(body[key], str) or body[key].startswith("data:")):
                return f"{key} must be a URL or raw base64 without a data: prefix"
        need = {"text2video": ["prompt"] if not body.get("multi_shot") else ["multi_prompt"],
                "generations": ["prompt"], "omni-image": ["prompt"], "omni-video": [],
                "multi-image2video": ["image_list", "prompt"], "motion-control": ["image_url", "video_url"],
                "avatar/image2video": ["image"], "lip-sync": ["input"]}.get(endpoint, [])
        if endpoint == "image2video" and not (body.get("image") or body.get("image_tail")):
            return "image or image_tail is required"
        if endpoint == "avatar/image2video" and not (body.get("sound_file") or body.get("audio_id")):
            return "sound_file or audio_id is required"
        for key in need:
            if not body.get(key):
                return f"{key} is required"
        return None

    def task_view(self, task):
        elapsed = time.time() - task["created"]
        status = "submitted" if elapsed < self.args.delay / 3 else "processing"
        data = {"task_id": task["id"], "task_status": status, "task_status_msg": "",
                "task_info": {"external_task_id": task["external_task_id"]},
                "created_at": int(task["created"] * 1000), "updated_at": int(time.time() * 1000)}
        if elapsed >= self.args.delay:
            if task["fail"]:
                data.update(task_status="failed", task_status_msg="MOCK_FAIL: the mock was asked to fail this task")
            else:
                data["task_status"] = "succeed"
                base = f"http://127.0.0.1:{self.port}/_mock/files/"
                data["task_result"] = ({"images": [{"index": 0, "url": base + "result.png"}]}
                                       if task["endpoint"] in IMAGE_ENDPOINTS else
                                       {"videos": [{"id": task["id"] + "-v", "url": base + "result.mp4",
                                                    "duration": "5.0"}]})
                data["final_unit_deduction"] = "1"
        return data


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # TCP_NODELAY: a reply is written as headers, then body. With Nagle's algorithm the body waits
    # on a kept-alive connection until the client ACKs the headers, which it delays by ~40 ms.
    disable_nagle_algorithm = True

    def log_message(self, *args):
        pass

    def setup(self):
        super().setup()
        self.server.mock.count("connections", "connections")

    def send(self, status, payload=None, raw=None, content_type="application/json"):
        body = raw if raw is not None else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def error(self, status, code, message):
        self.send(status, {"code": code, "message": message, "request_id": str(uuid.uuid4())})

    def route(self):
        """(kind, endpoint, task_id) for /v1/{videos|images}/<endpoint>[/<task_id>]."""
        path = self.path.split("?")[0]
        for prefix, kind in (("/v1/videos/", "videos"), ("/v1/images/", "images")):
            if path.startswith(prefix):
                rest = path[len(prefix):]
                for endpoint in sorted(VIDEO_MODELS, key=len, reverse=True):
                    if rest == endpoint:
                        return kind, endpoint, None
                    if rest.startswith(endpoint + "/") and "/" not in rest[len(endpoint) + 1:]:
                        return kind, endpoint, rest[len(endpoint) + 1:]
        return None, None, None

    def authorized(self, label):
        mock = self.server.mock
        problem = mock.check_jwt(self.headers.get("Authorization"))
        mock.count(label)
        if problem:
            with mock.lock:
                mock.stats["jwt_rejected"] += 1
            self.error(401, *problem)
            return False
        with mock.lock:
            mock.stats["jwt_verified"] += 1
        if mock.take_rate_limit():
            self.error(429, 1303, "parallel task over resource pack limit")
            return False
        return True

    def do_GET(self):
        mock = self.server.mock
        if self.path == "/_mock/stats":
            with mock.lock:
                return self.send(200, mock.stats)
        if self.path.startswith("/_mock/files/"):
            name = os.path.basename(self.path)
            path = os.path.join(mock.media_dir, name)
            if not os.path.exists(path):
                return self.send(404, raw=b"not found", content_type="text/plain")
            mock.count("download:" + name)
            with open(path, "rb") as f:
                return self.send(200, raw=f.read(), content_type="video/mp4" if name.endswith(".mp4") else "image/png")
        kind, endpoint, task_id = self.route()
        if not endpoint or not task_id:
            return self.error(404, 1202, "invalid request method")
        if not self.authorized(f"GET {kind}/{endpoint}/id"):
            return
        with mock.lock:
            task = mock.tasks.get(task_id) or next(
                (t for t in mock.tasks.values() if t["external_task_id"] == task_id), None)
        if not task or task["endpoint"] != endpoint:
            return self.error(404, 1203, f"task {task_id} does not exist")
        self.send(200, {"code": 0, "message": "SUCCEED", "request_id": str(uuid.uuid4()), "data": mock.task_view(task)})

    def do_POST(self):
        mock = self.server.mock
        body_bytes = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path == "/_mock/config":
            config = json.loads(body_bytes or b"{}")
            with mock.lock:
                mock.rate_limit = int(config.get("rate_limit", mock.rate_limit))
            return self.send(200, {"ok": True})
        kind, endpoint, task_id = self.route()
        if not endpoint or task_id is not None or (kind == "images") != (endpoint in IMAGE_ENDPOINTS):
            return self.error(404, 1202, "invalid request method")
        if not self.authorized(f"POST {kind}/{endpoint}"):
            return
        try:
            body = json.loads(body_bytes)
            assert isinstance(body, dict)
        except Exception:
            return self.error(400, 1200, "the request body is not a JSON object")
        with mock.lock:
            mock.stats["bodies"][endpoint] = body
        problem = mock.validate(endpoint, body)
        if problem:
            return self.error(400, 1201, problem)
        prompt = body.get("prompt", "") + json.dumps(body.get("multi_prompt", ""))
        task = {"id": str(uuid.uuid4().int)[:18], "endpoint": endpoint, "created": time.time(),
                "external_task_id": body.get("external_task_id", ""), "fail": "MOCK_FAIL" in prompt}
        with mock.lock:
            mock.tasks[task["id"]] = task
        data = {"task_id": task["id"], "task_status": "submitted", "task_info": {"external_task_id": task["external_task_id"]},
                "created_at": int(task["created"] * 1000), "updated_at": int(task["created"] * 1000)}
        self.send(200, {"code": 0, "message": "SUCCEED", "request_id": str(uuid.uuid4()), "data": data})


def make_media(directory):
    run = lambda *a: subprocess.run(["ffmpeg", "-v", "error", "-y", *a], check=True)
    run("-f", "lavfi", "-i", "testsrc=size=1280x720:rate=24", "-t", "5", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
        "-movflags", "+faststart", os.path.join(directory, "result.mp4"))
    run("-f", "lavfi", "-i", "testsrc=size=1024x1024", "-frames:v", "1", os.path.join(directory, "result.png"))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--access-key", required=True)
    p.add_argument("--secret-key", required=True)
    p.add_argument("--delay", type=float, default=1.0, help="seconds from submit to succeed/failed")
    p.add_argument("--rate-limit", type=int, default=0, help="answer the first N create/poll calls with 429/1303")
    p.add_argument("--port", type=int, default=0)
    args = p.parse_args()
    media_dir = tempfile.mkdtemp(prefix="mock-kling-")
    make_media(media_dir)
    ThreadingHTTPServer.request_queue_size = 512  # 200+ clients connecting at once (listen backlog)
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    server.mock = Mock(args, media_dir)
    server.mock.port = server.server_address[1]
    print(f"mock kling listening on http://127.0.0.1:{server.mock.port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
