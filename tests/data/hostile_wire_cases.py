"""The corpus's cases about HTTP itself: methods, Content-Type, framing (Content-Length,
Transfer-Encoding), header and body limits, request lines, /media traversal, unknown routes."""
from hostile_cases_lib import *  # noqa: F401,F403 (add, rw, kl, am, constants)

# ---- HTTP-level abuse -------------------------------------------------------------------------


def raw_request(first_line, headers, body=""):
    text = first_line + "\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers) + "\r\n"
    return [text] + ([body] if isinstance(body, str) else body)


HOST = ["Host", "127.0.0.1"]
PING_TEXT = '[{"taskType":"ping"}]'
for method in ("GET", "PUT", "DELETE", "PATCH", "TRACE", "BREW"):
    add("http", f"{method} /v1", method, "/v1", {"status": 404, "api": "runware", "code": "notFound"},
        headers=[BEARER_A])
# OPTIONS is CORS's preflight; the corpus's server allows no origin.
add("http", "OPTIONS /v1 preflight from an origin not allowed", "OPTIONS", "/v1",
    {"status": 403, "api": "runware", "code": "originNotAllowed"},
    headers=[["Origin", "https://evil.example"], ["Access-Control-Request-Method", "POST"]])
add("http", "CONNECT", "CONNECT", "127.0.0.1:80", {"status": 404, "api": "runware", "code": "notFound"},
    headers=[BEARER_A])
add("http", "lower-case method (an unknown method to HTTP)", "post", "/v1",
    {"status": 404, "api": "runware", "code": "notFound"}, body=PING_TEXT)
for method in ("DELETE", "PATCH", "PUT"):
    add("http", f"{method} a Kling task", method, T2V + "/${TASK_KLING_A}", kl(404, 1202), headers=[BEARER_A])
for method in ("PATCH", "PUT"):
    add("http", f"{method} an APIMart task", method, "/v1/tasks/task_${TASK_APIMART_A}",
        {"status": 404, "api": "runware", "code": "notFound"}, headers=[BEARER_A])
# DELETE /v1/tasks/{taskUUID} is Runware's cancel: it finds only Runware tasks, so an APIMart
# task is not found there (and stays as it is).
add("http", "DELETE an APIMart task (Runware's cancel)", "DELETE", "/v1/tasks/task_${TASK_APIMART_A}",
    rw(404, "taskNotFound"), headers=[BEARER_A])
add("http", "POST /v1/tasks/{unknown}/cancel", "POST", "/v1/tasks/task_00000000-0000-4000-8000-000000000000/cancel",
    am(404, "task_not_found", "invalid_request_error"), headers=[BEARER_A])
add("http", "GET /v1/videos/generations", "GET", GEN, {"status": 404, "api": "runware", "code": "notFound"},
    headers=[BEARER_A])
add("http", "POST /v1/tasks/x", "POST", "/v1/tasks/x", {"status": 404, "api": "runware", "code": "notFound"},
    headers=[BEARER_A])
for name, content_type in (("text/plain", "text/plain"), ("form", "application/x-www-form-urlencoded"),
                           ("multipart", "multipart/form-data; boundary=x"), ("none", None),
                           ("charset latin1", "application/json; charset=iso-8859-1")):
    headers = [BEARER_A] + ([["Content-Type", content_type]] if content_type else [])
    add("http", f"runware: Content-Type {name} with a JSON body", "POST", "/v1",
        {"status": 200, "api": "runware", "code": None}, body=PING_TEXT, headers=headers)
add("http", "runware: form-encoded body", "POST", "/v1", rw(400, "invalidJSON"), body="taskType=ping",
    headers=[BEARER_A, ["Content-Type", "application/x-www-form-urlencoded"]])
add("http", "kling: form-encoded body", "POST", T2V, kl(400, 1200), body="prompt=a+cat",
    headers=[BEARER_A, ["Content-Type", "application/x-www-form-urlencoded"]])
add("http", "apimart: form-encoded body", "POST", GEN, am(400, "invalid_json", "invalid_request_error"),
    body="model=kling-v2-6", headers=[BEARER_A, ["Content-Type", "application/x-www-form-urlencoded"]])
