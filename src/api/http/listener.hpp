#pragma once
// Listener: accepts connections and starts a Session for each, every one on its own strand.
// The acceptor arrives bound and listening (Server::start opens it to report errors).
// Accepted sockets get TCP_NODELAY.
#include <boost/asio/steady_timer.hpp>
#include <memory>

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

  net::io_context& ioc_;
  tcp::acceptor acceptor_;  // on its own strand
  net::steady_timer backoff_;
  std::shared_ptr<SessionContext> context_;
  bool stopped_ = false;
};

}  // namespace vidserve::api::http
