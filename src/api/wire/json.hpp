#pragma once
// Parsing a request body with the limits every front-end and `vidserve validate` share, and the
// position of a syntax error as they all report it.
#include <boost/json.hpp>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace vidserve::api::wire {

struct SyntaxError {
  std::size_t line = 0, column = 0;  // 1-based
  std::string message;

  // "malformed JSON at line 3, column 7: <message>", as every API and the CLI report it.
  std::string describe() const {
    return "malformed JSON at line " + std::to_string(line) + ", column " + std::to_string(column) +
           ": " + message;
  }
};

// Nesting deeper than this is rejected as malformed; real tasks nest 5 levels.
inline constexpr std::size_t kMaxJsonDepth = 64;

// Parses one JSON document (nothing after it); on failure fills `error`.
std::optional<boost::json::value> parse_json(std::string_view text, SyntaxError& error);

}  // namespace vidserve::api::wire
