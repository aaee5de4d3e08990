#pragma once
// file_response: serves one file for GET and HEAD with validators and single byte ranges.
//   200 with Content-Length, ETag, Last-Modified, Accept-Ranges: bytes
//   206 for one satisfiable "Range: bytes=..." (a-b, a-, -n), with Content-Range
//   416 with "Content-Range: bytes */size" when the range starts past the end
//   304 when If-None-Match matches (or, without it, If-Modified-Since is not older)
//   404 when the path is not a readable regular file; 405 for other methods
// The body streams from disk (FileSliceBody); nothing is read into memory.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "api/http/types.hpp"

namespace vidserve::api::http {

// What a response will send, for the access log: its status and its body's length in bytes.
struct Answered {
  int status = 0;
  std::uint64_t bytes = 0;
};

// `etag` replaces the default strong tag ("<size hex>-<mtime ns hex>"); it is quoted if bare.
// `extra` goes on every GET/HEAD answer (200, 206, 304, 404, 416); `answered`, when given,
// receives the status and the body length.
bhttp::message_generator file_response(const Request& req, const std::string& path,
                                       std::string_view content_type,
                                       std::optional<std::string> etag = {}, const HeaderList& extra = {},
                                       Answered* answered = nullptr);

}  // namespace vidserve::api::http
