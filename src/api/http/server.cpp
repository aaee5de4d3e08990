#include "api/http/server.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "api/http/error_codes.hpp"
#include "api/http/listener.hpp"
#include "api/http/server_log.hpp"
#include "api/http/session_context.hpp"
#include "common/thread_role.hpp"

namespace vidserve::api::http {

namespace {

// The descriptor limit less a reserve for the database, media files and outgoing connections.
std::size_t default_max_connections() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return 10000;
  const auto soft = static_cast<std::size_t>(limit.rlim_cur);
  return soft > 128 ? soft - 64 : 64;
}

}  // namespace

struct Server::Impl {
  ServerOptions options;
  AsyncHandler handler;
  WsRoute websocket;

  std::mutex control;  // serialises start() and stop()
  std::unique_ptr<net::io_context> ioc;
  std::shared_ptr<SessionContext> context;
  std::shared_ptr<Listener> listener;
  std::vector<std::thread> threads;

  std::mutex exit_mutex;
  std::condition_variable exited;
  int running_threads = 0;

  Result<tcp::acceptor> open_acceptor();
  void run_thread();
  bool on_io_thread() const;
};

Result<tcp::acceptor> Server::Impl::open_acceptor() {
  beast::error_code ec;
  const auto address = net::ip::make_address(options.address, ec);
  if (ec) return Error{errc::kInvalidAddress, "'" + options.address + "' is not an IP address"};
  const tcp::endpoint endpoint(address, options.port);
  const std::string where = options.address + ":" + std::to_string(options.port);
  tcp::acceptor acceptor(net::make_strand(*ioc));
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) return Error{errc::kListenFailed, "cannot listen on " + where + ": " + ec.message()};
  return acceptor;
}

void Server::Impl::run_thread() {
  thread_role::mark_io_thread();
  for (;;) {
    try {
      ioc->run();
      break;
    } catch (const std::exception& e) {  // handlers catch their own; this is a last resort
      log_error("io thread", e.what());
    }
  }
  const std::lock_guard lock(exit_mutex);
  --running_threads;
  exited.notify_all();
}

bool Server::Impl::on_io_thread() const {
  const auto self = std::this_thread::get_id();
  return std::any_of(threads.begin(), threads.end(),
                     [&](const std::thread& t) { return t.get_id() == self; });
}

Server::Server(ServerOptions options, Handler handler)
    : Server(std::move(options),
             AsyncHandler([handler = std::move(handler)](Request&& req, const ConnectionInfo& info,
                                                         Responder respond) {
               respond(handler(std::move(req), info));
             })) {}

Server::Server(ServerOptions options, AsyncHandler handler) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  impl_->handler = std::move(handler);
}

Server::~Server() {
  stop();
}

void Server::on_websocket(WsRoute route) {
  const std::lock_guard lock(impl_->control);
  impl_->websocket = std::move(route);
}

Result<unsigned short> Server::start() {
  Impl& s = *impl_;
  const std::lock_guard lock(s.control);
  if (s.ioc) return Error{errc::kAlreadyStarted, "the server is already running"};
  const int thread_count = std::max(1, s.options.threads);
  s.ioc = std::make_unique<net::io_context>(thread_count);
  auto acceptor = s.open_acceptor();
  if (!acceptor) {
    s.ioc.reset();
    return acceptor.error();
  }
  beast::error_code ec;
  const unsigned short port = acceptor->local_endpoint(ec).port();
  s.context = std::make_shared<SessionContext>();
  s.context->options = s.options;
  s.context->handler = s.handler;
  s.context->websocket = s.websocket;
  const std::size_t total =
      s.options.max_connections ? s.options.max_connections : default_max_connections();
  s.context->limiter = std::make_unique<ConnectionLimiter>(
      total, s.options.max_connections_per_address ? s.options.max_connections_per_address
                                                   : std::max<std::size_t>(1, total / 2));
  s.listener = std::make_shared<Listener>(*s.ioc, std::move(*acceptor), s.context);
  s.listener->run();
  s.running_threads = thread_count;
  for (int i = 0; i < thread_count; ++i) s.threads.emplace_back([&s] { s.run_thread(); });
  return port;
}

void Server::stop() {
  Impl& s = *impl_;
  const std::lock_guard lock(s.control);
  if (!s.ioc) return;
  s.listener->stop();
  s.context->registry.close_all();
  if (s.on_io_thread()) {
    log_error("stop", "called on an io thread; connections close, threads are joined later");
    return;
  }
  {
    std::unique_lock exit_lock(s.exit_mutex);
    if (!s.exited.wait_for(exit_lock, s.options.shutdown_timeout,
                           [&] { return s.running_threads == 0; })) {
      s.ioc->stop();  // e.g. upgraded connections that are still open
    }
  }
  for (auto& thread : s.threads) thread.join();
  s.threads.clear();
  s.listener.reset();
  s.ioc.reset();  // destroys what is left of the sessions
  s.context.reset();
}

bool Server::running() const {
  const std::lock_guard lock(impl_->control);
  return impl_->ioc != nullptr;
}

}  // namespace vidserve::api::http
