#pragma once
// The HTTP routes of `vidserve serve`: the Runware task API at POST /v1 (and /), media files at
// GET /media/<uuid>.<ext>, and GET /health.
#include "api/http/types.hpp"
#include "api/runware/service.hpp"

namespace vidserve::api {

http::AsyncHandler make_routes(const runware::Service& runware, delivery::MediaStore& media);

}  // namespace vidserve::api
