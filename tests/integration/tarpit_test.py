"""URL fetches against a tarpit: a loopback port that accepts connections and never answers
(VIDSERVE_FETCH_ALLOW=127.0.0.0/8 lets the server reach it). Four imageUploads pointing at it
hang on the fetch pool, not on the io threads: meanwhile /health, a ping, a modelSearch and a
GET /media each answer in under 100 ms, 20 times; then the uploads end with fetchTimeout (400)
within their total deadline. Over WebSocket the same holds, and a ping on the same connection is
answered while its upload hangs. Stopping the server while uploads hang answers them with
fetchCancelled (503) and exits at once. In the workers, tasks whose input URL is the tarpit hold no
worker: another key's task without URL inputs completes well within the fetch deadline."""
import base64
import json
import os
import socket
import struct
import sys
import threading
import time
import unittest
import urllib.error
import urllib.request

from vidserve_harness import KEY_A, KEY_B, Server, make_image, new_uuid

BINARY = os.environ["VIDSERVE_BIN"]
ENV = {"VIDSERVE_FETCH_ALLOW": "127.0.0.0/8"}
UPLOAD_DEADLINE = 8   # --upload-fetch-timeout
INPUT_DEADLINE = 30   # --input-fetch-timeout
FAST = 0.1            # every request while the tarpit holds fetches


