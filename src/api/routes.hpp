#pragma once
// The HTTP routes of `vidserve serve`: the Runware task API at POST /v1 (and /), Kling's native
// API under /v1/videos/ (and /kling/v1/videos/), the APIMart-style API at /v1/videos/generations
// and /v1/tasks/, media files at GET /media/<uuid>.<ext>, and the operations endpoints
// (ops/ops_routes.hpp: /healthz, /health, /readyz, /metrics). Every request gets an access line
// and is counted in the HTTP metrics (ops/access_log.hpp).
#include "api/apimart/apimart_service.hpp"
#include "api/cors.hpp"
#include "api/http/types.hpp"
#include "api/kling/native_service.hpp"
#include "api/ops/ops_routes.hpp"
#include "api/runware/service.hpp"

namespace vidserve::api {

struct Apis {
  const runware::Service& runware;
  const kling::NativeService& kling;
  const apimart::ApimartService& apimart;
};

// `cors`: answers OPTIONS on the CORS routes and adds CORS headers to answers (api/cors.hpp).
http::AsyncHandler make_routes(Apis apis, delivery::MediaStore& media, CorsPolicy cors = {},
                               ops::OpsOptions ops_options = {});

}  // namespace vidserve::api
