#pragma once
// RFC 2397 data URIs: data:[<mediatype>][;<param>=<value>]*[;base64],<data>
#include <string>
#include <string_view>

#include "common/result.hpp"
#include "fetch/blob.hpp"

namespace vidserve::fetch {

// Decodes the payload (base64, or percent-encoded when ";base64" is absent). content_type is the
// declared media type without parameters, lower-cased; when none is declared it is sniffed from
// the bytes, else "application/octet-stream". Errors: "invalidDataUri" (and "invalidBase64").
Result<Blob> decode_data_uri(std::string_view uri);

// "%41b+c" -> "Ab+c" ('+' is kept). Error "invalidDataUri" on a malformed escape.
Result<std::string> percent_decode(std::string_view text);

// True when `text` starts with "data:" (any case).
bool is_data_uri(std::string_view text);

}  // namespace vidserve::fetch