AUTH_A = ["Authorization", "Bearer ${KEY_A}"]
BAD_REQUEST_CLOSE = {"status": 400, "api": "runware", "code": "badRequest", "close": True}
for name, headers, body in (
        ("Transfer-Encoding gzip without Content-Length", [HOST, AUTH_A, ["Transfer-Encoding", "gzip"]], PING_TEXT),
        ("Transfer-Encoding identity", [HOST, AUTH_A, ["Transfer-Encoding", "identity"]], PING_TEXT),
        ("Transfer-Encoding chunked, identity", [HOST, AUTH_A, ["Transfer-Encoding", "chunked, identity"]],
         "5\r\nhello\r\n0\r\n\r\n"),
        ("Transfer-Encoding chunked, gzip", [HOST, AUTH_A, ["Transfer-Encoding", "chunked, gzip"]],
         "5\r\nhello\r\n0\r\n\r\n"),
        ("Transfer-Encoding gzip with Content-Length",
         [HOST, AUTH_A, ["Transfer-Encoding", "gzip"], ["Content-Length", str(len(PING_TEXT))]], PING_TEXT),
        ("Transfer-Encoding in two headers, chunked first",
         [HOST, AUTH_A, ["Transfer-Encoding", "chunked"], ["Transfer-Encoding", "identity"]], "0\r\n\r\n"),
        ("duplicate Content-Length, different values",
         [HOST, AUTH_A, ["Content-Length", "21"], ["Content-Length", "5"]], PING_TEXT),
        ("duplicate Content-Length, same values",
         [HOST, AUTH_A, ["Content-Length", "21"], ["Content-Length", "21"]], PING_TEXT),
        ("Content-Length list", [HOST, AUTH_A, ["Content-Length", "21, 21"]], PING_TEXT),
        ("negative Content-Length", [HOST, AUTH_A, ["Content-Length", "-1"]], PING_TEXT),
        ("Content-Length with a plus sign", [HOST, AUTH_A, ["Content-Length", "+21"]], PING_TEXT),
        ("hex Content-Length", [HOST, AUTH_A, ["Content-Length", "0x15"]], PING_TEXT),
        ("Content-Length and chunked", [HOST, AUTH_A, ["Content-Length", "21"], ["Transfer-Encoding", "chunked"]],
         "15\r\n" + PING_TEXT + "\r\n0\r\n\r\n"),
        ("bad chunk size", [HOST, AUTH_A, ["Transfer-Encoding", "chunked"]], "zz\r\nhello\r\n0\r\n\r\n"),
        ("chunk size overflow", [HOST, AUTH_A, ["Transfer-Encoding", "chunked"]],
         "ffffffffffffffffff\r\nhello\r\n0\r\n\r\n"),
        ("chunk without CRLF", [HOST, AUTH_A, ["Transfer-Encoding", "chunked"]], "5\r\nhelloXX0\r\n\r\n"),
        ("obsolete line folding", [HOST, AUTH_A, ["X-Folded", "a\r\n  b"], ["Content-Length", "21"]], PING_TEXT),
        ("space before the colon", [HOST, AUTH_A, ["Content-Length ", "21"]], PING_TEXT),
        ("NUL in a header value", [HOST, AUTH_A, ["X-Nul", "a\x00b"], ["Content-Length", "21"]], PING_TEXT),
        ("header without a colon", [HOST, AUTH_A, ["X-No-Colon-Here\r\nContent-Length", "21"]], PING_TEXT),
        ("bare LF line endings", [], None)):
    if body is None:
        raw = ["POST /v1 HTTP/1.1\nHost: 127.0.0.1\nContent-Length: 21\n\n" + PING_TEXT]
    else:
        raw = raw_request("POST /v1 HTTP/1.1", headers, body)
    expect = dict(BAD_REQUEST_CLOSE)
    if name.startswith("duplicate Content-Length, same") or name == "Content-Length list":
        expect = {"status": 200, "api": "runware", "code": None}  # one length, said twice (RFC 9110 §8.6)
    add("http", name, "POST", "/v1", expect, raw=raw)
for name, first_line in (("HTTP/0.9 request line", "GET /health"), ("HTTP/2.0 version", "GET /health HTTP/2.0"),
                         ("HTTP/1.1 in lower case", "GET /health http/1.1"),
                         ("no version", "GET /health "), ("two spaces", "GET  /health HTTP/1.1"),
                         ("tab separator", "GET\t/health HTTP/1.1"), ("control byte in the target", "GET /he\x01alth HTTP/1.1"),
                         ("space in the target", "GET /hea lth HTTP/1.1"), ("version 1.x", "GET /health HTTP/1.x")):
    add("http", name, "GET", "/health", BAD_REQUEST_CLOSE, raw=raw_request(first_line, [HOST]))
