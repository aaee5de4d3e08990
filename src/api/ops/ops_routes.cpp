#include "api/ops/ops_routes.hpp"

#include <openssl/crypto.h>

#include "api/http/responses.hpp"
#include "common/metrics.hpp"

namespace vidserve::api::ops {

namespace bhttp = http::bhttp;

namespace {

// Compares in time independent of where the texts differ.
bool same_secret(std::string_view given, std::string_view expected) {
  if (given.size() != expected.size()) return false;
  return CRYPTO_memcmp(given.data(), expected.data(), given.size()) == 0;
}

bhttp::message_generator json(const http::Request& req, bhttp::status status, std::string body,
                              Access& access, const http::HeaderList& extra) {
  access.status = static_cast<int>(status);
  access.bytes = req.method() == bhttp::verb::head ? 0 : body.size();
  return http::json_response(req, status, std::move(body), extra);
}

bhttp::message_generator metrics_response(const http::Request& req, const OpsOptions& options,
                                          Access& access, const http::HeaderList& extra) {
  if (!options.metrics_token.empty()) {
    const auto authorization = req[bhttp::field::authorization];
    const std::string_view header(authorization.data(), authorization.size());
    constexpr std::string_view kBearer = "Bearer ";
    const bool bearer =
        header.size() > kBearer.size() && header.substr(0, kBearer.size()) == kBearer;
    if (!bearer || !same_secret(header.substr(kBearer.size()), options.metrics_token)) {
      return json(req, bhttp::status::unauthorized,
                  http::error_json("unauthorized",
                                   "GET /metrics needs Authorization: Bearer <metrics token>"),
                  access, extra);
    }
  }
  if (options.readiness) (void)options.readiness->verdict();  // vidserve_ready as of now
  std::string body = metrics::text();
  access.status = 200;
  access.bytes = req.method() == bhttp::verb::head ? 0 : body.size();
  return http::text_response(req, bhttp::status::ok, std::move(body), metrics::kContentType, extra);
}

}  // namespace

std::optional<bhttp::message_generator> ops_response(const http::Request& req,
                                                     std::string_view path,
                                                     const OpsOptions& options, Access& access,
                                                     const http::HeaderList& extra) {
  if (req.method() != bhttp::verb::get && req.method() != bhttp::verb::head) return std::nullopt;
  if (path == "/healthz" || path == "/health") {
    access.route = metrics::route::kHealth;
    return json(req, bhttp::status::ok, R"({"status":"ok"})", access, extra);
  }
  if (path == "/readyz") {
    access.route = metrics::route::kReady;
    if (!options.readiness)
      return json(req, bhttp::status::ok, R"({"status":"ready","checks":{}})", access, extra);
    auto verdict = options.readiness->verdict();
    return json(req, verdict.ready ? bhttp::status::ok : bhttp::status::service_unavailable,
                std::move(verdict.json), access, extra);
  }
  if (path == "/metrics") {
    access.route = metrics::route::kMetrics;
    return metrics_response(req, options, access, extra);
  }
  return std::nullopt;
}

}  // namespace vidserve::api::ops
