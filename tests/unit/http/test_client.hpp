#pragma once
// Test helpers: a blocking POSIX-socket client with receive timeouts (so a broken server fails
// a test instead of hanging it) and a server started on a free loopback port.
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "api/http/server.hpp"

namespace vidserve::api::http::test {

using Response = bhttp::response<bhttp::string_body>;

class RawClient {
 public:
  explicit RawClient(unsigned short port,
                     std::chrono::milliseconds timeout = std::chrono::seconds(5));
  ~RawClient();
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  bool connected() const { return fd_ >= 0; }
  bool send(std::string_view data);
  // One response; nullopt on timeout, close or garbage. `head`: the request was HEAD.
  std::optional<Response> read_response(bool head = false);
  // True when the server closes the connection (EOF or reset) within `within`; unread bytes
  // are discarded.
  bool wait_closed(std::chrono::milliseconds within);
  // Everything received until the server closes (or the timeout passes).
  std::string read_all();

 private:
  bool receive_more();  // appends to pending_; false on EOF, error or timeout

  int fd_ = -1;
  std::chrono::milliseconds timeout_;
  std::string pending_;
};

// Sends `request` on a fresh connection and reads one response.
std::optional<Response> round_trip(unsigned short port, std::string_view request,
                                   bool head = false);

// A started server; fails the test (ADD_FAILURE) when start() fails.
struct RunningServer {
  RunningServer(ServerOptions options, Handler handler);
  std::unique_ptr<Server> server;
  unsigned short port = 0;
};

ServerOptions test_options();  // port 0, 2 threads, short timeouts

}  // namespace vidserve::api::http::test
