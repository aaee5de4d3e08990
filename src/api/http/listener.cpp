#include "api/http/listener.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/bind_handler.hpp>

#include "api/http/server_log.hpp"
#include "api/http/session.hpp"
#include "api/http/tls_context.hpp"

namespace vidserve::api::http {

namespace {

ConnectionInfo peer_of(const tcp::socket& socket) {
  beast::error_code ec;
  const auto endpoint = socket.remote_endpoint(ec);
  if (ec) return {};
  return {endpoint.address().to_string(), endpoint.port()};
}

}  // namespace

Listener::Listener(net::io_context& ioc, tcp::acceptor&& acceptor,
                   std::shared_ptr<SessionContext> context)
    : ioc_(ioc),
      acceptor_(std::move(acceptor)),
      backoff_(acceptor_.get_executor()),
      context_(std::move(context)) {}

void Listener::run() {
  net::dispatch(acceptor_.get_executor(), [self = shared_from_this()] { self->accept(); });
}

void Listener::stop() {
  net::post(acceptor_.get_executor(), [self = shared_from_this()] {
    self->stopped_ = true;
    beast::error_code ec;
    self->acceptor_.close(ec);
    self->backoff_.cancel();
  });
}

void Listener::log_throttled(std::string_view what, const std::string& detail) {
  const auto now = context_->clock->monotonic();
  if (now - last_log_ < std::chrono::seconds(1)) {
    ++unlogged_;
    return;
  }
  last_log_ = now;
  log_error(what, unlogged_ ? detail + " (" + std::to_string(unlogged_) + " more not logged)" : detail);
  unlogged_ = 0;
}

void Listener::accept() {
  if (stopped_) return;
  acceptor_.async_accept(net::make_strand(ioc_),
                         beast::bind_front_handler(&Listener::on_accept, shared_from_this()));
}

void Listener::on_accept(beast::error_code ec, tcp::socket socket) {
  if (stopped_) return;  // the socket, if any, closes with this scope
  if (ec) {
    // Out of descriptors and the like: pause instead of spinning on the error; log at most once
    // a second, with how many were not logged.
    log_throttled("accept", ec.message());
    backoff_.expires_after(std::chrono::milliseconds(100));
    backoff_.async_wait([self = shared_from_this()](beast::error_code wait_ec) {
      if (!wait_ec) self->accept();
    });
    return;
  }
  // Responses go out in several writes (header, then 64 KiB pieces of a file): with Nagle's
  // algorithm the last small write waits for the ACK of the previous one, which a client on a
  // kept-alive connection delays by ~40 ms. Nothing here benefits from coalescing: every write
  // is a whole response, or a large piece of one, that should leave at once.
  auto peer = peer_of(socket);
  auto slot = context_->limiter->acquire(peer.remote_address);
  if (!slot) {
    // Full, in all or for this address: close at once (a reset), keeping the descriptor free.
    log_throttled("connection refused", "the connection limit is reached (" +
                                            std::to_string(context_->limiter->open()) + " open)");
    beast::error_code ignored;
    socket.set_option(net::socket_base::linger(true, 0), ignored);
    socket.close(ignored);
    return accept();
  }
  beast::error_code nodelay_ec;
  socket.set_option(tcp::no_delay(true), nodelay_ec);  // best effort: a failure only costs latency
  if (context_->options.tls) {
    auto tls = context_->options.tls->current();
    TlsStream stream(std::move(socket), *tls);
    std::make_shared<Session<TlsStream>>(std::move(stream), context_, std::move(peer), std::move(*slot),
                                         std::move(tls))
        ->start();
  } else {
    std::make_shared<Session<PlainStream>>(PlainStream(std::move(socket)), context_, std::move(peer),
                                           std::move(*slot))
        ->start();
  }
  accept();
}

}  // namespace vidserve::api::http
