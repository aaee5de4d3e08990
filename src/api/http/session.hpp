#pragma once
// Session: one HTTP/1.x connection, after Beast's http_server_async / advanced_server_flex,
// over plain TCP or TLS (streams.hpp).
// Every step runs on the connection's strand, so the session needs no locks. Requests are
// served one after another; pipelined requests wait in the read buffer.
//
//   [TLS handshake (header_timeout)] → read_header ...
//   wait_for_request (idle_timeout) → read_header (header_timeout) → size check (413)
//   → [100 Continue] → read_body (body_timeout) → handler → write (write_timeout per step)
//   → keep-alive ? wait_for_request : linger_close
//   A WebSocket upgrade request is handed to a WebSocketSession on the same socket and strand
//   when the server's WsRoute accepts its target (404 otherwise).
//
// Over TLS, a connection that ends after a response sends close_notify (waiting at most the
// linger time for the peer's) instead of a TCP half-close.
// Faults: malformed requests get 400 (431 for oversized headers) and the connection closes;
// timeouts, resets and stop() close the socket.
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "api/http/header_scan.hpp"
#include "api/http/session_context.hpp"
#include "api/http/streams.hpp"
#include "api/http/types.hpp"

namespace vidserve::api::http {

template <class Stream>
class Session final : public Closable, public std::enable_shared_from_this<Session<Stream>> {
 public:
  // `info`: the peer, as the listener found it when it took the connection's slot. `tls`: the
  // context `stream` was made with (TLS only).
  Session(Stream&& stream, std::shared_ptr<SessionContext> context, ConnectionInfo info,
          ConnectionLimiter::Slot slot, TlsContextRef tls = {});
  ~Session() override;
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  void start();  // once, right after construction
  void close() override;  // from any thread

 private:
  void on_handshake(beast::error_code ec);
  void wait_for_request();
  void on_idle_data(beast::error_code ec, std::size_t bytes);
  void read_header();
  void scan_header();
  void on_header_bytes(beast::error_code ec, std::size_t bytes);
  void on_header(beast::error_code ec, std::size_t bytes);
  void on_continue_sent(beast::error_code ec, std::size_t bytes);
  void read_body();
  void on_body(beast::error_code ec, std::size_t bytes);
  void on_read_error(beast::error_code ec);
  void handle_request();
  void hand_off_upgrade(Request&& req);
  void reject(bhttp::status status, std::string_view code, const std::string& message);
  void send(bhttp::message_generator response);
  void write_some();
  void on_write_some(beast::error_code ec, std::size_t bytes);
  void linger_close();
  void on_linger(beast::error_code ec, std::size_t bytes);
  beast::tcp_stream& tcp() { return beast::get_lowest_layer(stream_); }
  void close_now();

  std::shared_ptr<SessionContext> context_;
  const ServerOptions& options_;
  net::any_io_executor strand_;
  TlsContextRef tls_;  // outlives stream_
  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::optional<bhttp::message_generator> response_;
  ConnectionInfo info_;
  std::size_t drained_ = 0;
  HeaderScanState header_scan_;
  bool closed_ = false;  // socket closed or handed to the upgrade handler
  ConnectionLimiter::Slot slot_;  // moves to the WebSocket session on upgrade
};

extern template class Session<PlainStream>;
extern template class Session<TlsStream>;

}  // namespace vidserve::api::http
