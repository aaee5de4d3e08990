#include "test_client.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <boost/beast/http/parser.hpp>
#include <cerrno>
#include <utility>

namespace vidserve::api::http::test {
namespace {

void set_receive_timeout(int fd, std::chrono::milliseconds timeout) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
}

}  // namespace

RawClient::RawClient(unsigned short port, std::chrono::milliseconds timeout) : timeout_(timeout) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return;
  }
  set_receive_timeout(fd, timeout_);
  fd_ = fd;
}

RawClient::~RawClient() {
  if (fd_ >= 0) ::close(fd_);
}

bool RawClient::send(std::string_view data) {
  while (!data.empty()) {
    const auto n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

bool RawClient::receive_more() {
  char buf[16 * 1024];
  const auto n = ::recv(fd_, buf, sizeof buf, 0);
  if (n <= 0) return false;
  pending_.append(buf, static_cast<std::size_t>(n));
  return true;
}

std::optional<Response> RawClient::read_response(bool head) {
  bhttp::response_parser<bhttp::string_body> parser;
  parser.eager(true);
  parser.body_limit(boost::none);
  if (head) parser.skip(true);
  for (;;) {
    if (!pending_.empty()) {
      beast::error_code ec;
      const auto used = parser.put(net::buffer(pending_), ec);
      pending_.erase(0, used);
      if (ec && ec != bhttp::error::need_more) return std::nullopt;
      if (parser.is_done()) return parser.release();
      if (used > 0 && !pending_.empty()) continue;
    }
    if (!receive_more()) return std::nullopt;
  }
}

bool RawClient::wait_closed(std::chrono::milliseconds within) {
  set_receive_timeout(fd_, within);
  char buf[4096];
  for (;;) {
    const auto n = ::recv(fd_, buf, sizeof buf, 0);
    if (n == 0) return true;
    if (n < 0) return errno == ECONNRESET;  // EAGAIN: timed out, still open
  }
}

std::string RawClient::read_all() {
  while (receive_more()) {
  }
  return std::exchange(pending_, {});
}

std::optional<Response> round_trip(unsigned short port, std::string_view request, bool head) {
  RawClient client(port);
  if (!client.connected() || !client.send(request)) return std::nullopt;
  return client.read_response(head);
}

RunningServer::RunningServer(ServerOptions options, Handler handler)
    : server(std::make_unique<Server>(std::move(options), std::move(handler))) {
  auto started = server->start();
  if (!started) {
    ADD_FAILURE() << "start: " << started.error().message;
    return;
  }
  port = *started;
}

ServerOptions test_options() {
  ServerOptions options;
  options.port = 0;
  options.threads = 2;
  options.header_timeout = std::chrono::seconds(5);
  options.body_timeout = std::chrono::seconds(5);
  options.idle_timeout = std::chrono::seconds(5);
  options.write_timeout = std::chrono::seconds(5);
  return options;
}

}  // namespace vidserve::api::http::test
