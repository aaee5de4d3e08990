#pragma once
// Types shared by the HTTP server layer: the request type handlers receive, the handler
// signatures, and the server's limits and timeouts.
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message_generator.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace vidserve::api::http {

namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

using Request = bhttp::request<bhttp::string_body>;

class TlsCredentials;  // tls_context.hpp

// Header fields a caller adds to a response the helpers build (e.g. CORS), name and value.
using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct ConnectionInfo {
  std::string remote_address;  // peer IP address, e.g. "127.0.0.1" or "::1"
  unsigned short remote_port = 0;
};

// Handlers run on the server's io threads (one connection's requests never concurrently) and
// return a complete response. An exception escaping a handler becomes a 500 JSON error.
using Handler = std::function<bhttp::message_generator(Request&& req, const ConnectionInfo&)>;

// Answers a request handled asynchronously. Call it exactly once, from any thread, while the
// server runs; the response is written on the connection's strand.
using Responder = std::function<void(bhttp::message_generator)>;
// A handler that answers later (e.g. after a durable commit) without holding an io thread.
using AsyncHandler = std::function<void(Request&& req, const ConnectionInfo&, Responder respond)>;

struct ServerOptions {
  std::string address = "127.0.0.1";  // numeric IPv4 or IPv6 address
  unsigned short port = 8080;         // 0 = pick a free port
  // Set: every connection is TLS (HTTP and WebSocket), with the credentials' current context at
  // the time it is accepted. The handshake must end within header_timeout.
  std::shared_ptr<TlsCredentials> tls;
  int threads = 4;
  std::size_t body_limit = 10 * 1024 * 1024;  // bytes; larger bodies get 413
  std::size_t header_limit = 16 * 1024;       // bytes; larger headers get 431
  std::chrono::seconds header_timeout{15};    // time to receive the request headers
  std::chrono::seconds body_timeout{60};      // time to receive the body
  std::chrono::seconds idle_timeout{60};      // keep-alive idle between requests
  std::chrono::seconds write_timeout{60};     // longest time without any response progress
  std::chrono::seconds shutdown_timeout{5};   // stop(): wait this long for io work to end
  // Open connections (HTTP and WebSocket). 0: the file-descriptor limit less 64 for files and
  // outgoing connections. Per address 0: half of the total.
  std::size_t max_connections = 0;
  std::size_t max_connections_per_address = 0;
  // WebSocket connections (see websocket_session.hpp).
  std::size_t ws_message_limit = 0;                 // bytes per incoming message; 0 = body_limit
  std::size_t ws_queue_limit = 64 * 1024 * 1024;    // bytes of outgoing messages waiting to be written
  std::chrono::seconds ws_write_timeout{15};        // no progress writing to the peer: drop
  std::size_t ws_max_pending = 16;                  // messages being answered at once
  std::chrono::seconds ws_idle_timeout{120};        // no data (not even a pong) from the peer: close
  std::chrono::seconds ws_handshake_timeout{15};    // opening and closing handshakes
};

}  // namespace vidserve::api::http
