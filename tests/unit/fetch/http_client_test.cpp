// HttpClient against LoopbackServer on 127.0.0.1. Only loopback is ever contacted: refused
// addresses (169.254.169.254, 127.0.0.2 when only 127.0.0.1 is allowed) are refused before any
// connection is attempted.
#include "fetch/http_client.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <thread>

#include "fetch/error_codes.hpp"
#include "loopback_server.hpp"

namespace vidserve::fetch {
namespace {

using namespace std::chrono_literals;
using namespace std::literals;
using testing::Connection;
using testing::http_response;
using testing::LoopbackServer;
using testing::RecordedRequest;

const std::string kPng = "\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01"s;

HttpClient loopback_client(std::string_view allow = "127.0.0.1/32") {
  return HttpClient(AddressGuard::with_allow_list(allow).value());
}

FetchLimits limits(std::size_t max_bytes = 1 << 20, std::chrono::milliseconds timeout = 5s) {
  FetchLimits l;
  l.max_bytes = max_bytes;
  l.timeout = timeout;
  l.connect_timeout = 2s;
  return l;
}

TEST(HttpClient, GetReturnsBodyAndContentType) {
  LoopbackServer server([](const RecordedRequest& req, Connection& c) {
    if (req.target == "/image.png?x=1") {
      c.send(http_response(200, kPng, "Content-Type: image/PNG; charset=binary\r\n"));
    } else {
      c.send(http_response(404, "no"));
    }
  });
  auto blob = loopback_client().get(server.url("/image.png?x=1#frag"), limits());
  ASSERT_TRUE(blob) << blob.error().message;
  EXPECT_EQ(blob->bytes, kPng);
  EXPECT_EQ(blob->content_type, "image/png");
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "GET");
  EXPECT_EQ(requests[0].header("User-Agent").value_or(""), "vidserve/0.1");
}

TEST(HttpClient, SniffsTheTypeWhenTheServerDoesNotSayIt) {
  LoopbackServer server([](const RecordedRequest&, Connection& c) {
    c.send(http_response(200, kPng, "Content-Type: application/octet-stream\r\n"));
  });
  auto blob = loopback_client().get(server.url(), limits());
  ASSERT_TRUE(blob) << blob.error().message;
  EXPECT_EQ(blob->content_type, "image/png");
}

TEST(HttpClient, NotFoundIsFetchFailedNamingTheStatus) {
  LoopbackServer server([](const RecordedRequest&, Connection& c) {
    c.send(http_response(404, std::string(100000, 'x')));  // larger than max_bytes: still 404
  });
  auto blob = loopback_client().get(server.url("/missing.png?token=secret"), limits(1000));
  ASSERT_FALSE(blob);
  EXPECT_EQ(blob.error().code, "fetchFailed");
  EXPECT_NE(blob.error().message.find("404"), std::string::npos) << blob.error().message;
  EXPECT_EQ(blob.error().message.find("secret"), std::string::npos)
      << "query leaked into the message";
}

TEST(HttpClient, ServerErrorIsFetchFailed) {
  LoopbackServer server(
      [](const RecordedRequest&, Connection& c) { c.send(http_response(503, "busy")); });
  auto blob = loopback_client().get(server.url(), limits());
  ASSERT_FALSE(blob);
  EXPECT_EQ(blob.error().code, "fetchFailed");
  EXPECT_NE(blob.error().message.find("503"), std::string::npos);
}

TEST(HttpClient, DeclaredLengthOverTheLimitIsRefusedBeforeTheBody) {
  LoopbackServer server([](const RecordedRequest&, Connection& c) {
    c.send("HTTP/1.1 200 OK\r\nContent-Length: 100000000\r\nConnection: close\r\n\r\n");
    c.wait_until_closed(5s);
  });
  const auto start = std::chrono::steady_clock::now();
  auto blob = loopback_client().get(server.url(), limits(64 * 1024));
  ASSERT_FALSE(blob);
  EXPECT_EQ(blob.error().code, "inputTooLarge");
  EXPECT_NE(blob.error().message.find("65536"), std::string::npos) << blob.error().message;
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
}

TEST(HttpClient, StreamedBodyOverTheLimitIsAbortedWhileStreaming) {
  std::atomic<std::size_t> sent{0};
  LoopbackServer server([&](const RecordedRequest&, Connection& c) {
    // No Content-Length: the body ends when the connection closes.
    if (!c.send("HTTP/1.1 200 OK\r\nContent-Type: video/mp4\r\nConnection: close\r\n\r\n")) return;
    const std::string chunk(16 * 1024, 'v');
    while (sent < (256u << 20) && c.send(chunk)) sent += chunk.size();
  });
  auto blob = loopback_client().get(server.url(), limits(64 * 1024));
  ASSERT_FALSE(blob);
  EXPECT_EQ(blob.error().code, "inputTooLarge");
  // The server stopped early because the client hung up; it never sent all 256 MiB.
  EXPECT_LT(sent.load(), 256u << 20);
}

TEST(HttpClient, BodyExactlyAtTheLimitIsAccepted) {
  LoopbackServer server([](const RecordedRequest&, Connection& c) {
    c.send(http_response(200, std::string(4096, 'a'), "Content-Type: text/plain\r\n"));
  });
  auto blob = loopback_client().get(server.url(), limits(4096));
  ASSERT_TRUE(blob) << blob.error().message;
  EXPECT_EQ(blob->bytes.size(), 4096u);
  EXPECT_EQ(blob->content_type, "text/plain");
}

TEST(HttpClient, SilentServerTimesOut) {
  LoopbackServer server([](const RecordedRequest&, Connection& c) { c.wait_until_closed(10s); });
  const auto start = std::chrono::steady_clock::now();
  auto blob = loopback_client().get(server.url(), limits(1 << 20, 1s));
  const auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(blob);
  EXPECT_EQ(blob.error().code, "fetchTimeout");
  EXPECT_NE(blob.error().message.find("1 s"), std::string::npos) << blob.error().message;
  EXPECT_GE(elapsed, 900ms);
  EXPECT_LT(elapsed, 3s);
}

TEST(HttpClient, RaisingCancelEndsATransferToAHostThatNeverAnswers) {
  std::atomic<bool> arrived{false};
  LoopbackServer server([&](const RecordedRequest&, Connection& c) {
    arrived = true;
    arrived.notify_all();
    c.wait_until_closed(30s);
  });
  std::atomic<bool> cancel{false};
  auto l = limits(1 << 20, 60s);
  l.cancel = &cancel;
  std::thread canceller([&] {
    arrived.wait(false);
    cancel = true;
  });
  auto blob = loopback_client().get(server.url(), l);
  canceller.join();
  ASSERT_FALSE(blob);
  // Neither the 60 s deadline nor the server's 30 s close: the flag ended it.
  EXPECT_EQ(blob.error().code, "fetchCancelled") << blob.error().message;
}

TEST(HttpClient, ARaisedCancelFlagStartsNoTransfer) {
  LoopbackServer server([](const RecordedRequest&, Connection& c) { c.send(http_response(200, "x")); });
  std::atomic<bool> cancel{true};
  auto l = limits();
  l.cancel = &cancel;
  auto blob = loopback_client().get(server.url(), l);
  ASSERT_FALSE(blob);
  EXPECT_EQ(blob.error().code, "fetchCancelled");
  EXPECT_EQ(server.connections(), 0);
}

TEST(HttpClient, FollowsRedirectsToAllowedAddresses) {
  LoopbackServer server([](const RecordedRequest& req, Connection& c) {
    if (req.target == "/start") {
      c.send(http_response(302, "", "Location: /middle\r\n"));
    } else if (req.target == "/middle") {
      c.send(http_response(
          308, "", "Location: http://127.0.0.1:" + req.header("Host")->substr(10) + "/end\r\n"));
    } else {
      c.send(http_response(200, kPng, "Content-Type: image/png\r\n"));
    }
  });
  auto blob = loopback_client().get(server.url("/start"), limits());
  ASSERT_TRUE(blob) << blob.error().message;
  EXPECT_EQ(blob->bytes, kPng);
  ASSERT_EQ(server.requests().size(), 3u);
  EXPECT_EQ(server.requests()[2].target, "/end");
}

TEST(HttpClient, RedirectToMetadataAddressIsRefused) {
  LoopbackServer server([](const RecordedRequest&, Connection& c) {
    c.send(http_response(302, "", "Location: http://169.254.169.254/latest/meta-data/\r\n"));
  });
  auto blob = loopback_client().get(server.url(), limits());
  ASSERT_FALSE(blob);
  EXPECT_EQ(blob.error().code, "addressRefused");
  EXPECT_NE(blob.error().message.find("169.254.169.254"), std::string::npos)
      << blob.error().message;
  EXPECT_EQ(server.requests().size(), 1u);
}

TEST(HttpClient, RedirectToAnotherLoopbackAddressOutsideTheAllowListIsRefused) {
  std::unique_ptr<LoopbackServer> server;
  server = std::make_unique<LoopbackServer>([&](const RecordedRequest&, Connection& c) {
    c.send(http_response(301, "",
                         "Location: http://127.0.0.2:" + std::to_string(server->port()) + "/\r\n"));
  });
  auto blob = loopback_client("127.0.0.1/32").get(server->url(), limits());
  ASSERT_FALSE(blob);
  EXPECT_EQ(blob.error().code, "addressRefused");
  EXPECT_NE(blob.error().message.find("127.0.0.2"), std::string::npos) << blob.error().message;
  EXPECT_NE(blob.error().message.find("loopback"), std::string::npos);
}

TEST(HttpClient, RedirectToAnotherSchemeIsRefused) {
  LoopbackServer server([](const RecordedRequest&, Connection& c) {
    c.send(http_response(302, "", "Location: file:///etc/passwd\r\n"));
  });
  auto blob = loopback_client().get(server.url(), limits());
  ASSERT_FALSE(blob);
  EXPECT_EQ(blob.error().code, "invalidUrl") << blob.error().message;
}

TEST(HttpClient, StopsAfterFiveRedirects) {
  LoopbackServer server([](const RecordedRequest& req, Connection& c) {
    const int n = std::stoi(req.target.substr(1));
    c.send(http_response(302, "", "Location: /" + std::to_string(n + 1) + "\r\n"));
  });
  auto blob = loopback_client().get(server.url("/0"), limits());
  ASSERT_FALSE(blob);
  EXPECT_EQ(blob.error().code, "fetchFailed");
  EXPECT_NE(blob.error().message.find("more than 5"), std::string::npos) << blob.error().message;
  EXPECT_EQ(server.requests().size(), 6u);  // the original request and five redirects
}

TEST(HttpClient, LoopbackIsRefusedWhenNotAllowed) {
  LoopbackServer server(
      [](const RecordedRequest&, Connection& c) { c.send(http_response(200, "x")); });
  const HttpClient client{AddressGuard()};
  auto blob = client.get(server.url(), limits());
  ASSERT_FALSE(blob);
  EXPECT_EQ(blob.error().code, "addressRefused");
  EXPECT_NE(blob.error().message.find("loopback"), std::string::npos);
  auto put = client.put(server.url(), "x", "text/plain", 2s);
  ASSERT_FALSE(put);
  EXPECT_EQ(put.error().code, "addressRefused");
  auto post = client.post(server.url(), "{}", "application/json", {}, 2s);
  ASSERT_FALSE(post);
  EXPECT_EQ(post.error().code, "addressRefused");
  // Also by name: "localhost" resolves to loopback.
  auto by_name = client.get("http://localhost:" + std::to_string(server.port()) + "/", limits());
  ASSERT_FALSE(by_name);
  EXPECT_EQ(by_name.error().code, "addressRefused") << by_name.error().message;
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(server.connections(), 0);
}

TEST(HttpClient, HostNamesArePinnedToTheCheckedAddresses) {
  LoopbackServer server([](const RecordedRequest& req, Connection& c) {
    c.send(http_response(200, req.header("Host").value_or("?")));
  });
  auto blob = loopback_client("127.0.0.0/8,::1/128")
                  .get("http://LocalHost:" + std::to_string(server.port()) + "/", limits());
  ASSERT_TRUE(blob) << blob.error().message;
  EXPECT_EQ(blob->bytes, "LocalHost:" + std::to_string(server.port()));
}

TEST(HttpClient, RejectsNonHttpUrls) {
  const HttpClient client = loopback_client();
  for (const char* url :
       {"file:///etc/passwd", "ftp://127.0.0.1/x", "gopher://127.0.0.1/", "not a url", "http://",
        "http:///path", "http://127.0.0.1:99999/", "//127.0.0.1/"}) {
    auto blob = client.get(url, limits());
    ASSERT_FALSE(blob) << url;
    EXPECT_EQ(blob.error().code, "invalidUrl") << url << ": " << blob.error().message;
  }
}

TEST(HttpClient, ClosedPortIsFetchFailed) {
  const auto port = testing::unused_loopback_port();
  auto blob = loopback_client().get("http://127.0.0.1:" + std::to_string(port) + "/", limits());
  ASSERT_FALSE(blob);
  EXPECT_EQ(blob.error().code, "fetchFailed") << blob.error().message;
}

// A streamed PUT reads its body piece by piece (never the whole body at once) and sends it with
// its declared length and type.
TEST(HttpClient, PutStreamSendsTheBodyItReadsInPieces) {
  LoopbackServer server(
      [](const RecordedRequest&, Connection& c) { c.send(http_response(200, "")); });
  std::string bytes;
  for (int i = 0; i < 700000; ++i) bytes.push_back(static_cast<char>(i * 13 % 251));
  std::size_t largest_read = 0;
  StreamedBody body{bytes.size(),
                    [&](std::uint64_t offset, char* buffer, std::size_t size) -> Result<std::size_t> {
                      const auto n = std::min<std::size_t>({size, 10000, bytes.size() - offset});
                      largest_read = std::max(largest_read, n);
                      std::memcpy(buffer, bytes.data() + offset, n);
                      return n;
                    },
                    "video/webm"};
  auto status = loopback_client().put_stream(server.url("/out.webm"), body, limits());
  ASSERT_TRUE(status) << status.error().message;
  EXPECT_EQ(*status, 200);
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "PUT");
  EXPECT_EQ(requests[0].header("Content-Type").value_or(""), "video/webm");
  EXPECT_EQ(requests[0].header("Content-Length").value_or(""), std::to_string(bytes.size()));
  EXPECT_EQ(requests[0].body, bytes);
  EXPECT_LE(largest_read, 10000u);
}

