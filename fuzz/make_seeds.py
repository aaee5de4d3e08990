#!/usr/bin/env python3
"""Writes the seed corpus of each fuzz target into OUT/<target>/.

Request bodies come from tests/data (validation_cases.json, seed_examples.json,
frontend_cases.json); tokens, data URIs and HTTP requests are made here; media files are
rendered with the ffmpeg CLI when it is installed. Seeds are named after a hash of their bytes,
as libFuzzer names corpus files, so running this again over a grown corpus adds nothing twice.

usage: make_seeds.py OUT TARGET...
"""
import base64
import hashlib
import hmac
import json
import os
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "tests", "data")

# Must match fuzz/fuzz_world.hpp.
API_KEY = "fuzz-api-key"
ACCESS_KEY = "fuzz-access-key"
SECRET_KEY = "fuzz-secret-key"
NOW_S = 1_700_000_000


def load(name):
    with open(os.path.join(DATA, name), encoding="utf-8") as f:
        return json.load(f)


def compact(value):
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def runware_bodies():
    bodies = [c["body"] for c in load("validation_cases.json")["cases"]]
    bodies += [e["body"] for e in load("seed_examples.json")["examples"] if e.get("kind") == "request"]
    out = [compact(b) for b in bodies]
    out.append(compact(bodies[:3]))  # several tasks in one request
    uuid = "5f0c8a2e-4b1d-4c3e-9a7f-0000000000ff"
    out += [
        compact([{"taskType": "authentication", "apiKey": API_KEY}, {"taskType": "ping", "ping": True}]),
        compact({"taskType": "getResponse", "taskUUID": uuid}),
        compact({"taskType": "modelSearch", "search": "kling", "limit": 5}),
        compact({"taskType": "imageUpload", "taskUUID": uuid, "image": "data:image/png;base64," + base64.b64encode(PNG_1X1).decode()}),
        compact({"taskType": "imageInference", "taskUUID": uuid, "model": "klingai:kling-image@1", "positivePrompt": "a cat"}),
        b"[]",
        b'[{"taskType":""}]',
    ]
    return out


def frontend_bodies(api):
    out = []
    for case in load("frontend_cases.json")["cases"]:
        if case["api"] != api:
            continue
        body = compact(case["body"])
        out.append(case["product"].encode() + b"\n" + body if api == "kling" else body)
    return out


def kling_bodies():
    products = ["text2video", "image2video", "omni-video", "multi-image2video", "lip-sync", "avatar/image2video"]
    return frontend_bodies("kling") + [p.encode() + b"\n{}" for p in products]


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=")


def jwt(claims, secret=SECRET_KEY, header=None):
    header = header or {"alg": "HS256", "typ": "JWT"}
    signing_input = b64url(compact(header)) + b"." + b64url(compact(claims))
    signature = hmac.new(secret.encode(), signing_input, hashlib.sha256).digest()
    return signing_input + b"." + b64url(signature)


def tokens():
    valid = jwt({"iss": ACCESS_KEY, "exp": NOW_S + 1800, "nbf": NOW_S - 5})
    return [
        valid,
        valid + b"=",  # a non-canonical signature
        jwt({"iss": ACCESS_KEY, "exp": NOW_S - 100, "nbf": NOW_S - 200}),
        jwt({"iss": ACCESS_KEY, "nbf": NOW_S - 5}),
        jwt({"iss": ACCESS_KEY, "exp": NOW_S + 10 * 365 * 86400}),
        jwt({"iss": ACCESS_KEY, "exp": 1.5e300, "nbf": -9.2e18}),
        jwt({"iss": ACCESS_KEY, "exp": NOW_S + 60, "nbf": NOW_S + 3600}),
        jwt({"iss": "someone-else", "exp": NOW_S + 60}),
        jwt({"iss": ACCESS_KEY, "exp": NOW_S + 60}, header={"alg": "none"}),
        jwt({"iss": ACCESS_KEY, "exp": str(NOW_S + 60)}),
        b"Bearer " + valid,
        API_KEY.encode(),
        b"a.b.c",
    ]


def data_uris():
    png = base64.b64encode(PNG_1X1)
    return [
        b"data:image/png;base64," + png,
        b"data:image/png;base64," + base64.urlsafe_b64encode(PNG_1X1).rstrip(b"="),
        b"data:image/PNG;name=x.png;base64," + png[:20] + b"\r\n" + png[20:],
        b"data:;base64," + png,
        b"data:text/plain;charset=utf-8,hello%20world%2",
        b"data:,A%20brief%20note",
        b"DATA:image/jpeg;base64,/9j/4AAQSkZJRgABAQ==",
        b"data:image/png;base64;x=y,AAAA",
        png,
        b"SGVsbG8=\nV29ybGQ",
    ]


