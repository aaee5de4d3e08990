#pragma once
// The size of a PNG, JPEG or WebP image read from its header alone, without decoding a pixel, so
// that a decompression bomb (a small file declaring 50000 x 50000 pixels) costs nothing to
// refuse. Also tells whether the file visibly ends where its format says it ends.
//
// Hand-written: libavformat's image probes need a decoder to report the size, and the formats'
// headers are small and fixed (PNG IHDR; JPEG SOFn; WebP VP8/VP8L/VP8X).
#include <optional>
#include <string>
#include <string_view>

namespace vidserve::media {

struct ImageHeader {
  std::string format;  // "png", "jpeg", "webp"
  int width = 0;
  int height = 0;
  bool complete = false;  // PNG ends with IEND, JPEG with EOI, WebP's RIFF size fits the file
};

// nullopt when the bytes are not a PNG, JPEG or WebP whose header gives a size.
std::optional<ImageHeader> read_image_header(std::string_view bytes);

}  // namespace vidserve::media
