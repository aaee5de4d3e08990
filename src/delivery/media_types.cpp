#include "delivery/media_types.hpp"

#include <array>
#include <utility>

namespace vidserve::delivery {

namespace {
constexpr std::array<std::pair<std::string_view, std::string_view>, 12> kTypes = {{
    {"video/mp4", "mp4"}, {"video/webm", "webm"}, {"video/quicktime", "mov"}, {"image/jpeg", "jpg"},
    {"image/png", "png"}, {"image/webp", "webp"}, {"image/gif", "gif"}, {"audio/mpeg", "mp3"},
    {"audio/wav", "wav"}, {"audio/ogg", "ogg"}, {"audio/mp4", "m4a"}, {"application/json", "json"},
}};
}  // namespace

std::string extension_for(std::string_view content_type) {
  for (const auto& [type, ext] : kTypes) {
    if (type == content_type) return std::string(ext);
  }
  return "bin";
}

std::string content_type_for(std::string_view extension) {
  for (const auto& [type, ext] : kTypes) {
    if (ext == extension) return std::string(type);
  }
  if (extension == "jpeg") return "image/jpeg";
  return "application/octet-stream";
}

}  // namespace vidserve::delivery
