#pragma once
// Base64 (RFC 4648) in both alphabets. Decoding is strict about characters and padding but
// tolerant of ASCII whitespace (line-wrapped data URIs) and of missing padding.
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace vidserve::fetch {

// Accepts the standard ("+/") or the URL-safe ("-_") alphabet (not both in one string), with or
// without "=" padding; ASCII whitespace anywhere is skipped. Errors ("invalidBase64") name the
// offending character and its offset.
Result<std::string> decode_base64(std::string_view text);

// Standard alphabet, padded, no line breaks.
std::string encode_base64(std::string_view bytes);

// Upper bound of the decoded size of `text`, without decoding it (for size limits).
std::size_t max_decoded_size(std::size_t encoded_length);

}  // namespace vidserve::fetch
