#pragma once
// What every connection of one running server shares: its options, the handlers and the
// registry of open sessions. Owned jointly by the server, the listener and the sessions.
#include <memory>

#include "api/http/connection_limiter.hpp"
#include "api/http/session_registry.hpp"
#include "api/http/types.hpp"
#include "api/http/websocket.hpp"
#include "common/clock.hpp"

namespace vidserve::api::http {

struct SessionContext {
  ServerOptions options;
  AsyncHandler handler;  // synchronous handlers are wrapped into this
  WsRoute websocket;  // empty: upgrade requests get 404
  SessionRegistry registry;
  std::unique_ptr<ConnectionLimiter> limiter;  // set by Server::start
  const Clock* clock = &SystemClock::instance();  // log throttling, WebSocket write stalls
};

}  // namespace vidserve::api::http
