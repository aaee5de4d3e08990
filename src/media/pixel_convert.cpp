#include "media/pixel_convert.hpp"

extern "C" {
#include <libavutil/pixdesc.h>
}

#include <algorithm>
#include <cmath>

namespace vidserve::media {
namespace {

// Bit-exact, accurately rounded conversions: the same input gives the same bytes on every CPU.
constexpr int kSwsFlags = SWS_BICUBIC | SWS_ACCURATE_RND | SWS_BITEXACT;

Result<SwsPtr> make_sws(int src_w, int src_h, AVPixelFormat src_fmt, int dst_w, int dst_h,
                        AVPixelFormat dst_fmt) {
  SwsPtr sws(sws_getContext(src_w, src_h, src_fmt, dst_w, dst_h, dst_fmt, kSwsFlags, nullptr,
                            nullptr, nullptr));
  if (!sws) {
    return media_error(
        "cannot convert " + std::to_string(src_w) + "x" + std::to_string(src_h) + " " +
        (av_get_pix_fmt_name(src_fmt) ? av_get_pix_fmt_name(src_fmt) : "unknown") + " pixels");
  }
  return sws;
}

bool is_rgb(AVPixelFormat format) {
  const AVPixFmtDescriptor* desc = av_pix_fmt_desc_get(format);
  return desc && (desc->flags & AV_PIX_FMT_FLAG_RGB);
}

}  // namespace

bool is_full_range(const AVFrame& frame) {
  switch (frame.format) {
    case AV_PIX_FMT_YUVJ420P:
    case AV_PIX_FMT_YUVJ422P:
    case AV_PIX_FMT_YUVJ444P:
    case AV_PIX_FMT_YUVJ440P:
    case AV_PIX_FMT_YUVJ411P:
      return true;
    default:
      return frame.color_range == AVCOL_RANGE_JPEG;
  }
}

Result<FramePtr> alloc_frame(AVPixelFormat format, int width, int height) {
  FramePtr frame = make_frame();
  if (!frame) return media_error("out of memory allocating a frame");
  frame->format = format;
  frame->width = width;
  frame->height = height;
  if (int err = av_frame_get_buffer(frame.get(), 0); err < 0)
    return av_error(err, "allocating frame buffers");
  return frame;
}

Result<RgbImage> frame_to_rgb(const AVFrame& frame) {
  const auto src_fmt = static_cast<AVPixelFormat>(frame.format);
  auto sws =
      make_sws(frame.width, frame.height, src_fmt, frame.width, frame.height, AV_PIX_FMT_RGB24);
  if (!sws) return sws.error();
  if (!is_rgb(src_fmt)) {
    // Decoded video says which matrix it was encoded with; swscale assumes BT.601 otherwise.
    sws_setColorspaceDetails(sws->get(), sws_getCoefficients(frame.colorspace),
                             is_full_range(frame) ? 1 : 0, sws_getCoefficients(SWS_CS_DEFAULT), 1,
                             0, 1 << 16, 1 << 16);
  }
  RgbImage out{frame.width, frame.height,
               std::vector<uint8_t>(static_cast<size_t>(frame.width) * frame.height * 3)};
  uint8_t* dst[4] = {out.rgb.data(), nullptr, nullptr, nullptr};
  int dst_stride[4] = {frame.width * 3, 0, 0, 0};
  sws_scale(sws->get(), frame.data, frame.linesize, 0, frame.height, dst, dst_stride);
  return out;
}

Result<FramePtr> rgb_to_frame(const RgbImage& image, AVPixelFormat format) {
  if (!is_valid(image)) return media_error("RGB image buffer does not match its width and height");
  auto frame = alloc_frame(format, image.width, image.height);
  if (!frame) return frame.error();
  auto sws =
      make_sws(image.width, image.height, AV_PIX_FMT_RGB24, image.width, image.height, format);
  if (!sws) return sws.error();
  const uint8_t* src[4] = {image.rgb.data(), nullptr, nullptr, nullptr};
  const int src_stride[4] = {image.width * 3, 0, 0, 0};
  sws_scale(sws->get(), src, src_stride, 0, image.height, (*frame)->data, (*frame)->linesize);
  return frame;
}

Result<RgbImage> scale_cover(const RgbImage& image, int width, int height) {
  if (!is_valid(image) || width <= 0 || height <= 0) {
    return media_error("cannot scale an empty or malformed RGB image");
  }
  // Largest centred region of the source with the target's aspect ratio.
  int crop_w = image.width;
  int crop_h = image.height;
  if (static_cast<int64_t>(image.width) * height > static_cast<int64_t>(image.height) * width) {
    crop_w = std::max(
        1, static_cast<int>(std::lround(static_cast<double>(image.height) * width / height)));
  } else {
    crop_h = std::max(
        1, static_cast<int>(std::lround(static_cast<double>(image.width) * height / width)));
  }
  const int x0 = (image.width - crop_w) / 2;
  const int y0 = (image.height - crop_h) / 2;
  auto sws = make_sws(crop_w, crop_h, AV_PIX_FMT_RGB24, width, height, AV_PIX_FMT_RGB24);
  if (!sws) return sws.error();
  RgbImage out{width, height, std::vector<uint8_t>(static_cast<size_t>(width) * height * 3)};
  const uint8_t* src[4] = {image.rgb.data() + (static_cast<size_t>(y0) * image.width + x0) * 3,
                           nullptr, nullptr, nullptr};
  const int src_stride[4] = {image.width * 3, 0, 0, 0};
  uint8_t* dst[4] = {out.rgb.data(), nullptr, nullptr, nullptr};
  const int dst_stride[4] = {width * 3, 0, 0, 0};
  sws_scale(sws->get(), src, src_stride, 0, crop_h, dst, dst_stride);
  return out;
}

}  // namespace vidserve::media
