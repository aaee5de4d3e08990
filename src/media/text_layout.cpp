#include "media/text_layout.hpp"

#include <cstdint>

namespace vidserve::media {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD
constexpr std::string_view kEllipsis = "\xE2\x80\xA6";     // U+2026

// Length of the valid UTF-8 sequence starting at s[i], or 0 when it is invalid.
std::size_t valid_sequence_length(std::string_view s, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<uint8_t>(s[k]); };
  const uint8_t lead = byte(i);
  if (lead < 0x80) return 1;
  std::size_t len = 0;
  uint32_t cp = 0;
  if ((lead & 0xE0) == 0xC0) {
    len = 2, cp = lead & 0x1F;
  } else if ((lead & 0xF0) == 0xE0) {
    len = 3, cp = lead & 0x0F;
  } else if ((lead & 0xF8) == 0xF0) {
    len = 4, cp = lead & 0x07;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  for (std::size_t k = 1; k < len; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (byte(i + k) & 0x3F);
  }
  static constexpr uint32_t kMinForLength[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMinForLength[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}

// The text split into code points (each a string of 1-4 bytes); assumes valid UTF-8.
std::vector<std::string_view> code_points(std::string_view s) {
  std::vector<std::string_view> out;
  for (std::size_t i = 0; i < s.size();) {
    std::size_t len = valid_sequence_length(s, i);
    if (len == 0) len = 1;
    out.push_back(s.substr(i, len));
    i += len;
  }
  return out;
}

std::vector<std::string_view> split_words(std::string_view s) {
  std::vector<std::string_view> words;
  std::size_t start = 0;
  while (start < s.size()) {
    std::size_t end = s.find(' ', start);
    if (end == std::string_view::npos) end = s.size();
    if (end > start) words.push_back(s.substr(start, end - start));
    start = end + 1;
  }
  return words;
}

}  // namespace

std::string sanitize_caption(std::string_view text) {
  std::string out;
  bool pending_space = false;
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t len = valid_sequence_length(text, i);
    const auto lead = static_cast<uint8_t>(text[i]);
    if (len == 1 && (lead < 0x20 || lead == 0x7F || lead == ' ')) {
      pending_space = !out.empty();
    } else {
      if (pending_space) out += ' ';
      pending_space = false;
      out += len == 0 ? kReplacement : text.substr(i, len);
    }
    i += len == 0 ? 1 : len;
  }
  return out;
}

std::vector<std::string> wrap_caption(std::string_view text, std::size_t max_chars,
                                      std::size_t max_lines) {
  std::vector<std::string> lines;
  if (max_chars == 0 || max_lines == 0) return lines;
  std::vector<std::vector<std::string_view>> rows(1);  // code points per line
  for (std::string_view word : split_words(text)) {
    std::vector<std::string_view> cps = code_points(word);
    auto& row = rows.back();
    const std::size_t needed = row.empty() ? cps.size() : row.size() + 1 + cps.size();
    if (needed <= max_chars) {
      if (!row.empty()) row.push_back(" ");
      row.insert(row.end(), cps.begin(), cps.end());
      continue;
    }
    if (!row.empty()) rows.emplace_back();
    for (std::string_view cp : cps) {
      if (rows.back().size() == max_chars) rows.emplace_back();
      rows.back().push_back(cp);
    }
  }
  const bool truncated = rows.size() > max_lines;
  if (truncated) rows.resize(max_lines);
  if (truncated) {
    auto& last = rows.back();
    if (last.size() >= max_chars) last.resize(max_chars - 1);
    last.push_back(kEllipsis);
  }
  for (const auto& row : rows) {
    std::string line;
    for (std::string_view cp : row) line += cp;
    if (!line.empty()) lines.push_back(std::move(line));
  }
  return lines;
}

}  // namespace vidserve::media
