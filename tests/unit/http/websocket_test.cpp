// The WebSocket transport of the HTTP server: routing, echo through a handler, the message size
// limit, the per-connection bound on messages in progress, the outgoing queue limit against a
// peer that does not read, the idle timeout and keep-alive pings, and close frames at shutdown.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include "api/http/server.hpp"
#include "test_client.hpp"

namespace vidserve::api::http {
namespace {

using namespace std::chrono_literals;
namespace websocket = beast::websocket;
using test::test_options;

// Echoes every message; counts what happened. `answer` false: never calls message_done.
class EchoHandler final : public WsHandler {
 public:
  explicit EchoHandler(bool answer = true, std::size_t flood = 0, std::size_t frame = 64 * 1024)
      : answer_(answer), flood_(flood), frame_(frame) {}
  void on_open(std::weak_ptr<WsConnection> c) override {
    connection_ = c;
    if (auto live = c.lock()) {
      for (std::size_t i = 0; i < flood_; ++i) live->send(std::string(frame_, 'x'));
    }
  }
  void on_message(std::string text) override {
    ++messages;
    auto live = connection_.lock();
    if (!live) return;
    live->send("echo:" + text);
    if (answer_) live->message_done();
  }
  void on_close() override { closed = true; }

  std::atomic<int> messages{0};
  std::atomic<bool> closed{false};

 private:
  bool answer_;
  std::size_t flood_;
  std::size_t frame_;
  std::weak_ptr<WsConnection> connection_;
};

// True once the server side of the connection ended, polled for at most `limit`.
bool closed_within(const EchoHandler& handler, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!handler.closed && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(50ms);
  return handler.closed;
}

struct WsServer {
  explicit WsServer(ServerOptions options,
                    std::shared_ptr<EchoHandler> echo = std::make_shared<EchoHandler>())
      : handler(std::move(echo)), server(options, [](Request&& req, const ConnectionInfo&) {
          return bhttp::message_generator(
              bhttp::response<bhttp::string_body>(bhttp::status::ok, req.version()));
        }) {
    server.on_websocket(
        [this](const Request& req, const ConnectionInfo&) -> std::shared_ptr<WsHandler> {
          if (req.target() != "/ws") return nullptr;
          return this->handler;
        });
    auto started = server.start();
    EXPECT_TRUE(started);
    port = started ? *started : 0;
  }
  std::shared_ptr<EchoHandler> handler;
  Server server;
  unsigned short port = 0;
};

struct Client {
  net::io_context ioc;
  websocket::stream<beast::tcp_stream> ws{ioc};
  beast::error_code connect(unsigned short port, const std::string& target = "/ws") {
    beast::error_code ec;
    beast::get_lowest_layer(ws).expires_after(5s);
    beast::get_lowest_layer(ws).connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port),
                                        ec);
    if (!ec) ws.handshake("127.0.0.1", target, ec);
    return ec;
  }
  std::string read(beast::error_code& ec) {
    beast::flat_buffer buffer;
    beast::get_lowest_layer(ws).expires_after(5s);
    ws.read(buffer, ec);
    return beast::buffers_to_string(buffer.data());
  }
};

TEST(WebSocket, EchoesMessagesThroughTheHandler) {
  WsServer s(test_options());
  Client c;
  ASSERT_FALSE(c.connect(s.port));
  for (const char* text : {"a", "[{\"taskType\":\"ping\"}]", "third"}) {
    c.ws.write(net::buffer(std::string(text)));
    beast::error_code ec;
    EXPECT_EQ(c.read(ec), std::string("echo:") + text);
    EXPECT_FALSE(ec);
  }
  EXPECT_EQ(s.handler->messages, 3);
}

TEST(WebSocket, UnroutedTargetIs404) {
  WsServer s(test_options());
  Client c;
  const auto ec = c.connect(s.port, "/other");
  EXPECT_TRUE(ec);  // handshake refused
  EXPECT_EQ(s.handler->messages, 0);
}

TEST(WebSocket, MessageOverTheLimitClosesWith1009) {
  auto options = test_options();
  options.ws_message_limit = 1024;
  WsServer s(options);
  Client c;
  ASSERT_FALSE(c.connect(s.port));
  c.ws.write(net::buffer(std::string(4096, 'a')));
  beast::error_code ec;
  c.read(ec);
  EXPECT_TRUE(ec);  // the close frame, or a reset when it crossed the rest of our message
  if (ec == websocket::error::closed) {
    EXPECT_EQ(c.ws.reason().code, websocket::close_code::too_big);
  }
  EXPECT_EQ(s.handler->messages, 0);
}

