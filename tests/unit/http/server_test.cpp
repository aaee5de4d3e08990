// The server through its handler: routing of requests, keep-alive, pipelining, HTTP/1.0,
// handler failures, the upgrade hook, and start/stop.
#include "api/http/server.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <thread>

#include "api/http/responses.hpp"
#include "test_client.hpp"

namespace vidserve::api::http {
namespace {

using namespace std::chrono_literals;
using test::RawClient;
using test::round_trip;
using test::RunningServer;
using test::test_options;

// Echoes method, target, body and peer address as JSON.
bhttp::message_generator echo(Request&& req, const ConnectionInfo& info) {
  boost::json::object doc;
  doc["method"] = std::string(req.method_string());
  doc["target"] = std::string(req.target());
  doc["body"] = req.body();
  doc["remote"] = info.remote_address;
  doc["port"] = info.remote_port;
  return json_response(req, bhttp::status::ok, boost::json::serialize(doc));
}

boost::json::object body_of(const test::Response& res) {
  return boost::json::parse(res.body()).as_object();
}

// A field of the echo document, serialised ("GET" for strings, 123 for numbers).
std::string field(const test::Response& res, const char* key) {
  const auto doc = body_of(res);
  const auto& value = doc.at(key);
  return value.is_string() ? std::string(value.as_string()) : boost::json::serialize(value);
}

TEST(HttpServer, GetGoesThroughTheHandler) {
  RunningServer s(test_options(), echo);
  const auto res = round_trip(s.port, "GET /v1/ping?x=1 HTTP/1.1\r\nHost: t\r\n\r\n");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result(), bhttp::status::ok);
  EXPECT_EQ((*res)[bhttp::field::content_type], "application/json");
  EXPECT_EQ((*res)[bhttp::field::server], "vidserve");
  EXPECT_EQ(field(*res, "method"), "GET");
  EXPECT_EQ(field(*res, "target"), "/v1/ping?x=1");
  EXPECT_EQ(field(*res, "remote"), "127.0.0.1");
}

TEST(HttpServer, KeepAliveServesTwoRequestsOnOneConnection) {
  RunningServer s(test_options(), echo);
  RawClient client(s.port);
  ASSERT_TRUE(client.send("GET /a HTTP/1.1\r\nHost: t\r\n\r\n"));
  const auto first = client.read_response();
  ASSERT_TRUE(first);
  EXPECT_TRUE(first->keep_alive());
  ASSERT_TRUE(client.send("GET /b HTTP/1.1\r\nHost: t\r\n\r\n"));
  const auto second = client.read_response();
  ASSERT_TRUE(second);
  EXPECT_EQ(field(*second, "target"), "/b");
  EXPECT_EQ(field(*first, "port"), field(*second, "port"));  // same connection
}

TEST(HttpServer, PipelinedRequestsAreAnsweredInOrder) {
  RunningServer s(test_options(), echo);
  RawClient client(s.port);
  ASSERT_TRUE(
      client.send("GET /1 HTTP/1.1\r\nHost: t\r\n\r\n"
                  "POST /2 HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc"
                  "GET /3 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"));
  for (const char* target : {"/1", "/2", "/3"}) {
    const auto res = client.read_response();
    ASSERT_TRUE(res) << target;
    EXPECT_EQ(field(*res, "target"), target);
  }
  EXPECT_TRUE(client.wait_closed(2s));
}

TEST(HttpServer, PostBodyIsEchoed) {
  RunningServer s(test_options(), echo);
  const std::string body = R"([{"taskType":"ping"}])";
  const auto res = round_trip(s.port,
                              "POST /v1 HTTP/1.1\r\nHost: t\r\nContent-Type: "
                              "application/json\r\nContent-Length: " +
                                  std::to_string(body.size()) + "\r\n\r\n" + body);
  ASSERT_TRUE(res);
  EXPECT_EQ(field(*res, "body"), body);
  EXPECT_EQ(field(*res, "method"), "POST");
}

TEST(HttpServer, Http10ClosesAfterTheResponseUnlessKeepAlive) {
  RunningServer s(test_options(), echo);
  RawClient plain(s.port);
  ASSERT_TRUE(plain.send("GET /old HTTP/1.0\r\n\r\n"));
  const auto res = plain.read_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->version(), 10u);
  EXPECT_TRUE(plain.wait_closed(2s));