add("http", "HTTP/1.0 request", "GET", "/health", {"status": 200, "api": "runware", "code": None},
    raw=raw_request("GET /health HTTP/1.0", []))
add("http", "absolute-form target", "GET", "/health", {"status": 404, "api": "runware", "code": "notFound"},
    raw=raw_request("GET http://127.0.0.1/health HTTP/1.1", [HOST]))
add("http", "asterisk target", "OPTIONS", "*", {"status": 404, "api": "runware", "code": "notFound"},
    raw=raw_request("OPTIONS * HTTP/1.1", [HOST]))
add("http", "Content-Length shorter than the body: the rest is a bad next request", "POST", "/v1",
    {"status": 200, "api": "runware", "code": None},
    raw=raw_request("POST /v1 HTTP/1.1", [HOST, AUTH_A, ["Content-Length", "21"]], PING_TEXT + "GARBAGE\r\n\r\n"))
add("http", "Content-Length longer than the body, then end of stream", "POST", "/v1", {"status": None},
    raw=raw_request("POST /v1 HTTP/1.1", [HOST, AUTH_A, ["Content-Length", "100"], ["Connection", "close"]],
                    PING_TEXT) + [{"shutdown": True}])
add("http", "header section over 16 KB", "GET", "/health",
    {"status": 431, "api": "runware", "code": "headerTooLarge", "close": True, "max_bytes": SMALL_REPLY},
    raw=["GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ", {"repeat": "b", "times": 20000}, "\r\n\r\n"])
add("http", "3000 small headers", "GET", "/health",
    {"status": 431, "api": "runware", "code": "headerTooLarge", "close": True},
    raw=["GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n", {"repeat": "X-H: v\r\n", "times": 3000}, "\r\n"])
add("http", "request target over 16 KB", "GET", "/health",
    {"status": 431, "api": "runware", "code": "headerTooLarge", "close": True, "max_bytes": SMALL_REPLY},
    raw=["GET /", {"repeat": "a", "times": 20000}, " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"])
add("http", "Content-Length over the body limit", "POST", "/v1",
    {"status": 413, "api": "runware", "code": "payloadTooLarge", "close": True},
    raw=raw_request("POST /v1 HTTP/1.1", [HOST, AUTH_A, ["Content-Length", "10485761"]], "[]"))
add("http", "Content-Length of 2^64", "POST", "/v1", BAD_REQUEST_CLOSE,
    raw=raw_request("POST /v1 HTTP/1.1", [HOST, AUTH_A, ["Content-Length", "18446744073709551616"]], "[]"))
add("http", "11 MB body", "POST", "/v1",
    {"status": 413, "api": "runware", "code": "payloadTooLarge", "close": True},
    body=["[", {"repeat": " ", "times": 11_000_000}, "]"])
add("http", "11 MB chunked body", "POST", "/v1",
    {"status": 413, "api": "runware", "code": "payloadTooLarge", "close": True},
    raw=raw_request("POST /v1 HTTP/1.1", [HOST, AUTH_A, ["Transfer-Encoding", "chunked"]],
                    ["100000\r\n", {"repeat": " ", "times": 0x100000}, "\r\n"] * 11 + ["0\r\n\r\n"]))
add("http", "chunked body with trailers", "POST", "/v1", {"status": 200, "api": "runware", "code": None},
    raw=raw_request("POST /v1 HTTP/1.1", [HOST, AUTH_A, ["Transfer-Encoding", "chunked"]],
                    f"{len(PING_TEXT):x}\r\n{PING_TEXT}\r\n0\r\nX-Trailer: 1\r\n\r\n"))
add("http", "Expect: 100-continue with a body too large", "POST", "/v1",
    {"status": 413, "api": "runware", "code": "payloadTooLarge", "close": True},
    raw=raw_request("POST /v1 HTTP/1.1", [HOST, AUTH_A, ["Expect", "100-continue"],
                                          ["Content-Length", "20000000"]]))
