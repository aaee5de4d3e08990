#include "api/http/byte_range.hpp"

#include <algorithm>
#include <charconv>
#include <optional>

#include "common/text.hpp"

namespace vidserve::api::http {
namespace {

// Digits only, no sign, no overflow.
std::optional<std::uint64_t> parse_number(std::string_view s) {
  if (s.empty()) return std::nullopt;
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
  return value;
}

RangeRequest satisfiable(std::uint64_t first, std::uint64_t last) {
  return {RangeRequest::Kind::satisfiable, ByteRange{first, last - first + 1}};
}

constexpr RangeRequest kNone{};
constexpr RangeRequest kUnsatisfiable{RangeRequest::Kind::unsatisfiable, {}};

}  // namespace

RangeRequest parse_range(std::string_view header, std::uint64_t size) {
  header = text::trim_blanks(header);
  const auto eq = header.find('=');
  if (eq == std::string_view::npos || !text::iequals(text::trim_blanks(header.substr(0, eq)), "bytes")) {
    return kNone;
  }
  const std::string_view spec = text::trim_blanks(header.substr(eq + 1));
  if (spec.find(',') != std::string_view::npos) return kNone;
  const auto dash = spec.find('-');
  if (dash == std::string_view::npos) return kNone;
  const std::string_view first_text = spec.substr(0, dash);
  const std::string_view last_text = spec.substr(dash + 1);

  if (first_text.empty()) {  // suffix: the last n bytes
    const auto n = parse_number(last_text);
    if (!n) return kNone;
    if (*n == 0 || size == 0) return kUnsatisfiable;
    return satisfiable(size - std::min(*n, size), size - 1);
  }
  const auto first = parse_number(first_text);
  if (!first) return kNone;
  if (last_text.empty()) {  // open-ended: from first to the end
    if (*first >= size) return kUnsatisfiable;
    return satisfiable(*first, size - 1);
  }
  const auto last = parse_number(last_text);
  if (!last || *last < *first) return kNone;
  if (*first >= size) return kUnsatisfiable;
  return satisfiable(*first, std::min(*last, size - 1));
}

}  // namespace vidserve::api::http
