#pragma once
// CORS (Cross-Origin Resource Sharing) for browser apps calling the APIs and the media routes
// from other origins (`serve --cors-origin`).
//
//   Preflight (OPTIONS with Origin and Access-Control-Request-Method) on a CORS route:
//     allowed origin  → 204 with Access-Control-Allow-Origin, -Allow-Methods (the route's),
//                       -Allow-Headers (kAllowHeaders), -Max-Age (kMaxAgeSeconds), Vary: Origin
//     other origin    → 403 originNotAllowed, no CORS headers
//   Other requests from an allowed origin: Access-Control-Allow-Origin (the origin, or "*" when
//   any origin is allowed), Vary: Origin (not with "*"), Access-Control-Expose-Headers.
//   Requests without Origin, or from other origins: no CORS headers.
//   OPTIONS without a preflight's headers on a CORS route: 204 with Allow.
// CORS routes and their methods: POST /v1 (and /), GET, POST and DELETE /v1/tasks/*, GET and POST
// /v1/videos/* (and /kling/v1/videos/*), GET and HEAD /media/*, GET on the health routes.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/http/file_response.hpp"  // http::Answered
#include "api/http/types.hpp"
#include "common/result.hpp"

namespace vidserve::api {

namespace cors_errc {
inline constexpr const char* kInvalidCorsOrigin = "invalidCorsOrigin";  // start-up
inline constexpr const char* kOriginNotAllowed = "originNotAllowed";    // 403 preflight
}  // namespace cors_errc

inline constexpr std::string_view kAllowHeaders =
    "Authorization, Content-Type, X-API-Key, Idempotency-Key, Range, If-None-Match, If-Modified-Since";
inline constexpr std::string_view kExposeHeaders = "Retry-After, ETag, Content-Range, Accept-Ranges";
inline constexpr int kMaxAgeSeconds = 600;

class CorsPolicy {
 public:
  CorsPolicy() = default;  // no origin allowed: no CORS headers anywhere

  // Each origin is "*" or scheme://host[:port] (http or https; no path, query or credentials),
  // compared case-insensitively; blanks around it and a trailing "/" are dropped; empty entries
  // are skipped.
  static Result<CorsPolicy> parse(const std::vector<std::string>& origins);

  bool enabled() const { return any_ || !origins_.empty(); }
  // The methods of a CORS route ("GET, DELETE"), or nullopt when `path` is none.
  static std::optional<std::string_view> route_methods(std::string_view path);

  // Headers for an answer to `req` other than a preflight; empty when none apply.
  http::HeaderList headers_for(const http::Request& req) const;
  // The answer to an OPTIONS request on `path` (without its query); nullopt when `path` is not
  // a CORS route.
  // `answered`, when given, receives the status and body length (for the access log).
  std::optional<http::bhttp::message_generator> answer_options(const http::Request& req, std::string_view path,
                                                               http::Answered* answered = nullptr) const;

 private:
  // The Access-Control-Allow-Origin value for `origin`, or "" when it is not allowed.
  std::string allow_origin(std::string_view origin) const;

  bool any_ = false;
  std::vector<std::string> origins_;  // lower case, no trailing slash
};

}  // namespace vidserve::api
