#pragma once
// Server: the HTTP/1.x server of vidserve (Boost.Beast). It owns the io threads, accepts
// connections and calls one Handler per request; it knows nothing of the APIs it serves.
//
//   Server server({.port = 0}, [](Request&& req, const ConnectionInfo&) {
//     return json_response(req, bhttp::status::ok, R"({"ok":true})");
//   });
//   auto port = server.start();   // Result<unsigned short>
//   ...
//   server.stop();                // or let the destructor do it
//
// TLS (ServerOptions::tls, tls_context.hpp): every connection of the listener is TLS 1.2+, HTTP
// and WebSocket alike; without it, plain TCP.
// Limits (ServerOptions): bodies over body_limit get 413 before the body is read (and
// before any 100 Continue), headers over header_limit 431, malformed requests 400; slow or
// idle connections are closed at the header/body/idle/write timeouts.
#include <memory>

#include "api/http/types.hpp"
#include "api/http/websocket.hpp"
#include "common/result.hpp"

namespace vidserve::api::http {

class Server {
 public:
  Server(ServerOptions options, Handler handler);
  // The handler answers through its Responder, possibly later and from another thread.
  Server(ServerOptions options, AsyncHandler handler);
  ~Server();  // stop()
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Chooses the protocol of WebSocket upgrade requests (default: 404). Set before start().
  void on_websocket(WsRoute route);

  // Binds (SO_REUSEADDR) and listens, starts the io threads and returns the bound port.
  // Errors: "invalidAddress", "listenFailed", "alreadyStarted". A stopped server may start again.
  Result<unsigned short> start();

  // Stops accepting, closes every connection, waits for the io threads (forcing them after
  // shutdown_timeout) and joins them. Idempotent. Must not be called from a handler.
  void stop();

  bool running() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vidserve::api::http
