// TLS on the HTTP server: a handshake and requests over it, TLS 1.1 refused, WebSocket over TLS,
// the handshake timeout, loading errors, and a reload that new connections pick up while open
// ones keep their certificate. Certificates: tests/data/tls (signed by its ca.pem).
#include <gtest/gtest.h>
#include <openssl/ssl.h>
#include <sys/socket.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <chrono>
#include <filesystem>
#include <string>

#include "api/http/error_codes.hpp"
#include "api/http/responses.hpp"
#include "api/http/server.hpp"
#include "api/http/tls_context.hpp"
#include "test_client.hpp"

namespace vidserve::api::http {
namespace {

using namespace std::chrono_literals;
namespace ssl = net::ssl;
namespace fs = std::filesystem;
namespace websocket = beast::websocket;
using ClientStream = ssl::stream<tcp::socket>;

const fs::path kTlsDir = fs::path(VIDSERVE_SOURCE_DIR) / "tests/data/tls";

TlsFiles pair_of(const char* name) {
  return {(kTlsDir / (std::string("server-") + name + ".pem")).string(),
          (kTlsDir / (std::string("server-") + name + ".key")).string()};
}

std::shared_ptr<TlsCredentials> load_or_fail(const TlsFiles& files) {
  auto tls = TlsCredentials::load(files);
  EXPECT_TRUE(tls) << (tls ? "" : tls.error().message);
  return tls ? *tls : nullptr;
}

// A client context trusting the test CA; `max_version` caps the protocol (0: none).
ssl::context client_context(int min_version = 0, int max_version = 0) {
  ssl::context ctx(ssl::context::tls_client);
  ctx.load_verify_file((kTlsDir / "ca.pem").string());
  ctx.set_verify_mode(ssl::verify_peer);
  if (min_version || max_version) {
    SSL_CTX_set_security_level(ctx.native_handle(), 0);  // let the client offer old versions
    SSL_CTX_set_cipher_list(ctx.native_handle(), "DEFAULT:@SECLEVEL=0");
    if (min_version) SSL_CTX_set_min_proto_version(ctx.native_handle(), min_version);
    if (max_version) SSL_CTX_set_max_proto_version(ctx.native_handle(), max_version);
  }
  return ctx;
}

// A connected TLS client with 5 s receive and send timeouts (a broken server fails, not hangs).
struct TlsClient {
  TlsClient(unsigned short port, ssl::context& ctx) : stream(ioc, ctx) {
    stream.next_layer().connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
    const timeval tv{5, 0};
    setsockopt(stream.next_layer().native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(stream.next_layer().native_handle(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    SSL_set_tlsext_host_name(stream.native_handle(), "localhost");
    stream.set_verify_callback(ssl::host_name_verification("127.0.0.1"));
  }
  beast::error_code handshake() {
    beast::error_code ec;
    stream.handshake(ssl::stream_base::client, ec);
    return ec;
  }
  // The common name of the server's certificate.
  std::string peer_name() {
    X509* cert = SSL_get1_peer_certificate(stream.native_handle());
    if (!cert) return {};
    char name[256] = {};
    X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, name, sizeof name);
    X509_free(cert);
    return name;
  }
  test::Response get(const std::string& target) {
    bhttp::request<bhttp::empty_body> req{bhttp::verb::get, target, 11};
    req.set(bhttp::field::host, "127.0.0.1");
    bhttp::write(stream, req);
    test::Response res;
    bhttp::read(stream, buffer, res);
    return res;
  }
  net::io_context ioc;
  ClientStream stream;
  beast::flat_buffer buffer;
};

bhttp::message_generator hello(Request&& req, const ConnectionInfo&) {
  return json_response(req, bhttp::status::ok, R"({"target":")" + std::string(req.target()) + "\"}");
}

ServerOptions tls_options(std::shared_ptr<TlsCredentials> tls) {
  auto options = test::test_options();
  options.tls = std::move(tls);
  return options;
}

TEST(HttpTls, RequestsOverTlsOnOneConnection) {
  test::RunningServer s(tls_options(load_or_fail(pair_of("a"))), hello);
  auto ctx = client_context();
  TlsClient client(s.port, ctx);
  ASSERT_FALSE(client.handshake());
  EXPECT_EQ(client.peer_name(), "vidserve test A");
  EXPECT_GE(SSL_version(client.stream.native_handle()), TLS1_2_VERSION);
  for (const char* target : {"/one", "/two"}) {  // keep-alive: both on the same connection
    const auto res = client.get(target);
    EXPECT_EQ(res.result(), bhttp::status::ok);
    EXPECT_EQ(res.body(), std::string(R"({"target":")") + target + "\"}");
  }
}

// Connection: close and a 413 before the body: the answer arrives whole, then close_notify.
TEST(HttpTls, ClosingAnswersArriveWholeThenTheConnectionEnds) {
  auto options = tls_options(load_or_fail(pair_of("a")));
  options.body_limit = 1024;
  test::RunningServer s(options, hello);
  auto ctx = client_context();
  for (const char* request : {"GET /bye HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
                              "POST /big HTTP/1.1\r\nHost: t\r\nContent-Length: 100000\r\n\r\nxxxx"}) {
    TlsClient client(s.port, ctx);
    ASSERT_FALSE(client.handshake());
    net::write(client.stream, net::buffer(std::string(request)));
    test::Response res;
    bhttp::read(client.stream, client.buffer, res);
    EXPECT_EQ(res.result(), std::string(request).starts_with("GET") ? bhttp::status::ok
                                                                     : bhttp::status::payload_too_large);
    EXPECT_FALSE(res.keep_alive());
    const auto start = std::chrono::steady_clock::now();
    char byte = 0;
    beast::error_code ec;
    client.stream.read_some(net::buffer(&byte, 1), ec);
    EXPECT_TRUE(ec == net::error::eof || ec == ssl::error::stream_truncated) << ec.message();
    EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
  }
}

TEST(HttpTls, Tls11IsRefusedAndTls12Accepted) {
  test::RunningServer s(tls_options(load_or_fail(pair_of("a"))), hello);
  auto old_ctx = client_context(TLS1_1_VERSION, TLS1_1_VERSION);
  TlsClient old_client(s.port, old_ctx);
  EXPECT_TRUE(old_client.handshake());
  // The same relaxed client settings, capped at TLS 1.2, are accepted: the refusal is the version.
  auto ctx12 = client_context(TLS1_1_VERSION, TLS1_2_VERSION);
  TlsClient client(s.port, ctx12);
  ASSERT_FALSE(client.handshake());
  EXPECT_EQ(SSL_version(client.stream.native_handle()), TLS1_2_VERSION);
  EXPECT_EQ(client.get("/v").result(), bhttp::status::ok);
}

TEST(HttpTls, PlainHttpOnATlsListenerGetsNoHttpAnswer) {
  test::RunningServer s(tls_options(load_or_fail(pair_of("a"))), hello);
  test::RawClient raw(s.port);
  ASSERT_TRUE(raw.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n"));
  const auto answer = raw.read_all();
  EXPECT_EQ(answer.find("HTTP/1.1"), std::string::npos) << answer;
}

TEST(HttpTls, SilentClientIsClosedAtTheHeaderTimeout) {
  auto options = tls_options(load_or_fail(pair_of("a")));
  options.header_timeout = 1s;
  test::RunningServer s(options, hello);
  test::RawClient raw(s.port);  // connects, never starts the handshake
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(raw.wait_closed(4s));
  EXPECT_GE(std::chrono::steady_clock::now() - start, 900ms);
}

TEST(HttpTls, WebSocketOverTls) {
  Server server(tls_options(load_or_fail(pair_of("a"))), hello);
  struct Echo final : WsHandler {
    void on_open(std::weak_ptr<WsConnection> c) override { connection = c; }
    void on_message(std::string text) override {
      if (auto live = connection.lock()) {
        live->send("echo:" + text);
        live->message_done();
      }
    }
    void on_close() override {}
    std::weak_ptr<WsConnection> connection;
  };
  server.on_websocket([](const Request& req, const ConnectionInfo&) -> std::shared_ptr<WsHandler> {
    return req.target() == "/ws" ? std::make_shared<Echo>() : nullptr;
  });
  auto port = server.start();
  ASSERT_TRUE(port);
  auto ctx = client_context();
  TlsClient client(*port, ctx);
  ASSERT_FALSE(client.handshake());
  websocket::stream<ClientStream&> ws(client.stream);
  ws.handshake("127.0.0.1", "/ws");
  ws.write(net::buffer(std::string("hello")));
  beast::flat_buffer buffer;
  ws.read(buffer);
  EXPECT_EQ(beast::buffers_to_string(buffer.data()), "echo:hello");
  ws.close(websocket::close_code::normal);
}

TEST(HttpTls, LoadingErrorsNameTheFile) {
  const auto a = pair_of("a");
  const auto b = pair_of("b");
  auto missing = TlsCredentials::load({"/nonexistent/cert.pem", a.key_file});
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, errc::kTlsFilesUnreadable);
  EXPECT_NE(missing.error().message.find("/nonexistent/cert.pem"), std::string::npos);
  auto not_pem = TlsCredentials::load({(kTlsDir / "make-certs.sh").string(), a.key_file});
  ASSERT_FALSE(not_pem);
  EXPECT_EQ(not_pem.error().code, errc::kTlsFilesUnreadable);
  auto mismatch = TlsCredentials::load({a.cert_file, b.key_file});
  ASSERT_FALSE(mismatch);
  EXPECT_EQ(mismatch.error().code, errc::kTlsKeyMismatch) << mismatch.error().message;
}

TEST(HttpTls, ReloadServesTheNewPairToNewConnections) {
  const fs::path dir = fs::temp_directory_path() / ("vidserve-tls-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const TlsFiles files{(dir / "cert.pem").string(), (dir / "key.pem").string()};
  const auto install = [&](const TlsFiles& from) {
    fs::copy_file(from.cert_file, files.cert_file, fs::copy_options::overwrite_existing);
    fs::copy_file(from.key_file, files.key_file, fs::copy_options::overwrite_existing);
  };
  install(pair_of("a"));
  auto tls = load_or_fail(files);
  test::RunningServer s(tls_options(tls), hello);
  auto ctx = client_context();
  TlsClient before(s.port, ctx);
  ASSERT_FALSE(before.handshake());
  EXPECT_EQ(before.peer_name(), "vidserve test A");

  install(pair_of("b"));
  ASSERT_TRUE(tls->reload());
  TlsClient after(s.port, ctx);
  ASSERT_FALSE(after.handshake());
  EXPECT_EQ(after.peer_name(), "vidserve test B");
  EXPECT_EQ(before.get("/still-open").result(), bhttp::status::ok);  // the open one goes on

  // A bad pair (B's certificate with A's key) is refused; B stays.
  fs::copy_file(pair_of("a").key_file, files.key_file, fs::copy_options::overwrite_existing);
  const auto bad = tls->reload();
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, errc::kTlsKeyMismatch);
  TlsClient later(s.port, ctx);
  ASSERT_FALSE(later.handshake());
  EXPECT_EQ(later.peer_name(), "vidserve test B");
  EXPECT_EQ(later.get("/b").result(), bhttp::status::ok);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace vidserve::api::http
