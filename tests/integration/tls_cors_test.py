"""The real binary with TLS (--tls-cert/--tls-key, SIGHUP reload, start errors) and CORS
(--cors-origin: preflights and the headers of real answers), over loopback."""
import http.client
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
import unittest
import uuid

from vidserve_harness import KEY_A, Server

BINARY = os.environ["VIDSERVE_BIN"]
TLS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "tls")


def pair(name):
    return os.path.join(TLS, f"server-{name}.pem"), os.path.join(TLS, f"server-{name}.key")


def client_context():
    return ssl.create_default_context(cafile=os.path.join(TLS, "ca.pem"))


def host_port(base):
    host, port = base.split("//", 1)[1].rsplit(":", 1)
    return host, int(port)


def peer_name(base):
    """The common name of the certificate a new TLS connection gets."""
    host, port = host_port(base)
    with socket.create_connection((host, port), timeout=5) as raw:
        with client_context().wrap_socket(raw, server_hostname=host) as tls:
            subject = dict(item[0] for item in tls.getpeercert()["subject"])
            return subject["commonName"]


def call(base, method, path, body=None, headers=None):
    """(status, headers as a lower-case dict, body bytes) over HTTP or HTTPS."""
    host, port = host_port(base)
    if base.startswith("https:"):
        conn = http.client.HTTPSConnection(host, port, timeout=60, context=client_context())
    else:
        conn = http.client.HTTPConnection(host, port, timeout=60)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        res = conn.getresponse()
        return res.status, {k.lower(): v for k, v in res.getheaders()}, res.read()
    finally:
        conn.close()


def image_task():
    return json.dumps([{"taskType": "imageInference", "taskUUID": str(uuid.uuid4()), "model": "klingai:kling-image@3",
                        "positivePrompt": "a teapot", "width": 1360, "height": 768, "outputFormat": "PNG"}])


def start_error(*args, env=None):
    """The exit code and stderr of `vidserve serve ARGS` that fails to start."""
    data = tempfile.mkdtemp(prefix="vidserve-tls-")
    try:
        proc = subprocess.run([BINARY, "serve", "--listen", "127.0.0.1:0", "--data", data, *args], capture_output=True,
                              text=True, timeout=60, env=dict(os.environ, **(env or {})))
        return proc.returncode, proc.stderr
    finally:
        shutil.rmtree(data, ignore_errors=True)


class TlsTest(unittest.TestCase):
    def test_https_base_url_requests_and_media(self):
        cert, key = pair("a")
        server = Server(BINARY, workers=1, env={"VIDSERVE_TLS_CERT": cert, "VIDSERVE_TLS_KEY": key}).start()
        try:
            self.assertTrue(server.base.startswith("https://127.0.0.1:"), server.base)
            self.assertEqual(peer_name(server.base), "vidserve test A")
            status, _, body = call(server.base, "POST", "/v1", image_task(),
                                   {"Authorization": f"Bearer {KEY_A}", "Content-Type": "application/json"})
            self.assertEqual(status, 200, body)
            url = json.loads(body)["data"][0]["imageURL"]
            self.assertTrue(url.startswith(server.base + "/media/"), url)  # media links are https too
            status, headers, png = call(server.base, "GET", url[len(server.base):])
            self.assertEqual((status, headers["content-type"], png[:4]), (200, "image/png", b"\x89PNG"))
            # Plain HTTP on the TLS port gets no HTTP answer.
            with self.assertRaises((http.client.HTTPException, ConnectionError, OSError)):
                call(server.base.replace("https:", "http:"), "GET", "/health")
        finally:
            server.stop()

    def test_sighup_reloads_the_pair_and_keeps_it_when_the_new_one_is_bad(self):
        files = tempfile.mkdtemp(prefix="vidserve-tls-")
        cert, key = os.path.join(files, "cert.pem"), os.path.join(files, "key.pem")

        def install(name):
            shutil.copyfile(pair(name)[0], cert)
            shutil.copyfile(pair(name)[1], key)

        install("a")
        server = Server(BINARY, workers=0, extra_args=["--tls-cert", cert, "--tls-key", key]).start()
        try:
            self.assertEqual(peer_name(server.base), "vidserve test A")
            install("b")
            server.proc.send_signal(signal.SIGHUP)
            deadline = time.time() + 10
            while peer_name(server.base) != "vidserve test B" and time.time() < deadline:
                time.sleep(0.1)
            self.assertEqual(peer_name(server.base), "vidserve test B")
            shutil.copyfile(pair("a")[1], key)  # B's certificate with A's key: refused
            server.proc.send_signal(signal.SIGHUP)
            time.sleep(0.5)
            self.assertIsNone(server.proc.poll())
            self.assertEqual(peer_name(server.base), "vidserve test B")
            status, _, _ = call(server.base, "GET", "/health")
            self.assertEqual(status, 200)
        finally:
            server.stop()
            shutil.rmtree(files, ignore_errors=True)
        log = server.proc.stderr.read()
        self.assertIn("SIGHUP: TLS certificate and key reloaded", log)
        self.assertIn("SIGHUP: the TLS certificate and key stay as they were", log)
        self.assertIn("does not belong to the certificate", log)

    def test_start_errors_are_clear(self):
        cert, key = pair("a")
        code, err = start_error("--tls-cert", cert)
        self.assertEqual(code, 1)
        self.assertIn("both --tls-cert and --tls-key", err)
        code, err = start_error("--tls-cert", cert, "--tls-key", pair("b")[1])
        self.assertEqual(code, 1)
        self.assertIn("does not belong to the certificate", err)
        code, err = start_error(env={"VIDSERVE_TLS_CERT": "/nonexistent/cert.pem", "VIDSERVE_TLS_KEY": key})
        self.assertEqual(code, 1)
        self.assertIn("/nonexistent/cert.pem", err)
        code, err = start_error("--cors-origin", "ftp://x")
        self.assertEqual(code, 1)
        self.assertIn("--cors-origin needs", err)