add("http", "WebSocket upgrade on an unknown path", "GET", "/nope", {"status": 404, "api": "runware", "code": "notFound"},
    raw=raw_request("GET /nope HTTP/1.1", [HOST, ["Upgrade", "websocket"], ["Connection", "Upgrade"],
                                           ["Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="],
                                           ["Sec-WebSocket-Version", "13"]]))

# ---- /media path traversal --------------------------------------------------------------------

for target in ("/media/../../etc/passwd", "/media/..%2f..%2fetc%2fpasswd", "/media/%2e%2e/%2e%2e/etc/passwd",
               "/media/....//....//etc/passwd", "/media/", "/media/x.png", "/media//etc/passwd",
               "/media/..", "/media/.", "/media/0b6e9d46-3c41-4a8e-9d4c-1f2b3c4d5e6f.mp4",
               "/media/0b6e9d46-3c41-4a8e-9d4c-1f2b3c4d5e6f/../../../etc/passwd",
               "/media/%00", "/media/a%00.png", ["/media/", {"repeat": "a", "times": 4000}], "/media/..\\..\\etc\\passwd",
               "/media/tasks.db", "/media/../tasks.db", "/media/.tmp-x", "/media/?../../etc/passwd",
               "/media/%252e%252e/etc/passwd"):
    label = target if isinstance(target, str) else "/media/a... (4000 bytes)"
    add("media", f"GET {label}", "GET", target,
        {"status": 404, "api": "runware", "code": "mediaNotFound", "max_bytes": SMALL_REPLY}, headers=[])
    if target in ("/media/../../etc/passwd", "/media/x.png"):
        # A HEAD reply has no body to read a code from.
        add("media", f"HEAD {target}", "HEAD", target, {"status": 404, "api": "runware", "code": None}, headers=[])

# ---- unknown routes ---------------------------------------------------------------------------

for method, target in (("GET", "/"), ("GET", "/v2"), ("POST", "/v2"), ("GET", "/admin"), ("GET", "/.env"),
                       ("GET", "/../../etc/passwd"), ("GET", "/v1/../etc/passwd"), ("POST", "/v1/v1"),
                       ("GET", "/healthz/x"), ("POST", "/health"), ("PUT", "/v1/tasks"),
                       ("GET", "/%2e%2e/%2e%2e/etc/passwd"), ("GET", ["/", {"repeat": "x", "times": 8000}]),
                       ("GET", "/v1/videos"), ("POST", "/v1/task")):
    label = target if isinstance(target, str) else "/x... (8000 bytes)"
    add("route", f"{method} {label}", method, target,
        {"status": 404, "api": "runware", "code": "notFound", "max_bytes": SMALL_REPLY}, headers=[BEARER_A])
for target in ("/v1/videos/unknown", "/v1/videos/text2video/a/b", "/v1/videos/avatar", "/v1/videos/lip-sync2",
               ["/v1/videos/", {"repeat": "p", "times": 8000}], "/kling/v1/videos/nope", "/v1/videos/text2video/../../etc"):
    label = target if isinstance(target, str) else "/v1/videos/p... (8000 bytes)"
    add("route", f"GET {label}", "GET", target, kl(404, 1203, max_bytes=SMALL_REPLY), headers=[BEARER_A])
# GET /v1/tasks (the Runware task list): its query is checked, its key required.
for query, parameter in (("status=done", "status"), ("status=%00", "status"), ("limit=0", "limit"),
                         ("limit=99999999999999999999999", "limit"), ("limit=-1", "limit"),
                         ("limit=" + "9" * 5000, "limit")):
    add("route", f"GET /v1/tasks?{query[:40]}", "GET", "/v1/tasks?" + query,
        rw(400, "invalidValue", parameter=parameter, max_bytes=SMALL_REPLY), headers=[BEARER_A])
add("route", "GET /v1/tasks without a key", "GET", "/v1/tasks", rw(401, "missingApiKey"), headers=[])
add("route", "GET /v1/tasks/ (APIMart, no id)", "GET", "/v1/tasks/",
    am(404, "task_not_found", "invalid_request_error"), headers=[BEARER_A])
for product in KLING_PRODUCTS:
    add("route", f"kling {product}: empty body", "POST", "/v1/videos/" + product, kl(400, 1200), body="")
    add("route", f"kling {product}: empty object", "POST", "/v1/videos/" + product, kl(400, 1201), body="{}")
