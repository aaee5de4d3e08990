#include "media/fit.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

extern "C" {
#include <libavutil/display.h>
}

#include "media/pixel_convert.hpp"

namespace vidserve::media {
namespace {

constexpr int kSwsFlags = SWS_BICUBIC | SWS_ACCURATE_RND | SWS_BITEXACT;
// Video frames, every output frame: without SWS_ACCURATE_RND swscale takes its table-driven
// YUV->RGB path (measured 1.8 ms instead of 21.8 ms for a 1080p frame); still bit-exact.
constexpr int kVideoSwsFlags = SWS_BICUBIC | SWS_BITEXACT;
constexpr int kSnapPixels = 2;

void fill_black(const RgbView& view) {
  for (int y = 0; y < view.height; ++y) std::memset(view.row(y), 0, static_cast<size_t>(view.width) * 3);
}

}  // namespace

Rect fit_rect(int src_w, int src_h, int dst_w, int dst_h) {
  if (src_w <= 0 || src_h <= 0 || dst_w <= 0 || dst_h <= 0) return Rect{0, 0, dst_w, dst_h};
  int w = dst_w;
  int h = dst_h;
  if (static_cast<int64_t>(src_w) * dst_h > static_cast<int64_t>(src_h) * dst_w) {
    h = static_cast<int>(std::lround(static_cast<double>(dst_w) * src_h / src_w));  // bars above and below
  } else {
    w = static_cast<int>(std::lround(static_cast<double>(dst_h) * src_w / src_h));  // bars left and right
  }
  if (dst_w - w <= kSnapPixels) w = dst_w;
  if (dst_h - h <= kSnapPixels) h = dst_h;
  w = std::max(1, w);
  h = std::max(1, h);
  return Rect{(dst_w - w) / 2, (dst_h - h) / 2, w, h};
}

bool is_letterboxed(int src_w, int src_h, int dst_w, int dst_h) {
  const Rect r = fit_rect(src_w, src_h, dst_w, dst_h);
  return r.width != dst_w || r.height != dst_h;
}

Result<RgbImage> scale_fit(const RgbImage& image, int width, int height) {
  if (!is_valid(image) || width <= 0 || height <= 0)
    return media_error("cannot scale an empty or malformed RGB image");
  const Rect r = fit_rect(image.width, image.height, width, height);
  SwsPtr sws(sws_getContext(image.width, image.height, AV_PIX_FMT_RGB24, r.width, r.height,
                            AV_PIX_FMT_RGB24, kSwsFlags, nullptr, nullptr, nullptr));
  if (!sws) return media_error("cannot scale a " + std::to_string(image.width) + "x" +
                               std::to_string(image.height) + " image");
  RgbImage out = RgbImage::filled(width, height, 0, 0, 0);
  const uint8_t* src[4] = {image.rgb.data(), nullptr, nullptr, nullptr};
  const int src_stride[4] = {image.width * 3, 0, 0, 0};
  uint8_t* dst[4] = {out.rgb.data() + (static_cast<size_t>(r.y) * width + r.x) * 3, nullptr, nullptr,
                     nullptr};
  const int dst_stride[4] = {width * 3, 0, 0, 0};
  sws_scale(sws.get(), src, src_stride, 0, image.height, dst, dst_stride);
  return out;
}

int display_rotation(const AVStream& stream) {
  const auto* matrix = reinterpret_cast<const int32_t*>(
      av_stream_get_side_data(&stream, AV_PKT_DATA_DISPLAYMATRIX, nullptr));
  if (!matrix) return 0;
  const double degrees = -av_display_rotation_get(matrix);  // counter-clockwise -> clockwise
  if (std::isnan(degrees)) return 0;
  const int quarter = static_cast<int>(std::lround(degrees / 90));
  return ((quarter % 4) + 4) % 4 * 90;
}

void rotate_into(const RgbImage& src, int degrees, const RgbView& dst) {
  const bool sideways = degrees == 90 || degrees == 270;
  if (dst.width != (sideways ? src.height : src.width) || dst.height != (sideways ? src.width : src.height))
    return;
  for (int y = 0; y < dst.height; ++y) {
    uint8_t* out = dst.row(y);
    for (int x = 0; x < dst.width; ++x) {
      int sx = x, sy = y;
      if (degrees == 90) {
        sx = y;
        sy = src.height - 1 - x;
      } else if (degrees == 180) {
        sx = src.width - 1 - x;
        sy = src.height - 1 - y;
      } else if (degrees == 270) {
        sx = src.width - 1 - y;
        sy = x;
      }
      const uint8_t* in = &src.rgb[(static_cast<size_t>(sy) * src.width + sx) * 3];
      out[x * 3] = in[0];
      out[x * 3 + 1] = in[1];
      out[x * 3 + 2] = in[2];
    }
  }
}

Status FrameFitter::fit(const AVFrame& frame, const RgbView& dst) {
  if (!sws_ || frame.width != src_w_ || frame.height != src_h_ || frame.format != src_format_ ||
      dst.width != dst_w_ || dst.height != dst_h_) {
    // Non-square pixels (anamorphic video) are fitted by their displayed width.
    const AVRational sar = frame.sample_aspect_ratio;
    const int shown_w = sar.num > 0 && sar.den > 0
                            ? static_cast<int>(std::lround(frame.width * av_q2d(sar)))
                            : frame.width;
    rect_ = fit_rect(shown_w, frame.height, dst.width, dst.height);
    sws_.reset(sws_getContext(frame.width, frame.height, static_cast<AVPixelFormat>(frame.format),
                              rect_.width, rect_.height, AV_PIX_FMT_RGB24, kVideoSwsFlags, nullptr,
                              nullptr, nullptr));
    if (!sws_) return media_error("cannot convert the input video's pixels");
    // Decoded video says which matrix it was encoded with; swscale assumes BT.601 otherwise.
    sws_setColorspaceDetails(sws_.get(), sws_getCoefficients(frame.colorspace),
                             is_full_range(frame) ? 1 : 0, sws_getCoefficients(SWS_CS_DEFAULT), 1,
                             0, 1 << 16, 1 << 16);
    src_w_ = frame.width;
    src_h_ = frame.height;
    src_format_ = frame.format;
    dst_w_ = dst.width;
    dst_h_ = dst.height;
  }
  if (rect_.width != dst.width || rect_.height != dst.height) fill_black(dst);
  uint8_t* out[4] = {dst.row(rect_.y) + static_cast<ptrdiff_t>(rect_.x) * 3, nullptr, nullptr, nullptr};
  const int out_stride[4] = {dst.stride, 0, 0, 0};
  sws_scale(sws_.get(), frame.data, frame.linesize, 0, frame.height, out, out_stride);
  return Ok{};
}

}  // namespace vidserve::media
