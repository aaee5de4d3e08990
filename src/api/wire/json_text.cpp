#include "api/wire/json_text.hpp"

#include <array>
#include <charconv>
#include <cmath>

namespace vidserve::api::wire {

namespace json = boost::json;

namespace {

void append(std::string& out, const json::value& value) {
  switch (value.kind()) {
    case json::kind::double_:
      out += number_text(value.get_double());
      return;
    case json::kind::string:
      out += json::serialize(value.get_string());
      return;
    case json::kind::array: {
      out += '[';
      bool first = true;
      for (const auto& item : value.get_array()) {
        if (!first) out += ',';
        first = false;
        append(out, item);
      }
      out += ']';
      return;
    }
    case json::kind::object: {
      out += '{';
      bool first = true;
      for (const auto& member : value.get_object()) {
        if (!first) out += ',';
        first = false;
        out += json::serialize(json::string_view(member.key()));
        out += ':';
        append(out, member.value());
      }
      out += '}';
      return;
    }
    default:  // null, bool, int64, uint64: Boost's text is already plain
      out += json::serialize(value);
  }
}

}  // namespace

std::string number_text(double value) {
  if (!std::isfinite(value)) return "null";
  std::array<char, 400> buf{};  // fixed notation of the largest double: 309 digits
  const auto [end, ec] =
      std::to_chars(buf.data(), buf.data() + buf.size(), value, std::chars_format::fixed);
  if (ec != std::errc{}) return "null";
  std::string text(buf.data(), end);
  return text == "-0" ? "0" : text;
}

std::string to_text(const json::value& value) {
  std::string out;
  append(out, value);
  return out;
}

}  // namespace vidserve::api::wire