TEST(HttpClient, PutStreamReturnsTheReadersError) {
  LoopbackServer server(
      [](const RecordedRequest&, Connection& c) { c.send(http_response(200, "")); });
  StreamedBody body{100000,
                    [](std::uint64_t offset, char*, std::size_t size) -> Result<std::size_t> {
                      if (offset >= 50000) return Error{"storage", "the disk is gone"};
                      return std::min<std::size_t>(size, 50000 - offset);
                    },
                    "video/mp4"};
  auto status = loopback_client().put_stream(server.url("/out.mp4"), body, limits());
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code, "storage");
  EXPECT_EQ(status.error().message, "the disk is gone");
}

TEST(HttpClient, PutStreamToAPrivateAddressIsRefusedWithoutTheAllowList) {
  LoopbackServer server(
      [](const RecordedRequest&, Connection& c) { c.send(http_response(200, "")); });
  StreamedBody body{1, [](std::uint64_t, char* b, std::size_t) -> Result<std::size_t> {
                      b[0] = 'x';
                      return std::size_t{1};
                    }, "image/png"};
  auto status = loopback_client("").put_stream(server.url("/x.png"), body, limits());
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code, errc::kAddressRefused);
  EXPECT_TRUE(server.requests().empty());
}

TEST(HttpClient, PutDeliversTheBytesAndContentType) {
  LoopbackServer server(
      [](const RecordedRequest&, Connection& c) { c.send(http_response(201, "")); });
  std::string bytes;
  for (int i = 0; i < 300000; ++i) bytes.push_back(static_cast<char>(i * 7 % 256));
  auto status = loopback_client().put(server.url("/bucket/out.mp4?sig=abc"), bytes, "video/mp4", 5s,
                                      {{"x-amz-acl", "private"}});
  ASSERT_TRUE(status) << status.error().message;
  EXPECT_EQ(*status, 201);
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "PUT");
  EXPECT_EQ(requests[0].target, "/bucket/out.mp4?sig=abc");
  EXPECT_EQ(requests[0].header("Content-Type").value_or(""), "video/mp4");
  EXPECT_EQ(requests[0].header("x-amz-acl").value_or(""), "private");
  EXPECT_FALSE(requests[0].header("Expect"));
  EXPECT_EQ(requests[0].body, bytes);
}

