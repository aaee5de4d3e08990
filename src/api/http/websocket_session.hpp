#pragma once
// WebSocketSession: one upgraded connection (Beast websocket::stream over the HTTP session's
// stream, plain TCP or TLS, on the same strand). After Beast's advanced server: every step runs on the strand;
// outgoing frames wait in a queue and are written one at a time.
//
//   accept (handshake_timeout) → read a message (a ping after idle_timeout / 2 without data;
//   idle_timeout without data, not even the pong, closes)
//   → handler.on_message → read the next one while fewer than ws_max_pending messages are
//   unanswered → ... → close frame or error → handler.on_close
//
// Limits (ServerOptions): ws_message_limit per message (larger: close 1009); ws_queue_limit
// bytes of outgoing messages waiting behind the one being written (more: dropped, logged; no
// message is read while more than half of it waits); ws_write_timeout without progress on a
// 64 KiB piece of a message (the peer stopped reading: dropped, logged); ws_idle_timeout
// without any data from the peer, pongs included (closed); permessage-deflate off.
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <deque>
#include <memory>
#include <string>

#include "api/http/session_context.hpp"
#include "api/http/streams.hpp"
#include "api/http/websocket.hpp"

namespace vidserve::api::http {

template <class Stream>
class WebSocketSession final : public WsConnection,
                               public Closable,
                               public std::enable_shared_from_this<WebSocketSession<Stream>> {
 public:
  WebSocketSession(Stream&& stream, std::shared_ptr<SessionContext> context,
                   std::shared_ptr<WsHandler> handler, ConnectionInfo info,
                   ConnectionLimiter::Slot slot, TlsContextRef tls = {});
  ~WebSocketSession() override;

  void run(Request&& upgrade);  // once, on the strand, right after construction

  void send(std::string text) override;
  void message_done() override;
  void close() override;  // also Closable::close, used by the registry at shutdown

 private:
  void on_accept(beast::error_code ec);
  void read_next();
  void on_read(beast::error_code ec, std::size_t bytes);
  void enqueue(std::string&& text);
  void write_next();
  void on_write(beast::error_code ec, std::size_t bytes);
  void watch_writes();
  void on_stall_check(beast::error_code ec);
  void close_gracefully();
  void on_closed(beast::error_code ec);
  void drop(std::string_view reason);
  void finish();

  std::shared_ptr<SessionContext> context_;
  const ServerOptions& options_;
  TlsContextRef tls_;  // outlives ws_
  beast::websocket::stream<Stream> ws_;
  beast::flat_buffer buffer_;
  std::shared_ptr<WsHandler> handler_;
  ConnectionInfo info_;
  std::deque<std::string> queue_;
  std::size_t queued_bytes_ = 0;
  std::size_t written_ = 0;  // of the frame at the front
  net::steady_timer stall_timer_;
  Clock::MonotonicTime write_started_;  // of the piece being written
  std::size_t pending_ = 0;  // messages handed to the handler and not answered yet
  bool open_ = false;        // handshake done, not finished
  bool reading_ = false;
  bool writing_ = false;
  bool closing_ = false;  // a close frame is due once the queue is written
  bool finished_ = false;
  bool watching_ = false;  // stall_timer_ armed
  ConnectionLimiter::Slot slot_;
};

extern template class WebSocketSession<PlainStream>;
extern template class WebSocketSession<TlsStream>;

}  // namespace vidserve::api::http