def http_requests():
    body = compact({"taskType": "videoInference", "taskUUID": "5f0c8a2e-4b1d-4c3e-9a7f-0000000000aa",
                    "model": "klingai:kling-video@2.6-standard", "positivePrompt": "a fox", "duration": 5})
    kling = compact({"model_name": "kling-v2-6", "prompt": "a fox", "duration": "5", "mode": "std"})
    apimart = compact({"model": "kling-v2-6", "prompt": "a fox", "duration": 5})
    auth = b"Authorization: Bearer " + API_KEY.encode() + b"\r\n"

    def post(path, payload, extra=b""):
        return (b"POST " + path + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n" + auth + b"Content-Type: application/json\r\n" +
                extra + b"Content-Length: " + str(len(payload)).encode() + b"\r\n\r\n" + payload)

    chunked_body = hex(len(body))[2:].encode() + b"\r\n" + body + b"\r\n0\r\n\r\n"
    return [
        b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
        b"GET /health HTTP/1.0\r\n\r\n",
        post(b"/v1", body),
        post(b"/v1", body, b"Expect: 100-continue\r\n"),
        post(b"/v1/videos/text2video", kling),
        post(b"/kling/v1/videos/image2video", b"{}"),
        post(b"/v1/videos/generations", apimart),
        b"GET /v1/tasks/task_5f0c8a2e-4b1d-4c3e-9a7f-0000000000aa HTTP/1.1\r\n" + auth + b"\r\n",
        b"GET /v1/videos/text2video?pageNum=1&pageSize=500 HTTP/1.1\r\n" + auth + b"\r\n",
        b"GET /media/5f0c8a2e-4b1d-4c3e-9a7f-0000000000aa.mp4 HTTP/1.1\r\nRange: bytes=0-10,20-\r\n\r\n",
        b"POST /v1 HTTP/1.1\r\n" + auth + b"Transfer-Encoding: chunked\r\n\r\n" + chunked_body,
        b"POST /v1 HTTP/1.1\r\n" + auth + b"Transfer-Encoding: gzip, chunked, identity\r\n\r\n" + body,
        b"GET /health HTTP/1.1\r\nX-Folded: a\r\n b\r\n\r\n",
        b"GET / HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        b"Sec-WebSocket-Version: 13\r\n\r\n",
        b"GET /health HTTP/1.1\r\n\r\nGET /nothing HTTP/1.1\r\n\r\n" + post(b"/v1", b"[{\"taskType\":\"ping\"}]"),
    ]


# A 1x1 PNG, for data URIs and imageUpload.
PNG_1X1 = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC")

# No random ids or version strings in the files (Matroska/WebM would get new bytes each run).
BITEXACT = ["-fflags", "+bitexact", "-flags:v", "+bitexact", "-flags:a", "+bitexact"]

# name, first seed byte (bit 0: the image demuxers, else the video ones; bit 1: inspect_video;
# bit 2: inspect_audio), ffmpeg arguments after the lavfi input.
MEDIA = [
    ("png", 1, ["-frames:v", "1"]),
    ("jpg", 1, ["-frames:v", "1"]),
    ("webp", 1, ["-frames:v", "1"]),
    ("bmp", 1, ["-frames:v", "1"]),
    ("gif", 1, ["-frames:v", "2"]),
    ("tiff", 1, ["-frames:v", "1"]),
    ("mp4", 2, ["-frames:v", "3", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-preset", "ultrafast"]),
    ("mov", 2, ["-frames:v", "3", "-c:v", "mjpeg"]),
    ("webm", 2, ["-frames:v", "3", "-c:v", "libvpx", "-b:v", "50k"]),
    ("mkv", 2, ["-frames:v", "3", "-c:v", "mpeg4"]),
]


def media_files():
    ffmpeg = shutil.which("ffmpeg")
    if not ffmpeg:
        print("make_seeds: ffmpeg not found; the media_probe corpus gets no rendered seeds", file=sys.stderr)
        return [b"\x01" + PNG_1X1]
    out = [b"\x01" + PNG_1X1]
    with tempfile.TemporaryDirectory() as tmp:
        for ext, selector, args in MEDIA:
            path = os.path.join(tmp, "seed." + ext)
            cmd = [ffmpeg, "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=32x24:rate=10"] + args + BITEXACT + [path]
            if subprocess.run(cmd, check=False).returncode != 0:
                print("make_seeds: ffmpeg could not write a ." + ext + " seed", file=sys.stderr)
                continue
            with open(path, "rb") as f:
                out.append(bytes([selector]) + f.read())
        # An MP4 with a sine track in it, inspected as video and as audio.
        path = os.path.join(tmp, "audio.mp4")
        cmd = [ffmpeg, "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=32x24:rate=10", "-f", "lavfi",
               "-i", "sine=frequency=440:sample_rate=8000", "-frames:v", "3", "-t", "0.3", "-c:v", "libx264",
               "-pix_fmt", "yuv420p", "-preset", "ultrafast", "-c:a", "aac", "-shortest"] + BITEXACT + [path]
        if subprocess.run(cmd, check=False).returncode == 0:
            with open(path, "rb") as f:
                out.append(b"\x06" + f.read())
        # Audio alone, for inspect_audio.
        path = os.path.join(tmp, "tone.wav")
        cmd = [ffmpeg, "-v", "error", "-y", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=8000",
               "-t", "0.2"] + BITEXACT + [path]
        if subprocess.run(cmd, check=False).returncode == 0:
            with open(path, "rb") as f:
                out.append(b"\x04" + f.read())
    return out


SEEDS = {
    "runware_json": runware_bodies,
    "kling_json": kling_bodies,
    "apimart_json": lambda: frontend_bodies("apimart"),
    "kling_jwt": tokens,
    "data_uri": data_uris,
    "http_session": http_requests,
    "media_probe": media_files,
}


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    out, targets = sys.argv[1], sys.argv[2:]
    for target in targets:
        if target not in SEEDS:
            sys.exit("make_seeds: unknown target " + target + "; known: " + " ".join(SEEDS))
        directory = os.path.join(out, target)
        os.makedirs(directory, exist_ok=True)
        added = 0
        for seed in SEEDS[target]():
            path = os.path.join(directory, hashlib.sha1(seed).hexdigest())
            if not os.path.exists(path):
                with open(path, "wb") as f:
                    f.write(seed)
                added += 1
        print(f"make_seeds: {target}: {added} seed(s) added to {directory}")


if __name__ == "__main__":
    main()
