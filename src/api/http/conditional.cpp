#include "api/http/conditional.hpp"

#include <array>
#include <cstdio>
#include <cstring>

namespace vidserve::api::http {
namespace {

constexpr std::array<const char*, 7> kDays = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr std::array<const char*, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

std::string_view strip_weak(std::string_view tag) {
  if (tag.size() >= 2 && tag[0] == 'W' && tag[1] == '/') tag.remove_prefix(2);
  return tag;
}

bool is_space(char c) {
  return c == ' ' || c == '\t';
}

// Calls `visit(tag)` for each entity tag (quotes and W/ included) of a comma-separated list;
// "*" is passed as is. Stops early when visit returns true and returns that.
template <class Visit>
bool any_tag(std::string_view list, Visit visit) {
  std::size_t i = 0;
  while (i < list.size()) {
    while (i < list.size() && (is_space(list[i]) || list[i] == ',')) ++i;
    if (i >= list.size()) break;
    const std::size_t start = i;
    if (list[i] == '*') {
      ++i;
    } else {
      if (list.compare(i, 2, "W/") == 0) i += 2;
      if (i >= list.size() || list[i] != '"') return false;  // malformed: no match
      const auto close = list.find('"', i + 1);
      if (close == std::string_view::npos) return false;
      i = close + 1;
    }
    if (visit(list.substr(start, i - start))) return true;
  }
  return false;
}

}  // namespace

std::string format_http_date(std::time_t time) {
  std::tm tm{};
  gmtime_r(&time, &tm);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays.at(tm.tm_wday),
                tm.tm_mday, kMonths.at(tm.tm_mon), tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                tm.tm_sec);
  return buf;
}

std::optional<std::time_t> parse_http_date(std::string_view text) {
  if (text.size() != 29 || text.substr(25) != " GMT") return std::nullopt;
  const std::string copy(text);
  char day[4] = {}, month[4] = {};
  std::tm tm{};
  if (std::sscanf(copy.c_str(), "%3s, %2d %3s %4d %2d:%2d:%2d", day, &tm.tm_mday, month,
                  &tm.tm_year, &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 7) {
    return std::nullopt;
  }
  int month_index = -1;
  for (int m = 0; m < 12; ++m) {
    if (std::strcmp(month, kMonths[m]) == 0) month_index = m;
  }
  if (month_index < 0 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 ||
      tm.tm_sec > 60) {
    return std::nullopt;
  }
  tm.tm_mon = month_index;
  tm.tm_year -= 1900;
  return timegm(&tm);
}

std::string quote_etag(std::string_view tag) {
  if (!tag.empty() && (tag.front() == '"' || tag.substr(0, 2) == "W/")) return std::string(tag);
  return "\"" + std::string(tag) + "\"";
}

bool none_match_hits(std::string_view if_none_match, std::string_view etag) {
  const std::string_view ours = strip_weak(etag);
  return any_tag(if_none_match,
                 [&](std::string_view tag) { return tag == "*" || strip_weak(tag) == ours; });
}

bool if_range_holds(std::string_view if_range, std::string_view etag, std::time_t mtime) {
  while (!if_range.empty() && is_space(if_range.front())) if_range.remove_prefix(1);
  while (!if_range.empty() && is_space(if_range.back())) if_range.remove_suffix(1);
  if (if_range.empty()) return true;
  if (if_range.front() == '"' || if_range.substr(0, 2) == "W/") {
    // Strong comparison: weak tags never match.
    return if_range.front() == '"' && etag.substr(0, 2) != "W/" && if_range == etag;
  }
  const auto date = parse_http_date(if_range);
  return date && *date == mtime;
}

}  // namespace vidserve::api::http