TEST(HttpClient, PostDeliversBodyAndHeadersAndReturnsAnyStatus) {
  LoopbackServer server(
      [](const RecordedRequest&, Connection& c) { c.send(http_response(500, "oops")); });
  const std::string body = R"({"taskUUID":"x","status":"success"})";
  auto status =
      loopback_client().post(server.url("/hook"), body, "application/json",
                             {{"X-Vidserve-Signature", "sha256=abc"}, {"X-Empty", ""}}, 5s);
  ASSERT_TRUE(status) << status.error().message;
  EXPECT_EQ(*status, 500);
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "POST");
  EXPECT_EQ(requests[0].body, body);
  EXPECT_EQ(requests[0].header("Content-Type").value_or(""), "application/json");
  EXPECT_EQ(requests[0].header("X-Vidserve-Signature").value_or(""), "sha256=abc");
  EXPECT_EQ(requests[0].header("X-Empty").value_or("missing"), "");
}

TEST(HttpClient, PostDoesNotFollowRedirects) {
  LoopbackServer server([](const RecordedRequest&, Connection& c) {
    c.send(http_response(307, "", "Location: http://169.254.169.254/\r\n"));
  });
  auto status = loopback_client().post(server.url(), "{}", "application/json", {}, 5s);
  ASSERT_TRUE(status) << status.error().message;
  EXPECT_EQ(*status, 307);
}

TEST(HttpClient, PostTimesOut) {
  LoopbackServer server([](const RecordedRequest&, Connection& c) { c.wait_until_closed(10s); });
  auto status = loopback_client().post(server.url(), "{}", "application/json", {}, 1s);
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code, "fetchTimeout");
}

TEST(HttpClient, HeaderInjectionIsRejected) {
  LoopbackServer server(
      [](const RecordedRequest&, Connection& c) { c.send(http_response(200, "")); });
  auto status = loopback_client().post(server.url(), "{}", "application/json",
                                       {{"X-A", "b\r\nX-Injected: yes"}}, 5s);
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code, "invalidHeader");
  EXPECT_EQ(server.requests().size(), 0u);
}

TEST(HttpClient, ConcurrentGetsUseSeparateHandles) {
  LoopbackServer server([](const RecordedRequest& req, Connection& c) {
    c.send(http_response(200, req.target, "Content-Type: text/plain\r\n"));
  });
  const HttpClient client = loopback_client();
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      auto blob = client.get(server.url("/" + std::to_string(i)), limits());
      if (blob && blob->bytes == "/" + std::to_string(i)) ++ok;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 4);
}

}  // namespace
}  // namespace vidserve::fetch
