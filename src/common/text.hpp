#pragma once
// Small text utilities shared by the validator, the HTTP layers and the CLI.
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace vidserve::text {

// Number of Unicode code points in a UTF-8 string (prompt limits count characters, not bytes).
// Returns nullopt when the bytes are not valid UTF-8.
std::optional<std::size_t> utf8_length(std::string_view s);

// Levenshtein distance, case-insensitive; used to suggest the nearest known name.
std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate closest to `word`, if it is close enough to be a plausible typo.
// Words longer than kMaxSuggestLength get no suggestion (and cost nothing): no known name is that
// long, and the distance search is quadratic in the word's length.
inline constexpr std::size_t kMaxSuggestLength = 64;
std::optional<std::string> nearest(std::string_view word, std::span<const std::string> candidates);

// `s` when it has at most `max` bytes; otherwise its first `max` bytes (not cutting a UTF-8
// sequence) followed by "... (N bytes)". Keeps error messages from echoing a caller's huge value.
std::string excerpt(std::string_view s, std::size_t max);

// A caller's value for an error message: in single quotes, at most kMaxQuoted bytes of it (see
// excerpt), so that a message costs the same for a 9 MB value as for a short one.
inline constexpr std::size_t kMaxQuoted = 100;
std::string quoted(std::string_view s);

// "a, b and c"
std::string join_list(std::span<const std::string> items, std::string_view last_sep = " and ");
std::string join(std::span<const std::string> items, std::string_view sep);

// Formats a number without trailing zeros: 5 -> "5", 0.5 -> "0.5", 0.1848 -> "0.1848".
std::string format_number(double value);

// ASCII case-insensitive comparisons, for protocol tokens (schemes, header names, "Bearer").
char ascii_lower(char c);
bool iequals(std::string_view a, std::string_view b);
bool istarts_with(std::string_view s, std::string_view prefix);

// Without leading and trailing spaces and tabs (HTTP's optional whitespace).
std::string_view trim_blanks(std::string_view s);

}  // namespace vidserve::text
