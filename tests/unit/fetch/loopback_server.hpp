#pragma once
// A tiny HTTP/1.1 responder on 127.0.0.1 for the HttpClient tests. It accepts one connection at a
// time on its own thread, parses the request (headers + Content-Length body), records it and
// hands it to the test's handler, which writes whatever answer (or non-answer) the test needs.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace vidserve::fetch::testing {

struct RecordedRequest {
  std::string method;
  std::string target;  // "/path?query"
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  // First header with this name (case-insensitive).
  std::optional<std::string> header(std::string_view name) const;
};

class Connection {
 public:
  Connection(int fd, const std::atomic<bool>& stopping) : fd_(fd), stopping_(stopping) {}
  // Writes everything; false once the peer is gone.
  bool send(std::string_view data);
  // Blocks until the client closes the connection, the server stops, or `limit` passes.
  void wait_until_closed(std::chrono::milliseconds limit);

 private:
  int fd_;
  const std::atomic<bool>& stopping_;
};

using Handler = std::function<void(const RecordedRequest&, Connection&)>;

class LoopbackServer {
 public:
  explicit LoopbackServer(Handler handler);
  ~LoopbackServer();
  LoopbackServer(const LoopbackServer&) = delete;
  LoopbackServer& operator=(const LoopbackServer&) = delete;

  std::uint16_t port() const { return port_; }
  // "http://127.0.0.1:<port><path>"
  std::string url(std::string_view path = "/") const;

  std::vector<RecordedRequest> requests() const;
  int connections() const { return connections_.load(); }

 private:
  void run();
  void serve(int fd);

  Handler handler_;
  int listen_fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> connections_{0};
  mutable std::mutex mutex_;
  std::vector<RecordedRequest> requests_;
  std::thread thread_;
};

// "HTTP/1.1 <status> X\r\nContent-Length: n\r\nConnection: close\r\n<extra>\r\n<body>"
std::string http_response(int status, std::string_view body, std::string_view extra_headers = "");

// A port on 127.0.0.1 that nothing listens on (bound, then closed).
std::uint16_t unused_loopback_port();

}  // namespace vidserve::fetch::testing
