#pragma once
// The two kinds of connection the server speaks: plain TCP, and TLS over TCP (OpenSSL through
// Boost.Beast's ssl_stream). Sessions are templates over them; both have a beast::tcp_stream as
// their lowest layer, which carries the timeouts.
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <memory>
#include <type_traits>

#include "api/http/types.hpp"

namespace vidserve::api::http {

using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

template <class Stream>
inline constexpr bool kIsTls = std::is_same_v<Stream, TlsStream>;

// Keeps the TLS context of a connection alive as long as the connection (null for plain TCP): a
// reload replaces the server's context, never one in use.
using TlsContextRef = std::shared_ptr<net::ssl::context>;

}  // namespace vidserve::api::http
