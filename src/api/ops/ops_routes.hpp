#pragma once
// The operations endpoints, without API keys:
//   GET /healthz (and /health): 200 {"status":"ok"} while the process serves HTTP
//   GET /readyz: 200 {"status":"ready","checks":{...}} or 503 {"status":"not ready","checks":{...}}
//     naming the failed check (readiness.hpp); without a Readiness, always ready
//   GET /metrics: the Prometheus text format (common/metrics.hpp); with a metrics token, only for
//     "Authorization: Bearer TOKEN" (else 401)
// HEAD is answered as GET.
#include <optional>
#include <string>
#include <string_view>

#include "api/http/types.hpp"
#include "api/ops/access_log.hpp"
#include "api/ops/readiness.hpp"

namespace vidserve::api::ops {

struct OpsOptions {
  const Readiness* readiness = nullptr;
  std::string metrics_token;  // "": /metrics needs no token
};

// The response when `path` is one of the endpoints above (with `access` filled: route, status,
// bytes); nullopt otherwise (or for a method other than GET/HEAD).
std::optional<http::bhttp::message_generator> ops_response(const http::Request& req,
                                                           std::string_view path,
                                                           const OpsOptions& options,
                                                           Access& access,
                                                           const http::HeaderList& extra = {});

}  // namespace vidserve::api::ops
