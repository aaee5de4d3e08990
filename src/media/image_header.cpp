#include "media/image_header.hpp"

#include <cstdint>

namespace vidserve::media {
namespace {

std::uint32_t byte_at(std::string_view b, std::size_t i) {
  return static_cast<unsigned char>(b[i]);
}

std::uint32_t be16(std::string_view b, std::size_t i) {
  return byte_at(b, i) << 8 | byte_at(b, i + 1);
}

std::uint32_t be32(std::string_view b, std::size_t i) {
  return be16(b, i) << 16 | be16(b, i + 2);
}

std::uint32_t le16(std::string_view b, std::size_t i) {
  return byte_at(b, i) | byte_at(b, i + 1) << 8;
}

std::uint32_t le24(std::string_view b, std::size_t i) {
  return le16(b, i) | byte_at(b, i + 2) << 16;
}

std::uint32_t le32(std::string_view b, std::size_t i) {
  return le24(b, i) | byte_at(b, i + 3) << 24;
}

std::optional<ImageHeader> png(std::string_view b) {
  constexpr std::string_view kSignature("\x89PNG\r\n\x1a\n", 8);
  if (b.size() < 33 || b.substr(0, 8) != kSignature || b.substr(12, 4) != "IHDR")
    return std::nullopt;
  const std::uint32_t w = be32(b, 16), h = be32(b, 20);
  if (w == 0 || h == 0 || w > 0x7fffffff || h > 0x7fffffff) return std::nullopt;
  constexpr std::string_view kEnd("\0\0\0\0IEND\xae\x42\x60\x82", 12);
  return ImageHeader{"png", static_cast<int>(w), static_cast<int>(h),
                     b.size() >= 45 && b.substr(b.size() - 12) == kEnd};
}

// Start-of-frame markers carry the size: C0-CF except C4 (DHT), C8 (reserved) and CC (DAC).
bool is_start_of_frame(std::uint32_t marker) {
  return marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
}

std::optional<ImageHeader> jpeg(std::string_view b) {
  if (b.size() < 4 || byte_at(b, 0) != 0xFF || byte_at(b, 1) != 0xD8) return std::nullopt;
  std::size_t i = 2;
  while (i + 4 <= b.size()) {
    if (byte_at(b, i) != 0xFF) return std::nullopt;
    const std::uint32_t marker = byte_at(b, i + 1);
    if (marker == 0xFF) {  // fill byte
      ++i;
      continue;
    }
    if (marker == 0xD8 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {  // no length
      i += 2;
      continue;
    }
    const std::uint32_t length = be16(b, i + 2);
    if (length < 2) return std::nullopt;
    if (is_start_of_frame(marker)) {
      if (i + 9 > b.size()) return std::nullopt;
      const std::uint32_t h = be16(b, i + 5), w = be16(b, i + 7);
      if (w == 0 || h == 0) return std::nullopt;  // h == 0 (size in a later DNL marker) is refused
      const bool ends =
          b.size() >= 2 && byte_at(b, b.size() - 2) == 0xFF && byte_at(b, b.size() - 1) == 0xD9;
      return ImageHeader{"jpeg", static_cast<int>(w), static_cast<int>(h), ends};
    }
    i += 2 + length;
  }
  return std::nullopt;
}

std::optional<ImageHeader> webp(std::string_view b) {
  if (b.size() < 30 || b.substr(0, 4) != "RIFF" || b.substr(8, 4) != "WEBP") return std::nullopt;
  const bool complete = static_cast<std::uint64_t>(le32(b, 4)) + 8 <= b.size();
  const auto chunk = b.substr(12, 4);
  std::uint32_t w = 0, h = 0;
  if (chunk == "VP8X") {
    w = le24(b, 24) + 1;
    h = le24(b, 27) + 1;
  } else if (chunk == "VP8 ") {
    if (byte_at(b, 23) != 0x9D || byte_at(b, 24) != 0x01 || byte_at(b, 25) != 0x2A)
      return std::nullopt;
    w = le16(b, 26) & 0x3FFF;
    h = le16(b, 28) & 0x3FFF;
  } else if (chunk == "VP8L") {
    if (byte_at(b, 20) != 0x2F) return std::nullopt;
    const std::uint32_t bits = le32(b, 21);
    w = (bits & 0x3FFF) + 1;
    h = ((bits >> 14) & 0x3FFF) + 1;
  } else {
    return std::nullopt;
  }
  if (w == 0 || h == 0) return std::nullopt;
  return ImageHeader{"webp", static_cast<int>(w), static_cast<int>(h), complete};
}

}  // namespace

std::optional<ImageHeader> read_image_header(std::string_view bytes) {
  if (auto h = png(bytes)) return h;
  if (auto h = jpeg(bytes)) return h;
  return webp(bytes);
}

}  // namespace vidserve::media