ALLOWED = "https://app.example"
OTHER = "https://evil.example"


class CorsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server(BINARY, workers=1,
                            env={"VIDSERVE_CORS_ORIGINS": f" {ALLOWED}/ ,http://localhost:3000"}).start()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def preflight(self, path, origin=ALLOWED, method="POST"):
        return call(self.server.base, "OPTIONS", path, headers={
            "Origin": origin, "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": "authorization,content-type"})

    def test_preflights_of_the_cors_routes(self):
        for path, methods in [("/v1", "POST"), ("/v1/tasks/abc", "GET, POST, DELETE"), ("/v1/videos/text2video", "GET, POST"),
                              ("/kling/v1/videos/image2video/1", "GET, POST"), ("/media/x.mp4", "GET, HEAD")]:
            status, headers, _ = self.preflight(path)
            self.assertEqual(status, 204, path)
            self.assertEqual(headers["access-control-allow-origin"], ALLOWED)
            self.assertEqual(headers["access-control-allow-methods"], methods)
            allowed_headers = [h.strip().lower() for h in headers["access-control-allow-headers"].split(",")]
            self.assertIn("authorization", allowed_headers)
            self.assertIn("content-type", allowed_headers)
            self.assertIn("x-api-key", allowed_headers)
            self.assertEqual(headers["access-control-max-age"], "600")
            self.assertEqual(headers["vary"], "Origin")
        # The second configured origin, and the same origin in other case.
        self.assertEqual(self.preflight("/v1", "http://localhost:3000")[0], 204)
        self.assertEqual(self.preflight("/v1", "HTTPS://APP.example")[0], 204)

    def test_other_origins_and_other_options(self):
        status, headers, body = self.preflight("/v1", OTHER)
        self.assertEqual(status, 403)
        self.assertEqual(json.loads(body)["errors"][0]["code"], "originNotAllowed")
        self.assertNotIn("access-control-allow-origin", headers)
        self.assertEqual(self.preflight("/v1", "https://app.example:8443")[0], 403)  # the port is part of it
        status, headers, _ = call(self.server.base, "OPTIONS", "/v1/tasks/abc")  # not a preflight
        self.assertEqual((status, headers["allow"]), (204, "GET, POST, DELETE, OPTIONS"))
        self.assertNotIn("access-control-allow-origin", headers)
        self.assertEqual(self.preflight("/nowhere")[0], 404)

    def test_answers_carry_cors_headers_for_allowed_origins_only(self):
        json_headers = {"Authorization": f"Bearer {KEY_A}", "Content-Type": "application/json"}
        status, headers, body = call(self.server.base, "POST", "/v1", image_task(), dict(json_headers, Origin=ALLOWED))
        self.assertEqual(status, 200, body)
        self.assertEqual((headers["access-control-allow-origin"], headers["vary"]), (ALLOWED, "Origin"))
        self.assertIn("Retry-After", headers["access-control-expose-headers"])
        media = json.loads(body)["data"][0]["imageURL"][len(self.server.base):]
        status, headers, _ = call(self.server.base, "GET", media, headers={"Origin": ALLOWED})
        self.assertEqual((status, headers["access-control-allow-origin"]), (200, ALLOWED))
        status, headers, _ = call(self.server.base, "GET", media, headers={"Origin": ALLOWED, "Range": "bytes=0-9"})
        self.assertEqual((status, headers["access-control-allow-origin"]), (206, ALLOWED))
        # Errors too, so that the page can read them: no key (401), an unknown path (404).
        status, headers, _ = call(self.server.base, "POST", "/v1", image_task(), {"Origin": ALLOWED})
        self.assertEqual((status, headers["access-control-allow-origin"]), (401, ALLOWED))
        status, headers, _ = call(self.server.base, "GET", "/v1/videos/text2video/nope", headers={"Origin": ALLOWED})
        self.assertEqual(headers["access-control-allow-origin"], ALLOWED)
        # Another origin, or none: no CORS headers.
        for extra in ({"Origin": OTHER}, {}):
            status, headers, _ = call(self.server.base, "POST", "/v1", image_task(), dict(json_headers, **extra))
            self.assertEqual(status, 200)
            self.assertNotIn("access-control-allow-origin", headers)
            self.assertNotIn("vary", headers)

    def test_any_origin(self):
        server = Server(BINARY, workers=0, extra_args=["--cors-origin", "*"]).start()
        try:
            status, headers, _ = call(server.base, "OPTIONS", "/v1", headers={
                "Origin": OTHER, "Access-Control-Request-Method": "POST"})
            self.assertEqual((status, headers["access-control-allow-origin"]), (204, "*"))
            self.assertNotIn("vary", headers)
            status, headers, _ = call(server.base, "GET", "/health", headers={"Origin": OTHER})
            self.assertEqual((status, headers["access-control-allow-origin"]), (200, "*"))
        finally:
            server.stop()

    def test_no_cors_by_default(self):
        server = Server(BINARY, workers=0).start()
        try:
            status, headers, body = call(server.base, "OPTIONS", "/v1", headers={
                "Origin": ALLOWED, "Access-Control-Request-Method": "POST"})
            self.assertEqual(status, 403)
            self.assertIn("--cors-origin", json.loads(body)["errors"][0]["message"])
            status, headers, _ = call(server.base, "GET", "/health", headers={"Origin": ALLOWED})
            self.assertNotIn("access-control-allow-origin", headers)
        finally:
            server.stop()


if __name__ == "__main__":
    unittest.main()
