#!/usr/bin/env python3
"""Runs tests/mock_kling/mock_kling.py unchanged, plus the timestamps the relay benchmark needs.

For every task the mock records (epoch seconds, this machine's clock):
  received       when the create call reached the handler (headers read, body not yet),
  created        the mock's own task creation time (it finishes the task `--delay` later),
  first_succeed  when the mock first answered a status query with task_status "succeed",
and the task's external_task_id. GET /_bench/records serves them as JSON:
  {task_id: {"external_task_id": ..., "received": ..., "created": ..., "first_succeed": ...}}.
Same arguments as mock_kling.py (which sets TCP_NODELAY on its sockets itself).
"""
import json
import os
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "mock_kling"))
import mock_kling  # noqa: E402

records = {}
records_lock = threading.Lock()


def record(task_id, **fields):
    with records_lock:
        entry = records.setdefault(task_id, {})
        for key, value in fields.items():
            entry.setdefault(key, value)


task_view = mock_kling.Mock.task_view


def recording_task_view(self, task):
    data = task_view(self, task)
    if data["task_status"] == "succeed":
        record(task["id"], first_succeed=time.time())
    return data


do_post = mock_kling.Handler.do_POST
send = mock_kling.Handler.send


def do_post_with_receive_time(self):
    self.bench_received = time.time()
    try:
        return do_post(self)
    finally:
        self.bench_received = None


def send_recording_creates(self, status, payload=None, raw=None, content_type="application/json"):
    received = getattr(self, "bench_received", None)
    data = payload.get("data") if received is not None and isinstance(payload, dict) else None
    if status == 200 and isinstance(data, dict) and data.get("task_id"):
        task = self.server.mock.tasks.get(data["task_id"])
        record(data["task_id"], received=received, created=task["created"] if task else None,
               external_task_id=(data.get("task_info") or {}).get("external_task_id", ""))
    return send(self, status, payload, raw, content_type)


do_get = mock_kling.Handler.do_GET


def do_get_with_records(self):
    if self.path == "/_bench/records":
        with records_lock:
            body = json.dumps(records).encode()
        return send(self, 200, raw=body)
    return do_get(self)


mock_kling.Mock.task_view = recording_task_view
mock_kling.Handler.do_POST = do_post_with_receive_time
mock_kling.Handler.send = send_recording_creates
mock_kling.Handler.do_GET = do_get_with_records
mock_kling.main()
