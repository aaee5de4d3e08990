#pragma once
// Content type from magic bytes, for inputs whose type is not declared.
#include <string>
#include <string_view>

namespace vidserve::fetch {

// "image/png", "image/jpeg", "image/webp", "image/gif", "image/avif", "image/heic", "video/mp4",
// "video/quicktime", "audio/mp4", "video/webm", "video/x-matroska", "audio/mpeg", "audio/aac",
// "audio/wav", "video/x-msvideo", "audio/ogg", "video/ogg", "audio/flac"; "" when unknown.
std::string sniff_content_type(std::string_view bytes);

// "Image/PNG; charset=x" -> "image/png". Returns "" unless it looks like type/subtype.
std::string normalize_content_type(std::string_view header_value);

}  // namespace vidserve::fetch
