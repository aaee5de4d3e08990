#!/usr/bin/env python3
"""Writes tests/data/hostile_requests.json: the wire corpus of hostile requests against the three
APIs (Runware POST /v1, Kling native /v1/videos/<product>, APIMart /v1/videos/generations and
/v1/tasks/{id}), each with its expected HTTP status and error code. Run it after editing a case:

    python3 tests/data/make_hostile_requests.py

tests/integration/hostile_corpus_test.py sends every case to one server and checks the file is
what this script writes.

A case: name, category, method, path, headers (a list of [name, value]; the runner adds Host and
Content-Length unless `raw`), body (a string, {"json": value}, or a list of segments), or `raw`
(the whole request as segments). A segment is a string, {"repeat": s, "times": n} or {"hex": h}.
Placeholders in strings: ${KEY_A}, ${KEY_B} (Runware/APIMart keys), ${TASK_RUNWARE_A},
${TASK_KLING_A}, ${TASK_APIMART_A} (tasks key A created before the corpus runs). A header value
{"jwt": {...}} is a Kling JWT made when the case runs (iss, secret, exp_in, nbf_in, alg, pad,
omit). expect: status (null: the server closes without answering), api (runware | kling |
apimart: where the error code is read), code, and optionally type (APIMart), parameter, close
(the server closes the connection after answering), max_bytes (reply size bound)."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hostile_api_cases  # noqa: E402,F401 (adds its cases, first)
import hostile_wire_cases  # noqa: E402,F401
from hostile_cases_lib import OUT, cases  # noqa: E402


def main():
    names = [c["name"] for c in cases]
    duplicates = {n for n in names if names.count(n) > 1}
    if duplicates:
        raise SystemExit(f"duplicate case names: {sorted(duplicates)}")
    doc = {"about": "Hostile requests and the status and error code each must get; written by "
                    "tests/data/make_hostile_requests.py, sent by tests/integration/hostile_corpus_test.py.",
           "cases": cases}
    with open(OUT, "w", encoding="utf-8") as f:
        f.write(render(doc))


def render(doc):
    lines = ["{", f'  "about": {json.dumps(doc["about"])},', '  "cases": [']
    rendered = [json.dumps(c, ensure_ascii=True) for c in doc["cases"]]
    lines.append(",\n".join("    " + r for r in rendered))
    lines += ["  ]", "}", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
