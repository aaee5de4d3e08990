"""Per-key limits on the real binary: a key over its request rate gets 429 with Retry-After in each
API's own error shape (Runware REST and WebSocket, Kling native, APIMart) while another key is not
affected; limits stored with a key (`vidserve keys limits`) win over the serve flags; a kling-engine
spend cap refuses, before it reaches Kling (tests/mock_kling), the task that would cross it."""
import json
import os
import subprocess
import tempfile
import time
import unittest
import urllib.error
import urllib.request

from kling_engine_test import ACCESS_KEY, SECRET_KEY, kling_env
from tarpit_test import WebSocket
from vidserve_harness import KEY_A, KEY_B, MockKling, Server, new_uuid

BINARY = os.environ["VIDSERVE_BIN"]
PING = [{"taskType": "ping"}]


def request(base, path, key, body=None, method=None):
    req = urllib.request.Request(base + path, data=json.dumps(body).encode() if body is not None else None,
                                 method=method or ("POST" if body is not None else "GET"),
                                 headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return resp.status, dict(resp.headers), json.loads(resp.read() or b"{}")
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), json.loads(e.read() or b"{}")


class RateLimitTest(unittest.TestCase):
    """--rate-limit 0.2 --rate-burst 3: three requests at once, then one every 5 s."""

    @classmethod
    def setUpClass(cls):
        cls.server = Server(BINARY, extra_args=["--rate-limit", "0.2", "--rate-burst", "3"]).start()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def exhaust(self, key, call):
        """Spends the key's burst with `call`; returns the first refused answer."""
        for _ in range(10):
            status, headers, body = call(key)
            if status == 429:
                return headers, body
        self.fail("no 429 after 10 requests")

    def assert_retry_after(self, headers):
        wait = int(headers["Retry-After"])
        self.assertGreaterEqual(wait, 1)
        self.assertLessEqual(wait, 5)

    def test_runware_rest_429_and_another_key_unaffected(self):
        runware = lambda key: request(self.server.base, "/v1", key, PING)
        headers, body = self.exhaust(KEY_A, runware)
        self.assert_retry_after(headers)
        self.assertEqual(body["errors"][0]["code"], "rateLimitExceeded")
        self.assertIn("retry in", body["errors"][0]["message"])
        status, _, body = runware(KEY_B)
        self.assertEqual(status, 200, body)
        self.assertEqual(body["data"][0]["taskType"], "ping")
        # The limit applies to the key across the APIs: Kling native and APIMart refuse it too, each
        # in its own error shape.
        status, headers, kling = request(self.server.base, "/v1/videos/text2video/nope", KEY_A)
        self.assertEqual(status, 429, kling)
        self.assert_retry_after(headers)
        self.assertEqual(kling["code"], 1302)
        self.assertIn("rate limit", kling["message"])
        self.assertIn("request_id", kling)
        status, headers, apimart = request(self.server.base, "/v1/tasks/task_nope", KEY_A)
        self.assertEqual(status, 429, apimart)
        self.assert_retry_after(headers)
        self.assertEqual(apimart["code"], 429)
        self.assertEqual(apimart["error"]["type"], "rate_limit_error")
        self.assertEqual(apimart["error"]["code"], "rate_limit_exceeded")

    def test_websocket_messages_count_and_the_socket_stays_open(self):
        ws = WebSocket(self.server.base)
        try:
            ws.send([{"taskType": "authentication", "apiKey": KEY_B}])
            self.assertEqual(ws.receive(10)["data"][0]["taskType"], "authentication")
            codes = []
            for _ in range(6):
                ws.send(PING)
                reply = ws.receive(10)
                codes.append(reply["errors"][0]["code"] if "errors" in reply else reply["data"][0]["taskType"])
            self.assertIn("rateLimitExceeded", codes)
            self.assertEqual(codes[0], "ping")
            time.sleep(5.5)  # one token back at 0.2/s
            ws.send(PING)
            self.assertEqual(ws.receive(10)["data"][0]["taskType"], "ping")  # same connection, still open
        finally:
            ws.close()