  RawClient kept(s.port);
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(kept.send("GET /old HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
    const auto again = kept.read_response();
    ASSERT_TRUE(again) << i;
    EXPECT_TRUE(again->keep_alive());
  }
}

TEST(HttpServer, HandlerExceptionBecomes500AndServingGoesOn) {
  RunningServer s(test_options(), [](Request&& req, const ConnectionInfo& info) {
    if (req.target() == "/throw") throw std::runtime_error("boom");
    if (req.target() == "/throw-int") throw 42;
    return echo(std::move(req), info);
  });
  RawClient client(s.port);
  for (const char* target : {"/throw", "/throw-int"}) {
    ASSERT_TRUE(client.send("GET " + std::string(target) + " HTTP/1.1\r\nHost: t\r\n\r\n"));
    const auto res = client.read_response();
    ASSERT_TRUE(res);
    EXPECT_EQ(res->result(), bhttp::status::internal_server_error);
    const auto error = body_of(*res).at("errors").as_array().at(0).as_object();
    EXPECT_EQ(error.at("code"), "internalServerError");
    EXPECT_TRUE(res->keep_alive());
  }
  ASSERT_TRUE(client.send("GET /fine HTTP/1.1\r\nHost: t\r\n\r\n"));
  const auto res = client.read_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result(), bhttp::status::ok);
}

constexpr std::string_view kUpgrade =
    "GET /v1 HTTP/1.1\r\nHost: t\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
    "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n";

TEST(HttpServer, UpgradeWithoutHookIs404) {
  RunningServer s(test_options(), echo);
  const auto res = round_trip(s.port, kUpgrade);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result(), bhttp::status::not_found);
}

TEST(HttpServer, StartAndStopTwentyTimes) {
  for (int i = 0; i < 20; ++i) {
    Server server(test_options(), echo);
    const auto port = server.start();
    ASSERT_TRUE(port) << port.error().message;
    RawClient idle(*port);  // a connection in flight during stop()
    const auto res = round_trip(*port, "GET / HTTP/1.1\r\nHost: t\r\n\r\n");
    ASSERT_TRUE(res) << i;
    server.stop();
    EXPECT_FALSE(server.running());
    EXPECT_TRUE(idle.wait_closed(1s));
  }
}

TEST(HttpServer, RestartsAfterStopAndRejectsDoubleStart) {
  Server server(test_options(), echo);
  ASSERT_TRUE(server.start());
  const auto again = server.start();
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, "alreadyStarted");
  server.stop();
  server.stop();  // idempotent
  const auto port = server.start();
  ASSERT_TRUE(port);
  EXPECT_TRUE(round_trip(*port, "GET / HTTP/1.1\r\nHost: t\r\n\r\n"));
}

TEST(HttpServer, StopWaitsForARunningHandler) {
  std::atomic<bool> finished = false;
  std::atomic<bool> entered = false;
  RunningServer s(test_options(), [&](Request&& req, const ConnectionInfo& info) {
    entered = true;
    std::this_thread::sleep_for(300ms);
    finished = true;
    return echo(std::move(req), info);
  });
  RawClient client(s.port);
  ASSERT_TRUE(client.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n"));
  while (!entered) std::this_thread::sleep_for(5ms);
  s.server->stop();
  EXPECT_TRUE(finished);
}

TEST(HttpServer, BadAddressAndBusyPortAreErrors) {
  ServerOptions options = test_options();
  options.address = "not-an-ip";
  Server bad(options, echo);
  const auto failed = bad.start();
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().code, "invalidAddress");

  RunningServer first(test_options(), echo);
  ServerOptions same = test_options();
  same.port = first.port;
  Server second(same, echo);
  const auto busy = second.start();
  ASSERT_FALSE(busy);
  EXPECT_EQ(busy.error().code, "listenFailed");
}

}  // namespace
}  // namespace vidserve::api::http