TEST(WebSocket, ReadsNoMoreThanMaxPendingUnansweredMessages) {
  auto options = test_options();
  options.ws_max_pending = 3;
  WsServer s(options, std::make_shared<EchoHandler>(/*answer=*/false));
  Client c;
  ASSERT_FALSE(c.connect(s.port));
  for (int i = 0; i < 10; ++i) c.ws.write(net::buffer(std::string("m")));
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(s.handler->messages, 3);
}

TEST(WebSocket, PeerThatDoesNotReadIsDropped) {
  auto options = test_options();
  options.ws_queue_limit = 1024 * 1024;
  // 4000 frames of 64 KiB: far more than the socket buffers and the 1 MiB queue can hold.
  WsServer s(options, std::make_shared<EchoHandler>(true, 4000));
  Client c;
  ASSERT_FALSE(c.connect(s.port));
  EXPECT_TRUE(closed_within(*s.handler, 5s));
}

TEST(WebSocket, PeerThatStopsReadingIsDroppedAfterTheWriteTimeout) {
  auto options = test_options();
  options.ws_write_timeout = 1s;
  // 32 MiB in 8 messages: under the 64 MiB queue limit, far over the socket buffers.
  WsServer s(options,
             std::make_shared<EchoHandler>(true, std::size_t{8}, std::size_t{4} * 1024 * 1024));
  Client c;
  ASSERT_FALSE(c.connect(s.port));
  EXPECT_TRUE(closed_within(*s.handler, 5s));
}

TEST(WebSocket, AMessageLargerThanTheQueueLimitReachesAReader) {
  auto options = test_options();
  options.ws_queue_limit = 1024 * 1024;
  WsServer s(options,
             std::make_shared<EchoHandler>(true, std::size_t{1}, std::size_t{3} * 1024 * 1024));
  Client c;
  ASSERT_FALSE(c.connect(s.port));
  beast::error_code ec;
  EXPECT_EQ(c.read(ec).size(), 3u * 1024 * 1024);  // written whole, in 64 KiB pieces
  EXPECT_FALSE(ec);
  c.ws.write(net::buffer(std::string("next")));
  EXPECT_EQ(c.read(ec), "echo:next");
  EXPECT_FALSE(s.handler->closed);
}

// A peer that sends nothing and answers no ping (it does not even read) is closed at the idle
// timeout.
TEST(WebSocket, SilentPeerThatAnswersNoPingIsClosed) {
  auto options = test_options();
  options.ws_idle_timeout = 1s;
  WsServer s(options);
  Client c;
  ASSERT_FALSE(c.connect(s.port));
  EXPECT_TRUE(closed_within(*s.handler, 3s));
  beast::error_code ec;
  c.read(ec);
  EXPECT_TRUE(ec);
}

// A peer that sends no message but answers the server's pings (as every client library does
// while it reads) stays connected well past the idle timeout, and its next message is answered.
TEST(WebSocket, QuietPeerThatAnswersPingsStaysConnected) {
  auto options = test_options();
  options.ws_idle_timeout = 1s;
  WsServer s(options);
  Client c;
  ASSERT_FALSE(c.connect(s.port));
  int pings = 0;
  c.ws.control_callback([&](websocket::frame_type kind, beast::string_view) {
    if (kind == websocket::frame_type::ping) ++pings;
  });
  beast::get_lowest_layer(c.ws).expires_never();
  beast::flat_buffer buffer;
  beast::error_code read_ec = net::error::would_block;
  c.ws.async_read(buffer, [&](beast::error_code ec, std::size_t) { read_ec = ec; });
  const std::string later_text = "after 3 s";
  net::steady_timer later(c.ioc, 3s);
  later.async_wait([&](beast::error_code) {
    c.ws.async_write(net::buffer(later_text), [](beast::error_code, std::size_t) {});
  });
  c.ioc.run_for(10s);
  EXPECT_FALSE(read_ec) << read_ec.message();
  EXPECT_EQ(beast::buffers_to_string(buffer.data()), "echo:after 3 s");
  EXPECT_GE(pings, 2);
  EXPECT_FALSE(s.handler->closed);
}

TEST(WebSocket, StopSendsACloseFrame) {
  WsServer s(test_options());
  Client c;
  ASSERT_FALSE(c.connect(s.port));
  std::thread stopper([&] { s.server.stop(); });
  beast::error_code ec;
  c.read(ec);  // the server's close frame; Beast answers it
  stopper.join();
  EXPECT_EQ(ec, websocket::error::closed);
  EXPECT_EQ(c.ws.reason().code, websocket::close_code::going_away);
  EXPECT_TRUE(s.handler->closed);
}

}  // namespace
}  // namespace vidserve::api::http
