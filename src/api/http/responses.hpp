#pragma once
// Helpers that build complete responses for handlers: JSON, text and the JSON error envelope
// {"errors":[{"code":..., "message":...}]}. Every response carries Content-Length and keeps the
// connection alive exactly when the request asked for it. Responses to HEAD carry no body.
// Every 429 (10 s), 503 (5 s) and 507 (60 s) carries Retry-After.
#include <string>
#include <string_view>

#include "api/http/types.hpp"

namespace vidserve::api::http {

// `extra` (every helper taking it): header fields added to the response, e.g. CORS headers.
bhttp::message_generator json_response(const Request& req, bhttp::status status, std::string body,
                                       const HeaderList& extra = {});
// For answers built after the request was moved away (asynchronous handlers). `retry_after`
// (seconds, > 0) replaces the status's default Retry-After (a key over its request rate).
bhttp::message_generator json_response(unsigned version, bool keep_alive, bhttp::status status,
                                       std::string body, int retry_after = 0, const HeaderList& extra = {});

bhttp::message_generator text_response(const Request& req, bhttp::status status, std::string body,
                                       std::string_view content_type = "text/plain", const HeaderList& extra = {});

// 307 Temporary Redirect to `location` (the method, and a Range header, go along to it), with
// Cache-Control: no-store (the target may be a URL that expires) and an empty body.
bhttp::message_generator redirect_response(const Request& req, std::string location,
                                           const HeaderList& extra = {});

// {"errors":[{"code":code,"message":message}]}
std::string error_json(std::string_view code, std::string_view message);

bhttp::message_generator error_response(const Request& req, bhttp::status status,
                                        std::string_view code, std::string_view message);

// For answers given without a complete request (rejections, handler failures).
bhttp::message_generator error_response(unsigned version, bool keep_alive, bhttp::status status,
                                        std::string_view code, std::string_view message);

// The Server header value.
inline constexpr std::string_view kServerName = "vidserve";

}  // namespace vidserve::api::http
