#pragma once
// Plain pixel containers shared by the media module: an owning packed-RGB24 image and a
// non-owning view that can point into an RgbImage or into an AVFrame's first plane.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace vidserve::media {

// Packed RGB24, rows of width*3 bytes with no padding.
struct RgbImage {
  int width = 0;
  int height = 0;
  std::vector<uint8_t> rgb;

  static RgbImage filled(int width, int height, uint8_t r, uint8_t g, uint8_t b);
};

// True when the buffer holds exactly width*height pixels of a non-empty image.
inline bool is_valid(const RgbImage& image) {
  return image.width > 0 && image.height > 0 &&
         image.rgb.size() ==
             static_cast<size_t>(image.width) * static_cast<size_t>(image.height) * 3;
}

// Mutable view of packed RGB24 pixels; `stride` is the byte distance between rows.
struct RgbView {
  uint8_t* data = nullptr;
  int stride = 0;
  int width = 0;
  int height = 0;

  uint8_t* row(int y) const { return data + static_cast<std::ptrdiff_t>(y) * stride; }
  static RgbView of(RgbImage& image) {
    return {image.rgb.data(), image.width * 3, image.width, image.height};
  }
};

inline RgbImage RgbImage::filled(int width, int height, uint8_t r, uint8_t g, uint8_t b) {
  RgbImage image{width, height, std::vector<uint8_t>(static_cast<size_t>(width) * height * 3)};
  for (size_t i = 0; i < image.rgb.size(); i += 3) {
    image.rgb[i] = r;
    image.rgb[i + 1] = g;
    image.rgb[i + 2] = b;
  }
  return image;
}

}  // namespace vidserve::media
