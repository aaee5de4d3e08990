"""Helpers of tests/data/make_hostile_requests.py: the case list, `add`, the expected outcomes
per API (rw, kl, am) and the base requests the cases vary."""
import os

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "hostile_requests.json")

UUID = "5f0c8a2e-4b1d-4c3e-9a7f-{:012d}"
BIG = 9_000_000          # a 9 MB value: within the 10 MB body limit
SMALL_REPLY = 2048       # the bound for replies to huge inputs
BEARER_A = ["Authorization", "Bearer ${KEY_A}"]
JSON_CT = ["Content-Type", "application/json"]

cases = []
_uuid_counter = [0]


def next_uuid():
    _uuid_counter[0] += 1
    return UUID.format(_uuid_counter[0])


def add(category, name, method, path, expect, body=None, headers=None, raw=None):
    case = {"name": name, "category": category, "method": method, "path": path}
    if raw is not None:
        case["raw"] = raw
    else:
        case["headers"] = headers if headers is not None else [BEARER_A, JSON_CT]
        if body is not None:
            case["body"] = body
    case["expect"] = expect
    cases.append(case)


def outcome(status, api, code, more):
    out = {"status": status, "api": api, "code": code}
    out.update({k: v for k, v in more.items() if v is not None})
    return out


def rw(status, code, **more):
    return outcome(status, "runware", code, more)


def kl(status, code, **more):
    return outcome(status, "kling", code, more)


def am(status, code, type_, **more):
    return outcome(status, "apimart", code, dict(more, type=type_))


def big(prefix, suffix, times=BIG, fill="a"):
    return [prefix, {"repeat": fill, "times": times}, suffix]


def video_task(**fields):
    task = {"taskType": "videoInference", "taskUUID": next_uuid(), "model": "klingai:kling-video@3-standard",
            "positivePrompt": "a lighthouse at dusk", "duration": 5, "width": 1280, "height": 720}
    task.update(fields)
    return [{k: v for k, v in task.items() if v is not None}]


T2V = "/v1/videos/text2video"
I2V = "/v1/videos/image2video"
GEN = "/v1/videos/generations"
KLING_PRODUCTS = ["text2video", "image2video", "omni-video", "multi-image2video", "lip-sync", "avatar/image2video"]


def t2v(**fields):
    body = {"model_name": "kling-v2-6", "mode": "pro", "prompt": "a lighthouse at dusk", "duration": "5"}
    body.update(fields)
    return {k: v for k, v in body.items() if v is not None}


def gen(**fields):
    body = {"model": "kling-v2-6", "mode": "pro", "prompt": "a lighthouse at dusk", "duration": 5}
    body.update(fields)
    return {k: v for k, v in body.items() if v is not None}
