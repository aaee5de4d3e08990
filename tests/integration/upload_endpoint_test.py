"""uploadEndpoint end to end: the real binary (preview engine) PUTs each result to a receiver on
loopback (allowed by VIDSERVE_FETCH_ALLOW=127.0.0.0/8) with its Content-Type, byte for byte what
the media URL serves; the result names the upload URL. A receiver that answers 503 is retried; one
that answers 403 fails the task with uploadFailed, and so does a refused private address when the
allow-list is not set; either way the media stays served at the URL the error names."""
import os
import re
import threading
import unittest
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from vidserve_harness import Server, new_uuid

BINARY = os.environ["VIDSERVE_BIN"]
ENV = {"VIDSERVE_FETCH_ALLOW": "127.0.0.0/8"}


class PutReceiver:
    """Records every PUT. /forbidden answers 403; /flaky... answers 503 to its first two PUTs."""

    def __init__(self):
        self.puts = []  # (path, headers, body)
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_PUT(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with receiver.lock:
                    receiver.puts.append((self.path, dict(self.headers), body))
                    seen = sum(1 for p in receiver.puts if p[0] == self.path)
                status = 201
                if self.path.startswith("/forbidden"):
                    status = 403
                elif self.path.startswith("/flaky") and seen <= 2:
                    status = 503
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def url(self, path):
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"

    def received(self, path):
        with self.lock:
            return [p for p in self.puts if p[0] == path]

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def video_task(upload, **extra):
    return dict({"taskType": "videoInference", "taskUUID": new_uuid(), "model": "klingai:kling-video@3-standard",
                 "positivePrompt": "a quiet harbour at dawn", "width": 720, "height": 1280, "duration": 3,
                 "uploadEndpoint": upload}, **extra)


class UploadEndpointTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.receiver = PutReceiver()
        cls.server = Server(BINARY, workers=2, env=ENV).start()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        cls.receiver.close()

    def test_video_is_put_byte_identical_with_its_type(self):
        path = "/bucket/out.mp4?signature=abc"
        task = video_task(self.receiver.url(path))
        self.assertEqual(self.server.post([task])[0], 200)
        _, polled = self.server.poll(task["taskUUID"])
        item = polled["data"][0]
        self.assertEqual(item["uploadEndpoint"], self.receiver.url(path))
        (_, headers, body), = self.receiver.received(path)
        self.assertEqual(headers["Content-Type"], "video/mp4")
        status, _, served = self.server.get(item["videoURL"])
        self.assertEqual(status, 200)
        self.assertGreater(len(served), 1000)
        self.assertEqual(body, served)

    def test_image_is_put_with_its_output_format(self):
        path = "/image.png"
        task = {"taskType": "imageInference", "taskUUID": new_uuid(), "model": "klingai:kling-image@3",
                "positivePrompt": "a teapot", "width": 1024, "height": 1024, "outputFormat": "PNG",
                "uploadEndpoint": self.receiver.url(path)}
        status, body = self.server.post([task])
        self.assertEqual(status, 200, body)
        item = body["data"][0]
        self.assertEqual(item["uploadEndpoint"], self.receiver.url(path))
        (_, headers, uploaded), = self.receiver.received(path)
        self.assertEqual(headers["Content-Type"], "image/png")
        self.assertEqual(uploaded[:8], b"\x89PNG\r\n\x1a\n")
        self.assertEqual(uploaded, self.server.get(item["imageURL"])[2])

    def test_unavailable_receiver_is_retried(self):
        path = "/flaky/out.mp4"
        task = video_task(self.receiver.url(path))
        self.assertEqual(self.server.post([task])[0], 200)
        _, polled = self.server.poll(task["taskUUID"], timeout=120)
        self.assertEqual(polled["data"][0]["status"], "success")
        puts = self.receiver.received(path)
        self.assertEqual(len(puts), 3)  # 503, 503, 201
        self.assertEqual(len({p[2] for p in puts}), 1)  # the same bytes every time

    def test_refusing_receiver_fails_the_task_and_the_media_stays_served(self):
        path = "/forbidden/out.mp4"
        task = video_task(self.receiver.url(path))
        self.assertEqual(self.server.post([task])[0], 200)
        _, polled = self.server.poll(task["taskUUID"])
        error = polled["errors"][0]
        self.assertEqual(error["code"], "uploadFailed")
        self.assertEqual(error["parameter"], "uploadEndpoint")
        self.assertIn("HTTP 403", error["message"])
        self.assertEqual(len(self.receiver.received(path)), 1)  # a 403 is not retried
        media_url = re.search(r"(http://\S+/media/\S+?\.mp4)", error["message"]).group(1)
        status, headers, served = self.server.get(media_url)
        self.assertEqual(status, 200)
        self.assertEqual(headers["Content-Type"], "video/mp4")
        self.assertEqual(served, self.receiver.received(path)[0][2])

    def test_private_address_is_refused_without_the_allow_list(self):
        server = Server(BINARY, workers=1).start()  # no VIDSERVE_FETCH_ALLOW
        try:
            path = "/refused.mp4"
            task = video_task(self.receiver.url(path))
            self.assertEqual(server.post([task])[0], 200)
            _, polled = server.poll(task["taskUUID"])
            error = polled["errors"][0]
            self.assertEqual(error["code"], "addressRefused")
            self.assertEqual(error["parameter"], "uploadEndpoint")
            self.assertEqual(self.receiver.received(path), [])
            media_url = re.search(r"(http://\S+/media/\S+?\.mp4)", error["message"]).group(1)
            self.assertEqual(server.get(media_url)[0], 200)
        finally:
            server.stop()


if __name__ == "__main__":
    unittest.main()
