"""Raw HTTP/1.1 over a loopback socket, for requests that http.client or curl would refuse to send
(duplicate Content-Length, bad transfer codings, invalid bytes) and for telling whether the server
closed the connection after answering."""
import socket
import time


class Reply:
    def __init__(self, status, headers, body, closed):
        self.status = status      # None when the server closed without answering
        self.headers = headers    # lower-case name -> value (the last one wins)
        self.body = body          # bytes
        self.closed = closed      # the server closed the connection after the reply

    @property
    def size(self):
        return len(self.body)


def _recv(sock, deadline):
    """The next bytes, or None at end of stream, on a reset or when the deadline passed."""
    sock.settimeout(max(0.01, deadline - time.monotonic()))
    try:
        return sock.recv(65536) or None
    except (socket.timeout, ConnectionResetError):
        return None


def _read_until(sock, buf, marker, deadline):
    while marker not in buf:
        chunk = _recv(sock, deadline)
        if chunk is None:
            return buf, True
        buf += chunk
    return buf, False


def _read_exact(sock, buf, size, deadline):
    while len(buf) < size:
        chunk = _recv(sock, deadline)
        if chunk is None:
            return buf, True
        buf += chunk
    return buf, False


def _read_chunked(sock, buf, deadline):
    body = b""
    while True:
        buf, eof = _read_until(sock, buf, b"\r\n", deadline)
        if eof:
            return body, buf, True
        line, buf = buf.split(b"\r\n", 1)
        size = int(line.split(b";")[0], 16)
        buf, eof = _read_exact(sock, buf, size + 2, deadline)
        if eof:
            return body, buf, True
        body += buf[:size]
        buf = buf[size + 2:]
        if size == 0:
            return body, buf, False


def _closed_after(sock, deadline):
    """True when the peer ends the connection (EOF or reset) before the deadline."""
    while True:
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            return False
        except ConnectionResetError:
            return True
        if not chunk:
            return True
        if time.monotonic() > deadline:
            return False


def exchange(host, port, request, timeout=60.0, close_wait=3.0, head=False):
    """Sends the request bytes (ignoring a reset while sending: the server may answer early and
    stop reading), reads one response and reports whether the connection was closed after it
    (waiting at most close_wait seconds for the close)."""
    deadline = time.monotonic() + timeout
    with socket.create_connection((host, port), timeout=timeout) as sock:
        try:
            sock.sendall(request)
        except (BrokenPipeError, ConnectionResetError):
            pass
        buf, eof = _read_until(sock, b"", b"\r\n\r\n", deadline)
        if b"\r\n\r\n" not in buf:
            return Reply(None, {}, buf, True)
        head_bytes, buf = buf.split(b"\r\n\r\n", 1)
        lines = head_bytes.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ")[1])
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        if head or status in (204, 304) or 100 <= status < 200:
            body = b""
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            body, buf, eof = _read_chunked(sock, buf, deadline)
        elif "content-length" in headers:
            size = int(headers["content-length"])
            buf, eof = _read_exact(sock, buf, size, deadline)
            body = buf[:size]
        else:
            while not eof:
                buf, eof = _read_exact(sock, buf, len(buf) + 1, deadline)
            body = buf
        if eof:
            return Reply(status, headers, body, True)
        wants_close = headers.get("connection", "").lower() == "close"
        closed = _closed_after(sock, time.monotonic() + close_wait) if wants_close else False
        return Reply(status, headers, body, closed)
