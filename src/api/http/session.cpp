#include "api/http/session.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <atomic>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/rfc7230.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <exception>
#include <utility>

#include "api/http/error_codes.hpp"
#include "api/http/header_scan.hpp"
#include "api/http/responses.hpp"
#include "api/http/server_log.hpp"
#include "api/http/websocket_session.hpp"
#include "common/error_codes.hpp"

namespace vidserve::api::http {
namespace {

constexpr std::size_t kReadChunk = 16 * 1024;
// After a response that ends the connection, unread request bytes are discarded for a while
// before closing, so that the kernel does not answer them with a reset that destroys the
// response in flight (e.g. a 413 sent while the client is still uploading).
constexpr std::chrono::seconds kLingerTime{2};
constexpr std::size_t kLingerBytes = 1024 * 1024;
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

bool is_parse_error(beast::error_code ec) {
  return ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category() &&
         ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message;
}

// False when the request names transfer codings and the last one is not chunked.
bool chunked_or_no_coding(const Request& req) {
  const auto codings = req[bhttp::field::transfer_encoding];
  if (codings.empty()) return true;
  std::string_view last;
  for (const auto& coding : bhttp::token_list(codings)) last = std::string_view(coding.data(), coding.size());
  return beast::iequals(last, "chunked");
}

bool expects_continue(const Request& req) {
  return req.version() >= 11 && beast::iequals(req[bhttp::field::expect], "100-continue");
}

}  // namespace

template <class Stream>
Session<Stream>::Session(Stream&& stream, std::shared_ptr<SessionContext> context, ConnectionInfo info,
                         ConnectionLimiter::Slot slot, TlsContextRef tls)
    : context_(std::move(context)),
      options_(context_->options),
      strand_(stream.get_executor()),
      tls_(std::move(tls)),
      stream_(std::move(stream)),
      info_(std::move(info)),
      slot_(std::move(slot)) {}

template <class Stream>
Session<Stream>::~Session() {
  context_->registry.remove(this);
}

template <class Stream>
void Session<Stream>::start() {
  net::dispatch(strand_, [self = this->shared_from_this()] {
    if (!self->context_->registry.add(self)) return self->close_now();  // server stopping
    // A new connection must complete the TLS handshake, and then send its header, each within
    // header_timeout.
    if constexpr (kIsTls<Stream>) {
      self->tcp().expires_after(self->options_.header_timeout);
      self->stream_.async_handshake(net::ssl::stream_base::server,
                                    beast::bind_front_handler(&Session::on_handshake, self));
    } else {
      self->read_header();
    }
  });
}

template <class Stream>
void Session<Stream>::on_handshake(beast::error_code ec) {
  if (ec) return close_now();  // not TLS, a refused version, timeout, or stop()
  read_header();
}

template <class Stream>
void Session<Stream>::close() {
  net::post(strand_, [self = this->shared_from_this()] { self->close_now(); });
}

// Keep-alive: wait up to idle_timeout for the first byte of the next request.
template <class Stream>
void Session<Stream>::wait_for_request() {
  if (buffer_.size() > 0) return read_header();  // pipelined: already here
  tcp().expires_after(options_.idle_timeout);
  stream_.async_read_some(buffer_.prepare(kReadChunk),
                          beast::bind_front_handler(&Session::on_idle_data, this->shared_from_this()));
}

template <class Stream>
void Session<Stream>::on_idle_data(beast::error_code ec, std::size_t bytes) {
  buffer_.commit(bytes);
  if (ec) return close_now();  // idle timeout, peer closed, or stop()
  read_header();
}

template <class Stream>
void Session<Stream>::read_header() {
  parser_.emplace();
  parser_->header_limit(static_cast<std::uint32_t>(options_.header_limit));
  parser_->body_limit(options_.body_limit);
  tcp().expires_after(options_.header_timeout);
  header_scan_ = {};
  scan_header();
}

// Reads until the header section is complete (or over the limit, which Beast then reports) and
// refuses obsolete line folding before Beast, which would accept it, parses the buffered bytes.
template <class Stream>
void Session<Stream>::scan_header() {
  const auto data = buffer_.data();
  const std::string_view bytes(static_cast<const char*>(data.data()), data.size());
  const auto scan = http::scan_header(bytes, header_scan_);
  if (scan == HeaderScan::ObsFold) {
    return reject(
        bhttp::status::bad_request, errc::kBadRequest,
        "obsolete line folding (a header line starting with a space or tab) is not accepted");
  }
  if (scan == HeaderScan::Complete || bytes.size() > options_.header_limit) {
    bhttp::async_read_header(stream_, buffer_, *parser_,
                             beast::bind_front_handler(&Session::on_header, this->shared_from_this()));
    return;
  }
  stream_.async_read_some(buffer_.prepare(kReadChunk),
                          beast::bind_front_handler(&Session::on_header_bytes, this->shared_from_this()));
}

template <class Stream>
void Session<Stream>::on_header_bytes(beast::error_code ec, std::size_t bytes) {
  buffer_.commit(bytes);
  if (ec) return close_now();  // header timeout, peer closed, or stop()
  scan_header();
}

template <class Stream>
void Session<Stream>::on_header(beast::error_code ec, std::size_t header_bytes) {
  if (ec) return on_read_error(ec);
  // Beast enforces header_limit only while the header is incomplete: one that arrives whole in a
  // single read (24 KB of small fields, say) would pass.
  if (header_bytes > options_.header_limit) return on_read_error(bhttp::error::header_limit);
  if (!chunked_or_no_coding(parser_->get())) {
    // RFC 9112 §6.3: the body's length is unknown; reading on would take it as the next request.
    return reject(bhttp::status::bad_request, errc::kBadRequest,
                  "Transfer-Encoding must end with chunked");
  }
  // Beast's parser already fails a Content-Length over body_limit; this check is explicit so
  // that the 413 never depends on that detail. Either way the body is never read.
  const auto length = parser_->content_length();
  if (length && *length > options_.body_limit) return on_read_error(bhttp::error::body_limit);
  if (parser_->is_done()) return handle_request();
  if (expects_continue(parser_->get())) {
    tcp().expires_after(options_.body_timeout);
    net::async_write(stream_, net::buffer(kContinue.data(), kContinue.size()),
                     beast::bind_front_handler(&Session::on_continue_sent, this->shared_from_this()));
    return;
  }
  read_body();
}

template <class Stream>
void Session<Stream>::on_continue_sent(beast::error_code ec, std::size_t) {
  if (ec) return close_now();
  read_body();
}

template <class Stream>
void Session<Stream>::read_body() {
  tcp().expires_after(options_.body_timeout);
  bhttp::async_read(stream_, buffer_, *parser_,
                    beast::bind_front_handler(&Session::on_body, this->shared_from_this()));
}

template <class Stream>
void Session<Stream>::on_body(beast::error_code ec, std::size_t) {
  if (ec) return on_read_error(ec);
  handle_request();
}

template <class Stream>
void Session<Stream>::on_read_error(beast::error_code ec) {
  if (ec == bhttp::error::body_limit) {
    return reject(bhttp::status::payload_too_large, errc::kPayloadTooLarge,
                  "request body exceeds " + std::to_string(options_.body_limit) + " bytes");
  }
  if (ec == bhttp::error::header_limit) {
    return reject(bhttp::status::request_header_fields_too_large, errc::kHeaderTooLarge,
                  "request header exceeds " + std::to_string(options_.header_limit) + " bytes");
  }
  if (is_parse_error(ec)) {
    return reject(bhttp::status::bad_request, errc::kBadRequest,
                  "malformed HTTP request: " + ec.message());
  }
  close_now();  // end of stream, timeout, reset, stop()
}

template <class Stream>
void Session<Stream>::handle_request() {
  Request req = parser_->release();
  if (beast::websocket::is_upgrade(req)) return hand_off_upgrade(std::move(req));
  const unsigned version = req.version();
  const bool keep_alive = req.keep_alive();
  // The responder may run on another thread: it only posts the response to this strand.
  auto answered = std::make_shared<std::atomic<bool>>(false);
  Responder respond = [self = this->shared_from_this(), answered](bhttp::message_generator response) {
    if (answered->exchange(true)) return;  // answered already (e.g. after an exception)
    auto holder = std::make_shared<bhttp::message_generator>(std::move(response));
    net::post(self->strand_, [self, holder] { self->send(std::move(*holder)); });
  };
  const char* failure = nullptr;
  try {
    context_->handler(std::move(req), info_, respond);
  } catch (const std::exception& e) {
    log_error("handler failed", e.what());
    failure = "exception";
  } catch (...) {
    log_error("handler failed", "unknown exception");
    failure = "exception";
  }
  if (failure) {
    respond(error_response(version, keep_alive, bhttp::status::internal_server_error,
                           errc::kInternalServerError, "internal server error"));
  }
}

template <class Stream>
void Session<Stream>::hand_off_upgrade(Request&& req) {
  std::shared_ptr<WsHandler> handler;
  try {
    if (context_->websocket) handler = context_->websocket(req, info_);
  } catch (const std::exception& e) {
    log_error("websocket route failed", e.what());
  } catch (...) {
    log_error("websocket route failed", "unknown exception");
  }
  if (!handler) {
    return send(error_response(req, bhttp::status::not_found, vidserve::errc::kNotFound,
                               "no WebSocket endpoint at " + std::string(req.target())));
  }
  tcp().expires_never();
  closed_ = true;  // the socket belongs to the WebSocket session from here on
  context_->registry.remove(this);
  auto session = std::make_shared<WebSocketSession<Stream>>(std::move(stream_), context_, std::move(handler),
                                                            info_, std::move(slot_), std::move(tls_));
  session->run(std::move(req));
}

// Answers a request that could not be read completely; the connection closes afterwards.
template <class Stream>
void Session<Stream>::reject(bhttp::status status, std::string_view code, const std::string& message) {
  const unsigned version = parser_ && parser_->get().version() == 10 ? 10 : 11;
  send(error_response(version, false, status, code, message));
}

template <class Stream>
void Session<Stream>::send(bhttp::message_generator response) {
  response_.emplace(std::move(response));
  write_some();
}

// Writes the response piece by piece so that write_timeout limits each step rather than the
// whole transfer of a large file.
template <class Stream>
void Session<Stream>::write_some() {
  beast::error_code ec;
  const auto buffers = response_->prepare(ec);
  if (ec) {
    log_error("response body", ec.message());
    return close_now();
  }
  tcp().expires_after(options_.write_timeout);
  stream_.async_write_some(buffers,
                           beast::bind_front_handler(&Session::on_write_some, this->shared_from_this()));
}

template <class Stream>
void Session<Stream>::on_write_some(beast::error_code ec, std::size_t bytes) {
  if (ec) return close_now();
  response_->consume(bytes);
  if (!response_->is_done()) return write_some();
  const bool keep_alive = response_->keep_alive();
  response_.reset();
  if (!keep_alive) return linger_close();
  wait_for_request();
}

template <class Stream>
void Session<Stream>::linger_close() {
  if constexpr (kIsTls<Stream>) {
    // close_notify, then the peer's (unread request bytes are discarded meanwhile).
    tcp().expires_after(kLingerTime);
    stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) { self->close_now(); });
    return;
  }
  beast::error_code ec;
  tcp().socket().shutdown(tcp::socket::shutdown_send, ec);
  if (ec) return close_now();
  buffer_.consume(buffer_.size());
  tcp().expires_after(kLingerTime);
  stream_.async_read_some(buffer_.prepare(kReadChunk),
                          beast::bind_front_handler(&Session::on_linger, this->shared_from_this()));
}

template <class Stream>
void Session<Stream>::on_linger(beast::error_code ec, std::size_t bytes) {
  drained_ += bytes;
  if (ec || drained_ > kLingerBytes) return close_now();
  stream_.async_read_some(buffer_.prepare(kReadChunk),
                          beast::bind_front_handler(&Session::on_linger, this->shared_from_this()));
}

template <class Stream>
void Session<Stream>::close_now() {
  if (closed_) return;
  closed_ = true;
  beast::error_code ec;
  tcp().socket().shutdown(tcp::socket::shutdown_both, ec);
  tcp().close();
}

template class Session<PlainStream>;
template class Session<TlsStream>;

}  // namespace vidserve::api::http
