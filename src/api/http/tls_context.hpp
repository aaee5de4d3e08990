#pragma once
// TLS for the HTTP server: a certificate chain and its private key (PEM files) loaded into a
// server context (OpenSSL through Boost.Asio) that accepts TLS 1.2 and newer only.
//
//   auto tls = TlsCredentials::load({"cert.pem", "key.pem"});   // Result<shared_ptr<...>>
//   options.tls = *tls;          // every connection of the server is TLS
//   ...
//   (*tls)->reload();            // new connections get the files' current pair
//
// Connections hold the context they started with: a reload never touches them.
#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <mutex>
#include <string>

#include "common/result.hpp"

namespace vidserve::api::http {

struct TlsFiles {
  std::string cert_file;  // PEM: the server certificate, then any intermediates
  std::string key_file;   // PEM: its private key, unencrypted
};

// Reads both files into a new context. Errors (kTlsFilesUnreadable, kTlsKeyMismatch) name the
// file and OpenSSL's reason.
Result<std::shared_ptr<boost::asio::ssl::context>> load_tls_context(const TlsFiles& files);

class TlsCredentials {
 public:
  static Result<std::shared_ptr<TlsCredentials>> load(TlsFiles files);

  // The context new connections start with. Thread-safe.
  std::shared_ptr<boost::asio::ssl::context> current() const;
  // Reads the files again; on success new connections use the new pair, on error the current
  // pair stays. Thread-safe; reads files (not for an io thread).
  Status reload();
  const TlsFiles& files() const { return files_; }

  TlsCredentials(TlsFiles files, std::shared_ptr<boost::asio::ssl::context> context)
      : files_(std::move(files)), context_(std::move(context)) {}

 private:
  const TlsFiles files_;
  mutable std::mutex mutex_;
  std::shared_ptr<boost::asio::ssl::context> context_;
};

}  // namespace vidserve::api::http
