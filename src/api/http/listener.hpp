#pragma once
// Listener: accepts connections and starts a Session for each, every one on its own strand.
// The acceptor arrives bound and listening (Server::start opens it to report errors). With TLS
// (ServerOptions::tls) each connection gets the credentials' context current when it is accepted.
// Accepted sockets get TCP_NODELAY. A connection over the ConnectionLimiter's limits (in all, or
// for its address) is closed at once; accept errors (EMFILE) pause 100 ms; both log at most once
// a second.
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "api/http/session_context.hpp"
#include "api/http/types.hpp"

namespace vidserve::api::http {

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  Listener(net::io_context& ioc, tcp::acceptor&& acceptor, std::shared_ptr<SessionContext> context);

  void run();   // starts accepting
  void stop();  // from any thread: closes the acceptor

 private:
  void accept();
  void on_accept(beast::error_code ec, tcp::socket socket);
  void log_throttled(std::string_view what, const std::string& detail);

  net::io_context& ioc_;
  tcp::acceptor acceptor_;  // on its own strand
  net::steady_timer backoff_;
  std::shared_ptr<SessionContext> context_;
  bool stopped_ = false;
  Clock::MonotonicTime last_log_{};
  std::size_t unlogged_ = 0;
};

}  // namespace vidserve::api::http
