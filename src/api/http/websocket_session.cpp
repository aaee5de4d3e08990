#include "api/http/websocket_session.hpp"

#include <algorithm>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/websocket/error.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <exception>
#include <utility>

#include "api/http/server_log.hpp"

namespace vidserve::api::http {

namespace websocket = beast::websocket;

namespace {

std::string describe(const ConnectionInfo& info) {
  return info.remote_address + ":" + std::to_string(info.remote_port);
}

// Handler code is the protocol's; a throw must not take an io thread down with it.
// Outgoing messages are written in pieces of this size (continuation frames), so that progress
// is seen piece by piece: ws_write_timeout limits each piece, not a whole large message.
constexpr std::size_t kWriteChunk = 64 * 1024;

// Handler code is the protocol's; a throw must not take an io thread down with it. False when
// it threw.
template <typename F>
bool guarded(std::string_view what, F&& f) {
  try {
    f();
    return true;
  } catch (const std::exception& e) {
    log_error(what, e.what());
  } catch (...) {
    log_error(what, "unknown exception");
  }
  return false;
}

}  // namespace

template <class Stream>
WebSocketSession<Stream>::WebSocketSession(Stream&& stream, std::shared_ptr<SessionContext> context,
                                           std::shared_ptr<WsHandler> handler, ConnectionInfo info,
                                           ConnectionLimiter::Slot slot, TlsContextRef tls)
    : context_(std::move(context)),
      options_(context_->options),
      tls_(std::move(tls)),
      ws_(std::move(stream)),
      handler_(std::move(handler)),
      info_(std::move(info)),
      stall_timer_(ws_.get_executor()),
      slot_(std::move(slot)) {}

template <class Stream>
WebSocketSession<Stream>::~WebSocketSession() {
  context_->registry.remove(this);
}

template <class Stream>
void WebSocketSession<Stream>::run(Request&& upgrade) {
  if (!context_->registry.add(this->shared_from_this())) return;  // stopping: the socket closes with us
  websocket::stream_base::timeout timeouts{};
  timeouts.handshake_timeout = options_.ws_handshake_timeout;
  timeouts.idle_timeout = options_.ws_idle_timeout;
  // After half of idle_timeout without data from the peer Beast sends a ping; a peer that
  // answers it (every WebSocket client library does) stays connected while it waits quietly for
  // results. One that sends nothing, not even that pong, is closed at idle_timeout.
  timeouts.keep_alive_pings = true;
  ws_.set_option(timeouts);
  websocket::permessage_deflate deflate;  // off: frames are small JSON, and deflate costs memory
  deflate.server_enable = false;
  ws_.set_option(deflate);
  ws_.read_message_max(options_.ws_message_limit ? options_.ws_message_limit : options_.body_limit);
  ws_.set_option(websocket::stream_base::decorator(
      [](websocket::response_type& res) { res.set(bhttp::field::server, "vidserve"); }));
  ws_.async_accept(upgrade,
                   beast::bind_front_handler(&WebSocketSession::on_accept, this->shared_from_this()));
}

template <class Stream>
void WebSocketSession<Stream>::on_accept(beast::error_code ec) {
  if (ec) return finish();
  open_ = true;
  guarded("websocket open", [&] { handler_->on_open(this->weak_from_this()); });
  if (closing_) return close_gracefully();  // close() came during the handshake
  read_next();
}

// Reads while fewer than ws_max_pending messages wait for their answer and less than half the
// queue limit waits to be written: a client cannot pile up work or replies faster than they are
// done and read; it only waits.
template <class Stream>
void WebSocketSession<Stream>::read_next() {
  if (!open_ || reading_ || closing_ || pending_ >= options_.ws_max_pending) return;
  if (queued_bytes_ > options_.ws_queue_limit / 2) return;  // on_write reads again
  reading_ = true;
  ws_.async_read(buffer_,
                 beast::bind_front_handler(&WebSocketSession::on_read, this->shared_from_this()));
}

template <class Stream>
void WebSocketSession<Stream>::on_read(beast::error_code ec, std::size_t) {
  reading_ = false;
  if (ec) {
    if (ec == websocket::error::message_too_big) {
      log_error("websocket " + describe(info_), "message over the limit; closed with 1009");
    }
    return finish();  // closed by the peer, idle timeout, reset, or stop()
  }
  std::string text = beast::buffers_to_string(buffer_.data());
  buffer_.consume(buffer_.size());
  ++pending_;
  // A handler that threw will not answer: count the message as done.
  if (!guarded("websocket message", [&] { handler_->on_message(std::move(text)); })) --pending_;
  read_next();
}

template <class Stream>
void WebSocketSession<Stream>::message_done() {
  net::post(ws_.get_executor(), [self = this->shared_from_this()] {
    if (self->pending_ > 0) --self->pending_;
    self->read_next();
  });
}

template <class Stream>
void WebSocketSession<Stream>::send(std::string text) {
  auto holder = std::make_shared<std::string>(std::move(text));
  net::post(ws_.get_executor(),
            [self = this->shared_from_this(), holder] { self->enqueue(std::move(*holder)); });
}

// The frame at the front is being written (or is next): the limit applies to what waits behind
// it, so one large reply is sent whole, as over HTTP, while a peer that stops reading cannot make
// the queue grow past the limit.
template <class Stream>
void WebSocketSession<Stream>::enqueue(std::string&& text) {
  if (!open_ || closing_) return;
  const std::size_t waiting = queued_bytes_ - (queue_.empty() ? 0 : queue_.front().size());
  if (!queue_.empty() && waiting + text.size() > options_.ws_queue_limit) {
    return drop("the peer does not read: " + std::to_string(waiting + text.size()) +
                " bytes waiting (limit " + std::to_string(options_.ws_queue_limit) + ")");
  }
  queued_bytes_ += text.size();
  queue_.push_back(std::move(text));
  if (!writing_) write_next();
}

template <class Stream>
void WebSocketSession<Stream>::write_next() {
  if (queue_.empty()) {
    if (closing_) close_gracefully();
    return;
  }
  const std::string& frame = queue_.front();
  const std::size_t size = std::min(kWriteChunk, frame.size() - written_);
  const bool last = written_ + size == frame.size();
  writing_ = true;
  write_started_ = context_->clock->monotonic();
  watch_writes();
  ws_.text(true);
  ws_.async_write_some(last, net::buffer(frame.data() + written_, size),
                       beast::bind_front_handler(&WebSocketSession::on_write, this->shared_from_this()));
}

template <class Stream>
void WebSocketSession<Stream>::on_write(beast::error_code ec, std::size_t bytes) {
  writing_ = false;
  // After drop() or finish() only the frame that was in flight is left; nothing more is written.
  if (ec || finished_) return finish();
  written_ += bytes;
  if (written_ >= queue_.front().size()) {
    queued_bytes_ -= queue_.front().size();
    queue_.pop_front();
    written_ = 0;
    read_next();  // the queue may be short enough again
  }
  write_next();
}

// One timer per connection, armed while a piece is being written: a piece that makes no progress
// for ws_write_timeout means the peer stopped reading.
template <class Stream>
void WebSocketSession<Stream>::watch_writes() {
  if (watching_) return;
  watching_ = true;
  stall_timer_.expires_after(options_.ws_write_timeout);
  stall_timer_.async_wait(
      beast::bind_front_handler(&WebSocketSession::on_stall_check, this->shared_from_this()));
}

template <class Stream>
void WebSocketSession<Stream>::on_stall_check(beast::error_code ec) {
  watching_ = false;
  if (ec || finished_ || !writing_) return;
  const auto stalled = context_->clock->monotonic() - write_started_;
  if (stalled < options_.ws_write_timeout) return watch_writes();
  drop("the peer does not read: no write progress for " +
       std::to_string(options_.ws_write_timeout.count()) + " s, " + std::to_string(queued_bytes_) +
       " bytes queued");
}

template <class Stream>
void WebSocketSession<Stream>::close() {
  net::post(ws_.get_executor(), [self = this->shared_from_this()] {
    if (self->closing_) return;
    self->closing_ = true;
    // During the handshake on_accept sends the close frame: the peer may already hold the 101
    // answer, so it must hear the close rather than see the socket drop at the shutdown timeout.
    if (!self->open_) return;
    if (!self->writing_) self->close_gracefully();  // else after the frame in flight
  });
}

// Close frame 1001 (going away); the handshake_timeout bounds the wait for the peer's answer.
template <class Stream>
void WebSocketSession<Stream>::close_gracefully() {
  ws_.async_close(websocket::close_code::going_away,
                  beast::bind_front_handler(&WebSocketSession::on_closed, this->shared_from_this()));
}

template <class Stream>
void WebSocketSession<Stream>::on_closed(beast::error_code) {
  finish();
}

template <class Stream>
void WebSocketSession<Stream>::drop(std::string_view reason) {
  log_error("websocket " + describe(info_) + " dropped", reason);
  beast::error_code ec;
  beast::get_lowest_layer(ws_).socket().shutdown(tcp::socket::shutdown_both, ec);
  beast::get_lowest_layer(ws_).close();
  finish();
}

template <class Stream>
void WebSocketSession<Stream>::finish() {
  if (finished_) return;
  finished_ = true;
  const bool was_open = open_;
  open_ = false;
  stall_timer_.cancel();
  // A frame being written stays alive until its write completes: Beast still refers to it.
  queue_.erase(writing_ && !queue_.empty() ? std::next(queue_.begin()) : queue_.begin(),
               queue_.end());
  queued_bytes_ = 0;
  if (was_open) guarded("websocket close", [&] { handler_->on_close(); });
  handler_.reset();  // the handler may hold what the connection's events refer to
}

template class WebSocketSession<PlainStream>;
template class WebSocketSession<TlsStream>;

}  // namespace vidserve::api::http
