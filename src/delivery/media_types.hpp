#pragma once
#include <string>
#include <string_view>

namespace vidserve::delivery {

// "video/mp4" -> "mp4"; unknown types -> "bin".
std::string extension_for(std::string_view content_type);
// "mp4" -> "video/mp4"; unknown -> "application/octet-stream".
std::string content_type_for(std::string_view extension);

}  // namespace vidserve::delivery
