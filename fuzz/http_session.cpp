// Fuzz target: raw bytes from a client, read by the server's own HTTP session
// (api::http::Session over plain TCP: Beast's parser with the server's limits, the Transfer-Encoding and
// Content-Length checks, 100-continue, keep-alive and pipelining, error replies) and answered by
// the routes of `vidserve serve` (api::make_routes over the fuzz world's services). The session
// owns one end of a connected socket pair; the other end writes the input, shuts its sending
// side (end of stream) and reads every reply until the session closes the connection. One
// io_context runs both ends on this thread; the committer thread answers POSTs.
#include <sys/socket.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <csignal>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "api/http/session.hpp"
#include "api/routes.hpp"
#include "fuzz_world.hpp"

namespace {

using namespace vidserve;
namespace http = api::http;
namespace net = boost::asio;
using local = net::local::stream_protocol;

std::shared_ptr<http::SessionContext> make_context() {
  auto context = std::make_shared<http::SessionContext>();
  context->options.body_limit = 64 * 1024;  // small limits, so that 413 and 431 are reachable
  context->options.header_limit = 8 * 1024;
  // The routes of the current world: the world is rebuilt between inputs (fuzz_world.hpp).
  context->handler = [](http::Request&& req, const http::ConnectionInfo& info,
                        http::Responder respond) {
    auto& world = fuzz::world();
    api::make_routes({world.runware(), world.kling(), world.apimart()}, world.media())(
        std::move(req), info, std::move(respond));
  };
  return context;
}

// Reads replies until the session closes the connection; keeps only the first bytes.
struct ReplyReader {
  local::socket& socket;
  std::string head;
  char chunk[4096];

  void start() {
    socket.async_read_some(net::buffer(chunk), [this](boost::system::error_code ec, std::size_t n) {
      if (head.size() < 4096) head.append(chunk, n);
      if (!ec) start();
    });
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const bool no_sigpipe = (std::signal(SIGPIPE, SIG_IGN), true);
  (void)no_sigpipe;
  static net::io_context io;
  static const auto context = make_context();

  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) return 0;
  http::tcp::socket server_end(io);
  server_end.assign(http::tcp::v4(), fds[0]);
  local::socket client(io, local(), fds[1]);

  auto session = std::make_shared<http::Session<http::PlainStream>>(
      http::PlainStream(std::move(server_end)), context, http::ConnectionInfo{"127.0.0.1", 40000},
      http::ConnectionLimiter::Slot{});
  session->start();
  session.reset();  // it lives as long as its pending operations
  net::async_write(client, net::buffer(data, size),
                   [&client](boost::system::error_code, std::size_t) {
                     boost::system::error_code ignored;
                     client.shutdown(local::socket::shutdown_send, ignored);
                   });
  ReplyReader reader{client, {}, {}};
  reader.start();
  io.run();
  io.restart();
  // Every request was answered with a status line before the session closed the connection.
  if (!reader.head.empty() && reader.head.rfind("HTTP/", 0) != 0) __builtin_trap();
  return 0;
}
