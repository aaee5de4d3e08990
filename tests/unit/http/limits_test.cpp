// Bad input and slow clients: 413 before the body, chunked over the limit, 100-continue,
// malformed requests, header/body/idle timeouts.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/json.hpp>
#include <chrono>

#include "api/http/responses.hpp"
#include "api/http/server.hpp"
#include "test_client.hpp"

namespace vidserve::api::http {
namespace {

using namespace std::chrono_literals;
using test::RawClient;
using test::RunningServer;

struct Counting {
  std::atomic<int> calls = 0;
  Handler handler() {
    return [this](Request&& req, const ConnectionInfo&) {
      ++calls;
      return text_response(req, bhttp::status::ok, "got " + std::to_string(req.body().size()));
    };
  }
};

ServerOptions small_limit() {
  ServerOptions options = test::test_options();
  options.body_limit = 1000;
  return options;
}

std::string error_code_of(const test::Response& res) {
  const auto doc = boost::json::parse(res.body()).as_object();
  return std::string(doc.at("errors").as_array().at(0).at("code").as_string());
}

TEST(HttpLimits, ContentLengthOverLimitIs413BeforeTheBodyIsSent) {
  Counting counting;
  RunningServer s(small_limit(), counting.handler());
  RawClient client(s.port);
  ASSERT_TRUE(client.send("POST /v1 HTTP/1.1\r\nHost: t\r\nContent-Length: 5000\r\n\r\n"));
  const auto res = client.read_response();  // no body bytes were sent
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result(), bhttp::status::payload_too_large);
  EXPECT_EQ(error_code_of(*res), "payloadTooLarge");
  EXPECT_NE(res->body().find("request body exceeds 1000 bytes"), std::string::npos);
  EXPECT_FALSE(res->keep_alive());
  EXPECT_TRUE(client.wait_closed(3s));
  EXPECT_EQ(counting.calls, 0);
}

TEST(HttpLimits, ClientThatUploadsAnywayStillReadsThe413) {
  Counting counting;
  RunningServer s(small_limit(), counting.handler());
  RawClient client(s.port);
  const std::string body(300 * 1024, 'b');
  ASSERT_TRUE(client.send(
      "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n"));
  client.send(body);  // the server discards it while closing instead of resetting
  const auto res = client.read_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result(), bhttp::status::payload_too_large);
}

TEST(HttpLimits, BodyAtTheLimitIsAccepted) {
  Counting counting;
  RunningServer s(small_limit(), counting.handler());
  const auto res =
      test::round_trip(s.port, "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 1000\r\n\r\n" +
                                   std::string(1000, 'x'));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->body(), "got 1000");
}

TEST(HttpLimits, ExpectContinueIsAnsweredOnlyWithinTheLimit) {
  Counting counting;
  RunningServer s(small_limit(), counting.handler());
  RawClient over(s.port);
  ASSERT_TRUE(over.send(
      "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 1001\r\nExpect: 100-continue\r\n\r\n"));
  const auto rejected = over.read_response();
  ASSERT_TRUE(rejected);
  EXPECT_EQ(rejected->result(), bhttp::status::payload_too_large);  // not 100 first

  RawClient within(s.port);
  ASSERT_TRUE(within.send(
      "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\nExpect: 100-continue\r\n\r\n"));
  const auto go_on = within.read_response();
  ASSERT_TRUE(go_on);
  EXPECT_EQ(go_on->result(), bhttp::status::continue_);
  ASSERT_TRUE(within.send("0123456789"));
  const auto res = within.read_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->body(), "got 10");
}

TEST(HttpLimits, ChunkedBodyOverLimitIs413) {
  Counting counting;
  RunningServer s(small_limit(), counting.handler());
  RawClient client(s.port);
  ASSERT_TRUE(client.send("POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"));
  const std::string chunk = "200\r\n" + std::string(0x200, 'y') + "\r\n";  // 512 bytes each
  bool sent = true;
  for (int i = 0; i < 3 && sent; ++i) sent = client.send(chunk);
  const auto res = client.read_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result(), bhttp::status::payload_too_large);
  EXPECT_EQ(error_code_of(*res), "payloadTooLarge");
  EXPECT_TRUE(client.wait_closed(4s));
  EXPECT_EQ(counting.calls, 0);
}

