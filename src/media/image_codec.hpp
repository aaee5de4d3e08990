#pragma once
// Still images: decoding JPEG/PNG/WEBP (and BMP/GIF/TIFF) bytes to RGB24 and encoding RGB24 to
// JPEG/PNG/WEBP, all through libavcodec/libavformat.
#include <string>
#include <string_view>

#include "common/result.hpp"
#include "media/rgb_image.hpp"

namespace vidserve::media {

enum class ImageFormat { Jpeg, Png, Webp };

// The first frame of an image given as bytes. Garbage, truncated or oversized input gives an
// Error, never a crash.
Result<RgbImage> decode_image(std::string_view bytes);

// Same as decode_image for a file (at most 64 MiB).
Result<RgbImage> decode_image_file(const std::string& path);

// Encoded file bytes. `quality` 20..99 maps to the JPEG quantiser / WebP quality; PNG is
// lossless and ignores it. Deterministic: the same pixels give the same bytes.
Result<std::string> encode_image(const RgbImage& image, ImageFormat format, int quality);

}  // namespace vidserve::media
