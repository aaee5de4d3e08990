#include "loopback_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <stdexcept>

#include "common/text.hpp"

namespace vidserve::fetch::testing {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

// Waits up to 50 ms for `fd` to become readable; false on timeout.
bool readable(int fd) {
  pollfd p{fd, POLLIN, 0};
  return poll(&p, 1, 50) > 0;
}

int bind_loopback(std::uint16_t* port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("socket failed");
  const int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    throw std::runtime_error("bind to 127.0.0.1 failed");
  }
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  *port = ntohs(addr.sin_port);
  return fd;
}

}  // namespace

std::optional<std::string> RecordedRequest::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (text::iequals(key, name)) return value;
  }
  return std::nullopt;
}

bool Connection::send(std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

void Connection::wait_until_closed(std::chrono::milliseconds limit) {
  const auto end = std::chrono::steady_clock::now() + limit;
  char buffer[256];
  while (!stopping_.load() && std::chrono::steady_clock::now() < end) {
    if (!readable(fd_)) continue;
    if (recv(fd_, buffer, sizeof buffer, 0) <= 0) return;
  }
}

LoopbackServer::LoopbackServer(Handler handler) : handler_(std::move(handler)) {
  listen_fd_ = bind_loopback(&port_);
  if (listen(listen_fd_, 16) != 0) {
    close(listen_fd_);
    throw std::runtime_error("listen failed");
  }
  thread_ = std::thread([this] { run(); });
}

LoopbackServer::~LoopbackServer() {
  stopping_ = true;
  thread_.join();
  close(listen_fd_);
}

std::string LoopbackServer::url(std::string_view path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + std::string(path);
}

std::vector<RecordedRequest> LoopbackServer::requests() const {
  std::lock_guard lock(mutex_);
  return requests_;
}

void LoopbackServer::run() {
  while (!stopping_.load()) {
    if (!readable(listen_fd_)) continue;
    const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    ++connections_;
    serve(fd);
    close(fd);
  }
}

void LoopbackServer::serve(int fd) {
  std::string data;
  char buffer[16384];
  std::size_t header_end = std::string::npos;
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  auto read_more = [&]() -> bool {
    while (!stopping_.load() && std::chrono::steady_clock::now() < give_up) {
      if (!readable(fd)) continue;
      const ssize_t n = recv(fd, buffer, sizeof buffer, 0);
      if (n <= 0) return false;
      data.append(buffer, static_cast<std::size_t>(n));
      return true;
    }
    return false;
  };
  while ((header_end = data.find("\r\n\r\n")) == std::string::npos) {
    if (!read_more()) return;
  }
  RecordedRequest request;
  std::string_view head(data.data(), header_end);
  const auto first_line_end = head.find("\r\n");
  const std::string_view first = head.substr(0, first_line_end);
  const auto sp1 = first.find(' ');
  const auto sp2 = first.find(' ', sp1 + 1);
  request.method = std::string(first.substr(0, sp1));
  request.target = std::string(first.substr(sp1 + 1, sp2 - sp1 - 1));
  std::size_t pos = first_line_end == std::string_view::npos ? head.size() : first_line_end + 2;
  while (pos < head.size()) {
    auto end = head.find("\r\n", pos);
    if (end == std::string_view::npos) end = head.size();
    const std::string_view line = head.substr(pos, end - pos);
    const auto colon = line.find(':');
    if (colon != std::string_view::npos) {
      request.headers.emplace_back(std::string(trim(line.substr(0, colon))),
                                   std::string(trim(line.substr(colon + 1))));
    }
    pos = end + 2;
  }
  std::size_t content_length = 0;
  if (auto value = request.header("Content-Length")) content_length = std::stoul(*value);
  const std::size_t body_start = header_end + 4;
  while (data.size() - body_start < content_length) {
    if (!read_more()) break;
  }
  request.body = data.substr(body_start, content_length);
  {
    std::lock_guard lock(mutex_);
    requests_.push_back(request);
  }
  Connection connection(fd, stopping_);
  handler_(request, connection);
}

std::string http_response(int status, std::string_view body, std::string_view extra_headers) {
  std::string out = "HTTP/1.1 " + std::to_string(status) + " Test\r\n";
  out += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  out += "Connection: close\r\n";
  out += extra_headers;
  out += "\r\n";
  out += body;
  return out;
}

std::uint16_t unused_loopback_port() {
  std::uint16_t port = 0;
  const int fd = bind_loopback(&port);
  close(fd);
  return port;
}

}  // namespace vidserve::fetch::testing
