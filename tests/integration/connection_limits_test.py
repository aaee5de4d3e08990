"""Connection limits: idle and slowloris sockets from one address cannot take the server from
others. The server starts at the common file-descriptor soft limit of 1024 (it raises that to
the hard limit itself); the attacker connects from 127.0.0.2, normal clients from 127.0.0.1."""
import http.client
import os
import resource
import socket
import sys
import time
import unittest

from vidserve_harness import KEY_A, Server

BINARY = os.environ["VIDSERVE_BIN"]


def soft_limit_1024():
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(1024, hard), hard))


def open_sockets(port, count, slowloris):
    socks = []
    for _ in range(count):
        s = socket.socket()
        s.settimeout(2)
        s.bind(("127.0.0.2", 0))
        try:
            s.connect(("127.0.0.1", port))
            if slowloris:
                s.send(b"POST /v1 HTTP/1.1\r\nHost: x\r\n")  # and never the rest
        except OSError:
            pass  # refused or reset: the limit at work
        socks.append(s)
    return socks


def timed_requests(server, n):
    slowest = 0.0
    for _ in range(n):
        start = time.monotonic()
        conn = http.client.HTTPConnection(server.base.split("//")[1], timeout=10)
        conn.request("POST", "/v1", body=b'[{"taskType":"ping","ping":true}]',
                     headers={"Authorization": f"Bearer {KEY_A}"})
        res = conn.getresponse()
        res.read()
        conn.close()
        if res.status != 200:
            raise AssertionError(f"status {res.status}")
        slowest = max(slowest, time.monotonic() - start)
    return slowest


def alive(socks):
    count = 0
    for s in socks:
        try:
            s.setblocking(False)
            data = s.recv(1)
            count += 0 if data == b"" else 1
        except BlockingIOError:
            count += 1  # open, nothing to read
        except OSError:
            pass
    return count


class ConnectionLimitsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # this client needs > 2000

    def test_2000_idle_and_slowloris_sockets_leave_normal_requests_fast(self):
        server = Server(BINARY, workers=0, preexec_fn=soft_limit_1024).start()
        try:
            port = int(server.base.rsplit(":", 1)[1])
            socks = open_sockets(port, 1000, slowloris=False) + open_sockets(port, 1000, slowloris=True)
            slowest = timed_requests(server, 20)
            print(f"2000 sockets from 127.0.0.2 ({alive(socks)} still open): slowest of 20 normal requests "
                  f"{slowest * 1000:.1f} ms", file=sys.stderr)
            self.assertLess(slowest, 1.0)
            for s in socks:
                s.close()
        finally:
            server.stop()

    def test_per_address_limit_refuses_the_excess_only(self):
        server = Server(BINARY, workers=0,
                        extra_args=["--max-connections", "300", "--max-connections-per-ip", "100"]).start()
        try:
            port = int(server.base.rsplit(":", 1)[1])
            socks = open_sockets(port, 400, slowloris=False)
            time.sleep(0.5)
            open_count = alive(socks)
            print(f"400 sockets from 127.0.0.2, per-address limit 100: {open_count} kept open", file=sys.stderr)
            self.assertLessEqual(open_count, 100)
            self.assertGreaterEqual(open_count, 90)
            self.assertLess(timed_requests(server, 10), 1.0)  # 127.0.0.1 has its own slots
            for s in socks:
                s.close()
        finally:
            server.stop()
        self.assertLessEqual(server.proc.stderr.read().count("connection refused"), 10)  # throttled log


if __name__ == "__main__":
    unittest.main()
