#include "api/wire/json.hpp"

#include <algorithm>

namespace vidserve::api::wire {

namespace json = boost::json;

namespace {

SyntaxError locate(std::string_view text, std::size_t offset, std::string message) {
  SyntaxError e{1, 1, std::move(message)};
  offset = std::min(offset, text.size());
  for (std::size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++e.line;
      e.column = 1;
    } else if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
      ++e.column;  // count characters, not UTF-8 continuation bytes
    }
  }
  return e;
}

}  // namespace

std::optional<json::value> parse_json(std::string_view text, SyntaxError& error) {
  json::parse_options options;
  options.max_depth = kMaxJsonDepth;
  json::stream_parser parser({}, options);
  boost::system::error_code ec;
  const std::size_t consumed = parser.write_some(text.data(), text.size(), ec);
  if (!ec && consumed < text.size()) ec = json::error::extra_data;
  if (!ec) parser.finish(ec);
  if (ec) {
    std::string message = ec.message();
    if (ec == json::error::too_deep)
      message = "nesting deeper than " + std::to_string(kMaxJsonDepth) + " levels";
    if (ec == json::error::syntax && consumed < text.size() &&
        (static_cast<unsigned char>(text[consumed]) & 0x80)) {
      message = "invalid UTF-8 or unexpected byte";
    }
    error = locate(text, consumed, message);
    return std::nullopt;
  }
  return parser.release();
}

}  // namespace vidserve::api::wire