TEST(HttpLimits, ChunkedBodyWithinLimitIsDelivered) {
  Counting counting;
  RunningServer s(small_limit(), counting.handler());
  const auto res = test::round_trip(
      s.port,
      "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->body(), "got 5");
}

TEST(HttpLimits, MalformedRequestIs400AndCloses) {
  Counting counting;
  RunningServer s(small_limit(), counting.handler());
  for (const char* garbage : {"NOT HTTP AT ALL\r\n\r\n", "GET / HTTP/1.1\r\nBad Header\r\n\r\n",
                              "POST / HTTP/1.1\r\nContent-Length: x\r\n\r\n"}) {
    RawClient client(s.port);
    ASSERT_TRUE(client.send(garbage));
    const auto res = client.read_response();
    ASSERT_TRUE(res) << garbage;
    EXPECT_EQ(res->result(), bhttp::status::bad_request) << garbage;
    EXPECT_EQ(error_code_of(*res), "badRequest");
    EXPECT_TRUE(client.wait_closed(3s));
  }
  EXPECT_EQ(counting.calls, 0);
}

// RFC 9112 §6.3: a request whose last transfer coding is not chunked cannot be delimited; if the
// server read on, the body would be taken as a second, smuggled request.
TEST(HttpLimits, TransferEncodingNotEndingInChunkedIs400AndCloses) {
  Counting counting;
  RunningServer s(small_limit(), counting.handler());
  for (const char* coding : {"gzip", "identity", "chunked, identity", "gzip, chunked, gzip"}) {
    RawClient client(s.port);
    ASSERT_TRUE(client.send(std::string("POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: ") + coding +
                            "\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: t\r\n\r\n"));
    const auto res = client.read_response();
    ASSERT_TRUE(res) << coding;
    EXPECT_EQ(res->result(), bhttp::status::bad_request) << coding;
    EXPECT_TRUE(client.wait_closed(3s)) << coding;
  }
  EXPECT_EQ(counting.calls, 0);  // neither the request nor the smuggled one reached the handler
  RawClient ok(s.port);
  ASSERT_TRUE(ok.send("POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip, chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"));
  const auto res = ok.read_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result(), bhttp::status::ok);
}

// RFC 9112 §5.2: a server must refuse obsolete line folding (or replace it, which Beast does
// silently): a proxy in front may read the folded line as a header of its own.
TEST(HttpLimits, ObsoleteLineFoldingIs400AndCloses) {
  Counting counting;
  RunningServer s(small_limit(), counting.handler());
  for (const char* request : {"GET / HTTP/1.1\r\nHost: t\r\nX-A: one\r\n two\r\n\r\n",
                              "GET / HTTP/1.1\r\nHost: t\r\nX-A: one\r\n\ttwo\r\n\r\n",
                              "GET / HTTP/1.1\r\n Host: t\r\n\r\n"}) {
    RawClient client(s.port);
    ASSERT_TRUE(client.send(request));
    const auto res = client.read_response();
    ASSERT_TRUE(res) << request;
    EXPECT_EQ(res->result(), bhttp::status::bad_request) << request;
    EXPECT_EQ(error_code_of(*res), "badRequest");
    EXPECT_TRUE(client.wait_closed(3s)) << request;
  }
  EXPECT_EQ(counting.calls, 0);
  RawClient ok(s.port);  // the same request unfolded is fine, also when it arrives byte by byte
  for (const char c : std::string("GET / HTTP/1.1\r\nHost: t\r\nX-A: one two\r\n\r\n")) {
    ASSERT_TRUE(ok.send(std::string(1, c)));
  }
  const auto res = ok.read_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result(), bhttp::status::ok);
}

TEST(HttpLimits, OversizedHeaderIs431) {
  Counting counting;
  ServerOptions options = small_limit();
  options.header_limit = 2048;
  RunningServer s(options, counting.handler());
  RawClient client(s.port);
  ASSERT_TRUE(
      client.send("GET / HTTP/1.1\r\nHost: t\r\nX-Big: " + std::string(4096, 'z') + "\r\n\r\n"));
  const auto res = client.read_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result(), bhttp::status::request_header_fields_too_large);
}

TEST(HttpLimits, HeaderTimeoutClosesASilentConnection) {
  Counting counting;
  ServerOptions options = small_limit();
  options.header_timeout = 1s;
  RunningServer s(options, counting.handler());
  RawClient silent(s.port);
  RawClient partial(s.port);
  ASSERT_TRUE(partial.send("GET / HTTP/1.1\r\nHost:"));  // slowloris
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(silent.wait_closed(4s));
  EXPECT_TRUE(partial.wait_closed(4s));
  EXPECT_GE(std::chrono::steady_clock::now() - start, 800ms);
}

TEST(HttpLimits, BodyTimeoutClosesAStalledUpload) {
  Counting counting;
  ServerOptions options = small_limit();
  options.body_timeout = 1s;
  RunningServer s(options, counting.handler());
  RawClient client(s.port);
  ASSERT_TRUE(client.send("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\n012"));
  EXPECT_TRUE(client.wait_closed(4s));
  EXPECT_EQ(counting.calls, 0);
}

TEST(HttpLimits, IdleTimeoutClosesAKeptAliveConnection) {
  Counting counting;
  ServerOptions options = small_limit();
  options.idle_timeout = 1s;
  RunningServer s(options, counting.handler());
  RawClient client(s.port);
  ASSERT_TRUE(client.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n"));
  ASSERT_TRUE(client.read_response());
  EXPECT_TRUE(client.wait_closed(4s));
}

}  // namespace
}  // namespace vidserve::api::http
