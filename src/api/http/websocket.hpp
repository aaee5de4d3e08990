#pragma once
// The WebSocket side of the HTTP server: a protocol (e.g. the Runware task API) implements
// WsHandler; the server gives it a WsConnection to send on. The server owns the socket, its
// limits and its shutdown; the handler never sees Beast.
//
//   message in  → handler.on_message(text)      (on the connection's strand, an io thread)
//   handler     → connection.send(text)         (from any thread; queued, written in order)
//   handler     → connection.message_done()     (once per message, from any thread, when its
//                                                reply has been queued; bounds the work a
//                                                connection can have in progress)
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "api/http/types.hpp"

namespace vidserve::api::http {

class WsConnection {
 public:
  virtual ~WsConnection() = default;
  // Queues one text frame. Over the outgoing queue limit the connection is dropped (the peer is
  // not reading) and the reason is logged. No-op once closed.
  virtual void send(std::string text) = 0;
  // A message given to on_message has been answered; the next one may be read.
  virtual void message_done() = 0;
  // Sends a close frame (after what is queued) and ends the connection.
  virtual void close() = 0;
};

class WsHandler {
 public:
  virtual ~WsHandler() = default;
  // Right after the handshake. Keep the connection as a weak_ptr: it owns the handler.
  virtual void on_open(std::weak_ptr<WsConnection> connection) = 0;
  virtual void on_message(std::string text) = 0;
  // Once, when the connection ended for any reason; nothing can be sent any more.
  virtual void on_close() = 0;
};

// Chooses the protocol for an upgrade request; nullptr answers 404.
using WsRoute =
    std::function<std::shared_ptr<WsHandler>(const Request& req, const ConnectionInfo& info)>;

}  // namespace vidserve::api::http
