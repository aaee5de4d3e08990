#pragma once
// UTF-8 text preparation for the frame captions: cleaning untrusted prompt bytes and wrapping
// them into a bounded number of lines (the caption must never cover the whole frame).
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace vidserve::media {

// Valid UTF-8 with control characters (newlines, tabs, ...) turned into spaces and invalid
// byte sequences replaced by U+FFFD; runs of whitespace collapse to one space; trimmed.
std::string sanitize_caption(std::string_view text);

// Greedy word wrap by code points: at most `max_chars` code points per line and `max_lines`
// lines. Words longer than a line are split. When text is left over, the last line ends in "…".
std::vector<std::string> wrap_caption(std::string_view text, std::size_t max_chars,
                                      std::size_t max_lines);

}  // namespace vidserve::media