class StoredLimitsTest(unittest.TestCase):
    def test_a_keys_own_rate_wins_over_the_flags(self):
        data = tempfile.mkdtemp(prefix="vidserve-limits-")
        key = subprocess.run([BINARY, "keys", "create", "--label", "slow", "--data", data],
                             capture_output=True, text=True, check=True).stdout.strip()
        listed = subprocess.run([BINARY, "keys", "list", "--data", data], capture_output=True, text=True,
                                check=True).stdout
        key_id = listed.split()[0]
        self.assertIn("rate default  burst default  spend cap default  spent $0.00", listed)
        out = subprocess.run([BINARY, "keys", "limits", key_id, "--rate", "0.1", "--burst", "2",
                              "--spend-cap", "20", "--data", data], capture_output=True, text=True, check=True).stdout
        self.assertIn("rate 0.1/s  burst 2  spend cap $20.00", out)
        bad = subprocess.run([BINARY, "keys", "limits", key_id, "--spend-cap", "1e3", "--data", data],
                             capture_output=True, text=True)
        self.assertNotEqual(bad.returncode, 0)
        server = Server(BINARY, data_dir=data, extra_args=["--rate-limit", "100"]).start()
        try:
            statuses = [request(server.base, "/v1", key, PING)[0] for _ in range(3)]
            self.assertEqual(statuses, [200, 200, 429])
            self.assertEqual([request(server.base, "/v1", KEY_A, PING)[0] for _ in range(3)], [200] * 3)
        finally:
            server.stop()
        out = subprocess.run([BINARY, "keys", "limits", key_id, "--clear", "--data", data],
                             capture_output=True, text=True, check=True).stdout
        self.assertIn("rate default  burst default  spend cap default", out)


class SpendCapTest(unittest.TestCase):
    """--spend-cap 0.40 for every key; a 5 s klingai:3@1 task costs $0.185."""

    @classmethod
    def setUpClass(cls):
        cls.mock = MockKling(ACCESS_KEY, SECRET_KEY, delay=1)
        cls.server = Server(BINARY, workers=1, env=kling_env(cls.mock.base),
                            extra_args=["--spend-cap", "0.40"]).start()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        cls.mock.stop()

    def creates(self):
        with urllib.request.urlopen(self.mock.base + "/_mock/stats", timeout=10) as resp:
            return json.loads(resp.read())["calls"].get("POST videos/text2video", 0)

    @staticmethod
    def task():
        return {"taskType": "videoInference", "taskUUID": new_uuid(), "model": "klingai:3@1",
                "positivePrompt": "a paid clip", "duration": 5, "includeCost": True}

    def test_the_task_that_would_cross_the_cap_never_reaches_kling(self):
        before = self.creates()
        # Three tasks in one request: each fits the cap at submission ($0 spent); the worker charges
        # them one by one, and the third, which would make $0.555, fails before Kling sees it.
        tasks = [self.task() for _ in range(3)]
        status, body = self.server.post(tasks, key=KEY_A)
        self.assertEqual(status, 200, body)
        results = [self.server.poll(t["taskUUID"], key=KEY_A, timeout=60)[1] for t in tasks]
        errors = [r["errors"][0] for r in results if "errors" in r]
        self.assertEqual(len(errors), 1, results)
        self.assertEqual(errors[0]["code"], "spendCapExceeded")
        self.assertIn("its cap of $0.40 (spent so far: $0.37)", errors[0]["message"])
        self.assertEqual(self.creates() - before, 2)
        # Now the price is known to cross the cap at submission: refused at once, in each API's shape.
        status, body = self.server.post([self.task()], key=KEY_A)
        self.assertEqual(status, 402, body)
        self.assertEqual(body["errors"][0]["code"], "spendCapExceeded")
        self.assertIn("$0.40", body["errors"][0]["message"])
        status, _, kling = request(self.server.base, "/v1/videos/text2video", KEY_A,
                                   {"model_name": "kling-v1-6", "prompt": "paid", "duration": "5", "mode": "std"})
        self.assertEqual((status, kling["code"]), (402, 1102), kling)
        self.assertIn("$0.40", kling["message"])
        status, _, apimart = request(self.server.base, "/v1/videos/generations", KEY_A,
                                     {"model": "kling-v2-6", "prompt": "paid", "mode": "std", "duration": 5})
        self.assertEqual(status, 402, apimart)
        self.assertEqual(apimart["error"]["code"], "spend_cap_exceeded")
        self.assertEqual(self.creates() - before, 2)
        # Another key has its own spend.
        task = self.task()
        self.assertEqual(self.server.post([task], key=KEY_B)[0], 200)
        self.assertNotIn("errors", self.server.poll(task["taskUUID"], key=KEY_B, timeout=60)[1])
        self.assertEqual(self.creates() - before, 3)


if __name__ == "__main__":
    unittest.main()
