#include "api/http/tls_context.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "api/http/error_codes.hpp"

namespace vidserve::api::http {

namespace ssl = boost::asio::ssl;

namespace {

// "" when the file can be opened for reading, else the reason (errno's text).
std::string unreadable_reason(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (in) return {};
  const int err = errno;
  return err ? std::strerror(err) : "cannot be opened";
}

Error file_error(const char* what, const std::string& path, const std::string& reason) {
  return Error{errc::kTlsFilesUnreadable, std::string("cannot use the TLS ") + what + " '" + path + "': " + reason};
}

// TLS 1.2 and 1.3 only; no renegotiation; buffers of idle connections are released.
Status configure(ssl::context& ctx) {
  boost::system::error_code ec;
  ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                      ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use,
                  ec);
  SSL_CTX* native = ctx.native_handle();
  if (ec || SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION) != 1) {
    return Error{errc::kTlsInvalid, "cannot set up TLS: " + (ec ? ec.message() : "TLS 1.2 unavailable")};
  }
  SSL_CTX_set_options(native, SSL_OP_NO_RENEGOTIATION);
  SSL_CTX_set_mode(native, SSL_MODE_RELEASE_BUFFERS);
  return Ok{};
}

}  // namespace

Result<std::shared_ptr<ssl::context>> load_tls_context(const TlsFiles& files) {
  if (auto reason = unreadable_reason(files.cert_file); !reason.empty()) {
    return file_error("certificate", files.cert_file, reason);
  }
  if (auto reason = unreadable_reason(files.key_file); !reason.empty()) {
    return file_error("key", files.key_file, reason);
  }
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  if (auto configured = configure(*ctx); !configured) return configured.error();
  boost::system::error_code ec;
  ctx->use_certificate_chain_file(files.cert_file, ec);
  if (ec) return file_error("certificate", files.cert_file, "not a PEM certificate (" + ec.message() + ")");
  ERR_clear_error();
  if (SSL_CTX_use_PrivateKey_file(ctx->native_handle(), files.key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    const auto reason = ERR_GET_REASON(ERR_peek_last_error());
    ERR_clear_error();
    if (reason == X509_R_KEY_VALUES_MISMATCH) {
      return Error{errc::kTlsKeyMismatch, "the TLS key '" + files.key_file + "' does not belong to the certificate '" +
                                              files.cert_file + "'"};
    }
    return file_error("key", files.key_file, "not an unencrypted PEM private key");
  }
  if (SSL_CTX_check_private_key(ctx->native_handle()) != 1) {
    ERR_clear_error();
    return Error{errc::kTlsKeyMismatch, "the TLS key '" + files.key_file + "' does not belong to the certificate '" +
                                            files.cert_file + "'"};
  }
  return ctx;
}

Result<std::shared_ptr<TlsCredentials>> TlsCredentials::load(TlsFiles files) {
  auto ctx = load_tls_context(files);
  if (!ctx) return ctx.error();
  return std::make_shared<TlsCredentials>(std::move(files), std::move(*ctx));
}

std::shared_ptr<ssl::context> TlsCredentials::current() const {
  const std::lock_guard lock(mutex_);
  return context_;
}

Status TlsCredentials::reload() {
  auto ctx = load_tls_context(files_);
  if (!ctx) return ctx.error();
  const std::lock_guard lock(mutex_);
  context_ = std::move(*ctx);
  return Ok{};
}

}  // namespace vidserve::api::http
