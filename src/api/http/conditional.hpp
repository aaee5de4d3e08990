#pragma once
// Validators for conditional requests (RFC 9110 §13): HTTP dates and entity-tag lists.
#include <ctime>
#include <optional>
#include <string>
#include <string_view>

namespace vidserve::api::http {

// IMF-fixdate, e.g. "Sun, 06 Nov 1994 08:49:37 GMT".
std::string format_http_date(std::time_t time);
// Parses IMF-fixdate only (the form every current client sends); nullopt otherwise.
std::optional<std::time_t> parse_http_date(std::string_view text);

// Wraps a bare tag in double quotes; a tag already quoted (or W/"...") is returned unchanged.
std::string quote_etag(std::string_view tag);

// True when the If-None-Match field value matches `etag` (a quoted tag) by weak comparison,
// or is "*".
bool none_match_hits(std::string_view if_none_match, std::string_view etag);

// True when the If-Range field value allows serving the range: it is an entity tag equal to a
// strong `etag`, or a date equal to `mtime` (an exact Last-Modified echo).
bool if_range_holds(std::string_view if_range, std::string_view etag, std::time_t mtime);

}  // namespace vidserve::api::http
