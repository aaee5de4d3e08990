#!/usr/bin/env python3
"""Runs tests/mock_kling/mock_kling.py unchanged, but with TCP_NODELAY on its sockets.

The mock's http.server handler writes the headers and the body of each reply as two small writes.
On a keep-alive connection, Nagle's algorithm holds the second write until the client ACKs the
first, and the client delays that ACK by ~40 ms (Linux delayed ACK): every call on a reused
connection would take ~40 ms. vidserve does not see this (it opens a new connection per Kling
call, and a fresh connection ACKs at once); the benchmark client does, so the direct baseline
would be ~40 ms too slow per call.

For the benchmark's breakdown it also records when each task was first reported "succeed" to
anyone (epoch seconds), served as JSON at GET /_bench/first_succeed. Same arguments as mock_kling.py.
"""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "mock_kling"))
import mock_kling  # noqa: E402

mock_kling.Handler.disable_nagle_algorithm = True  # socketserver.StreamRequestHandler: TCP_NODELAY

first_succeed = {}
task_view = mock_kling.Mock.task_view


def recording_task_view(self, task):
    data = task_view(self, task)
    if data["task_status"] == "succeed":
        with self.lock:
            first_succeed.setdefault(task["id"], time.time())
    return data


do_get = mock_kling.Handler.do_GET


def do_get_with_bench(self):
    if self.path == "/_bench/first_succeed":
        with self.server.mock.lock:
            return self.send(200, dict(first_succeed))
    return do_get(self)


mock_kling.Mock.task_view = recording_task_view
mock_kling.Handler.do_GET = do_get_with_bench
mock_kling.main()