class Tarpit:
    """Accepts every connection, reads nothing, answers nothing, closes only at the end."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.held = []
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with self.lock:
                self.held.append(conn)

    def url(self, path):
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}{path}"

    def wait_for_connections(self, n, timeout=10):
        deadline = time.time() + timeout
        while time.time() < deadline:
            with self.lock:
                if len(self.held) >= n:
                    return
            time.sleep(0.02)
        raise AssertionError(f"the tarpit saw fewer than {n} connections")

    def close(self):
        self.sock.close()
        with self.lock:
            for c in self.held:
                c.close()


def timed(fn):
    start = time.monotonic()
    result = fn()
    return time.monotonic() - start, result


def post_raw(base, tasks, key=KEY_A, timeout=60):
    req = urllib.request.Request(base + "/v1", data=json.dumps(tasks).encode(), method="POST",
                                 headers={"Content-Type": "application/json", "Authorization": f"Bearer {key}"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


class WebSocket:
    """The smallest client that works here: one text frame out (masked), whole frames in."""

    def __init__(self, base):
        host, port = base.split("//")[1].split(":")
        self.sock = socket.create_connection((host, int(port)), timeout=30)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET /v1 HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
                           f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                           "Sec-WebSocket-Version: 13\r\n\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:
            head += self.sock.recv(1)
        assert b" 101 " in head.split(b"\r\n")[0], head

    def send(self, obj):
        data = json.dumps(obj).encode()
        mask = os.urandom(4)
        header = bytes([0x81])
        if len(data) < 126:
            header += bytes([0x80 | len(data)])
        else:
            header += bytes([0x80 | 126]) + struct.pack("!H", len(data))
        self.sock.sendall(header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))

    def _exact(self, n):
        out = b""
        while len(out) < n:
            chunk = self.sock.recv(n - len(out))
            if not chunk:
                raise ConnectionError("closed")
            out += chunk
        return out

    def receive(self, timeout):
        self.sock.settimeout(timeout)
        b0, b1 = self._exact(2)
        length = b1 & 0x7F
        if length == 126:
            length = struct.unpack("!H", self._exact(2))[0]
        elif length == 127:
            length = struct.unpack("!Q", self._exact(8))[0]
        return json.loads(self._exact(length))

    def close(self):
        self.sock.close()


class TarpitUploadTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tarpit = Tarpit()
        cls.server = Server(BINARY, workers=2, env=ENV,
                            extra_args=["--upload-fetch-timeout", str(UPLOAD_DEADLINE),
                                        "--input-fetch-timeout", str(INPUT_DEADLINE)]).start()
        png = make_image(os.path.join(cls.server.data_dir, "red.png"), 64, 64)
        with open(png, "rb") as f:
            uri = "data:image/png;base64," + base64.b64encode(f.read()).decode()
        status, body = cls.server.post([{"taskType": "imageUpload", "taskUUID": new_uuid(), "image": uri}])
        assert status == 200, body
        cls.media_url = body["data"][0]["imageURL"]

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        cls.tarpit.close()

    def probes(self):
        """One round of requests that must not wait for any fetch; their durations."""
        s = self.server
        health = timed(lambda: s.get(s.base + "/health"))
        ping = timed(lambda: post_raw(s.base, [{"taskType": "ping", "ping": True}]))
        search = timed(lambda: post_raw(s.base, [{"taskType": "modelSearch", "taskUUID": new_uuid(),
                                                   "search": "kling"}]))
        media = timed(lambda: s.get(self.media_url))
        self.assertEqual(health[1][0], 200)
        self.assertEqual(ping[1][1]["data"][0]["pong"], True)
        self.assertGreater(search[1][1]["data"][0]["totalResults"], 0)
        self.assertEqual(media[1][0], 200)
        return {"health": health[0], "ping": ping[0], "modelSearch": search[0], "media": media[0]}

    def assert_fast_while(self, hanging):
        worst = {}
        for _ in range(20):
            for name, seconds in self.probes().items():
                worst[name] = max(worst.get(name, 0), seconds)
        self.assertTrue(hanging(), "the uploads ended before the probes did; the test proved nothing")
        print("slowest of 20 while 4 uploads hang: " +
              ", ".join(f"{k} {v * 1000:.1f} ms" for k, v in worst.items()), file=sys.stderr)
        for name, seconds in worst.items():
            self.assertLess(seconds, FAST, name)

    def test_four_rest_uploads_to_a_tarpit_block_nothing_else(self):
        before = len(self.tarpit.held)
        results = [None] * 4

        def upload(i):
            task = {"taskType": "imageUpload", "taskUUID": new_uuid(), "image": self.tarpit.url(f"/rest-{i}.png")}
            results[i] = timed(lambda: post_raw(self.server.base, [task], timeout=UPLOAD_DEADLINE + 30)) + (task,)

        threads = [threading.Thread(target=upload, args=(i,)) for i in range(4)]
        for t in threads:
            t.start()
        self.tarpit.wait_for_connections(before + 4)
        self.assert_fast_while(lambda: all(t.is_alive() for t in threads))
        for t in threads:
            t.join()
        for seconds, (status, body), task in results:
            error = body["errors"][0]
            self.assertEqual(status, 400, body)
            self.assertEqual((error["code"], error["parameter"], error["taskUUID"]),
                             ("fetchTimeout", "image", task["taskUUID"]))
            self.assertIn(f"{UPLOAD_DEADLINE} s", error["message"])
            self.assertLess(seconds, UPLOAD_DEADLINE + 3)

    def test_websocket_upload_to_a_tarpit_blocks_neither_the_server_nor_its_connection(self):
        before = len(self.tarpit.held)
        ws = WebSocket(self.server.base)
        try:
            ws.send([{"taskType": "authentication", "apiKey": KEY_B}])
            self.assertIn("connectionSessionUUID", ws.receive(10)["data"][0])
            task = {"taskType": "imageUpload", "taskUUID": new_uuid(), "image": self.tarpit.url("/ws.png")}
            start = time.monotonic()
            ws.send([task])
            self.tarpit.wait_for_connections(before + 1)
            seconds, pong = timed(lambda: (ws.send([{"taskType": "ping", "ping": True}]), ws.receive(10))[1])
            self.assertEqual(pong["data"][0]["pong"], True)
            self.assertLess(seconds, FAST)
            self.assertLess(max(self.probes().values()), FAST)
            reply = ws.receive(UPLOAD_DEADLINE + 10)
            self.assertEqual(reply["errors"][0]["code"], "fetchTimeout")
            self.assertEqual(reply["errors"][0]["taskUUID"], task["taskUUID"])
            self.assertLess(time.monotonic() - start, UPLOAD_DEADLINE + 3)
        finally:
            ws.close()


class TarpitInputTest(unittest.TestCase):
    def test_tasks_waiting_for_a_tarpit_input_do_not_delay_another_keys_task(self):
        tarpit = Tarpit()
        server = Server(BINARY, workers=2, env=ENV,
                        extra_args=["--input-fetch-timeout", str(INPUT_DEADLINE)]).start()
        try:
            stuck = []
            for i in range(4):
                task = {"taskType": "videoInference", "taskUUID": new_uuid(), "model": "klingai:3@1",
                        "positivePrompt": "waits for its input", "duration": 5,
                        "inputs": {"frameImages": [tarpit.url(f"/input-{i}.png")]}}
                self.assertEqual(server.post([task])[0], 200)
                stuck.append(task["taskUUID"])
            tarpit.wait_for_connections(4)
            plain = {"taskType": "videoInference", "taskUUID": new_uuid(), "model": "klingai:kling-video@3-standard",
                     "positivePrompt": "another key's task", "width": 720, "height": 1280, "duration": 3}
            start = time.monotonic()
            self.assertEqual(server.post([plain], key=KEY_B)[0], 200)
            status, body = server.poll(plain["taskUUID"], key=KEY_B, timeout=INPUT_DEADLINE)
            elapsed = time.monotonic() - start
            print(f"another key's task finished after {elapsed:.1f} s while 4 tasks wait for the tarpit "
                  f"(input deadline {INPUT_DEADLINE} s)", file=sys.stderr)
            self.assertEqual(body["data"][0]["status"], "success")
            self.assertLess(elapsed, INPUT_DEADLINE)
            for task_uuid in stuck:  # still waiting: the render did not wait for their deadline
                _, body = server.post([{"taskType": "getResponse", "taskUUID": task_uuid}])
                self.assertEqual(body["data"][0]["status"], "processing", body)
            for task_uuid in stuck:
                _, body = server.poll(task_uuid, timeout=INPUT_DEADLINE + 30)
                error = body["errors"][0]
                self.assertEqual(error["code"], "fetchTimeout")
                self.assertIn("inputs.frameImages[0]", error["message"])
        finally:
            server.stop()
            tarpit.close()


class TarpitStopTest(unittest.TestCase):
    def test_stop_while_uploads_hang_answers_them_and_exits_at_once(self):
        tarpit = Tarpit()
        server = Server(BINARY, workers=1, env=ENV).start()  # default deadline: 30 s
        try:
            results = [None] * 4

            def upload(i):
                task = {"taskType": "imageUpload", "taskUUID": new_uuid(), "image": tarpit.url(f"/stop-{i}.png")}
                results[i] = post_raw(server.base, [task], timeout=60)

            threads = [threading.Thread(target=upload, args=(i,)) for i in range(4)]
            for t in threads:
                t.start()
            tarpit.wait_for_connections(4)
            seconds, _ = timed(server.stop)
            for t in threads:
                t.join()
            print(f"stop with 4 uploads hanging took {seconds:.2f} s", file=sys.stderr)
            self.assertLess(seconds, 10)
            for status, body in results:
                self.assertEqual((status, body["errors"][0]["code"]), (503, "fetchCancelled"), body)
        finally:
            if server.proc.poll() is None:
                server.kill()
            tarpit.close()


if __name__ == "__main__":
    unittest.main()
