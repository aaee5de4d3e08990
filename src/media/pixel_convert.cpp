#include "media/pixel_convert.hpp"

extern "C" {
#include <libavutil/pixdesc.h>
}

#include <algorithm>
#include <cmath>
#include <optional>

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

namespace {

// BT.709, limited range, from full-range RGB, in 1/32768 units (kYuvShift): Y = 219/255 *
// (Kr R + Kg G + Kb B) + 16, Cb = 224/255 * (B - Y') / (2 (1 - Kb)) + 128, Cr likewise with R and
// Kr (Kr = 0.2126, Kb = 0.0722). Each chroma row sums to 0 so that greys get exactly 128.
constexpr int kYuvShift = 15;
constexpr int kYr = 5983, kYg = 20127, kYb = 2032;
constexpr int kUr = -3298, kUg = -11094, kUb = 14392;
constexpr int kVr = 14392, kVg = -13072, kVb = -1320;
constexpr int kYOffset = (16 << kYuvShift) + (1 << (kYuvShift - 1));
// Chroma from the sum of four pixels: two more bits of scale.
constexpr int kCOffset = (128 << (kYuvShift + 2)) + (1 << (kYuvShift + 1));

inline uint8_t luma(const uint8_t* p) {
  return static_cast<uint8_t>((kYr * p[0] + kYg * p[1] + kYb * p[2] + kYOffset) >> kYuvShift);
}

void luma_row(const uint8_t* rgb, int width, uint8_t* y) {
  for (int x = 0; x < width; ++x) y[x] = luma(rgb + 3 * x);
}

// Cb and Cr of one output chroma row from two RGB rows (the same row twice at an odd bottom edge).
void chroma_row(const uint8_t* top, const uint8_t* bottom, int width, uint8_t* u, uint8_t* v) {
  const int pairs = width / 2;
  for (int i = 0; i < pairs; ++i) {
    const uint8_t* a = top + 6 * i;
    const uint8_t* b = bottom + 6 * i;
    const int r = a[0] + a[3] + b[0] + b[3];
    const int g = a[1] + a[4] + b[1] + b[4];
    const int bl = a[2] + a[5] + b[2] + b[5];
    u[i] = static_cast<uint8_t>((kUr * r + kUg * g + kUb * bl + kCOffset) >> (kYuvShift + 2));
    v[i] = static_cast<uint8_t>((kVr * r + kVg * g + kVb * bl + kCOffset) >> (kYuvShift + 2));
  }
  if (width % 2) {  // the last column alone, counted twice
    const uint8_t* a = top + 6 * pairs;
    const uint8_t* b = bottom + 6 * pairs;
    const int r = 2 * (a[0] + b[0]), g = 2 * (a[1] + b[1]), bl = 2 * (a[2] + b[2]);
    u[pairs] = static_cast<uint8_t>((kUr * r + kUg * g + kUb * bl + kCOffset) >> (kYuvShift + 2));
    v[pairs] = static_cast<uint8_t>((kVr * r + kVg * g + kVb * bl + kCOffset) >> (kYuvShift + 2));
  }
}

// YUV -> RGB in 1/65536 units: Y scale, V->R, U->G, V->G, U->B (from Kr, Kb and the range).
struct YuvMatrix {
  int y_offset, y_scale, vr, ug, vg, ub;
};

std::optional<YuvMatrix> yuv_matrix(const AVFrame& frame) {
  const bool full = is_full_range(frame);
  switch (frame.colorspace) {
    case AVCOL_SPC_BT709:
      return full ? YuvMatrix{0, 65536, 103206, 12276, 30679, 121609}
                  : YuvMatrix{16, 76309, 117489, 13975, 34925, 138438};
    case AVCOL_SPC_UNSPECIFIED:
    case AVCOL_SPC_BT470BG:
    case AVCOL_SPC_SMPTE170M:
      return full ? YuvMatrix{0, 65536, 91881, 22553, 46802, 116130}
                  : YuvMatrix{16, 76309, 104597, 25675, 53279, 132201};
    default:
      return std::nullopt;
  }
}

inline uint8_t clamp8(int v) {
  return static_cast<uint8_t>(std::clamp(v, 0, 255));
}

inline void put_rgb(uint8_t* out, int luma, int r, int g, int b) {
  out[0] = clamp8((luma + r) >> 16);
  out[1] = clamp8((luma + g) >> 16);
  out[2] = clamp8((luma + b) >> 16);
}

// One RGB row from a luma row and its chroma rows; each chroma sample serves two pixels.
void rgb_row(const uint8_t* y, const uint8_t* u, const uint8_t* v, int width, const YuvMatrix& m,
             uint8_t* out) {
  constexpr int kHalf = 1 << 15;
  const int base = kHalf - m.y_offset * m.y_scale;
  for (int i = 0; i < width / 2; ++i, out += 6) {
    const int cu = u[i] - 128, cv = v[i] - 128;
    const int r = m.vr * cv, g = -m.ug * cu - m.vg * cv, b = m.ub * cu;
    put_rgb(out, y[2 * i] * m.y_scale + base, r, g, b);
    put_rgb(out + 3, y[2 * i + 1] * m.y_scale + base, r, g, b);
  }
  if (width % 2) {
    const int cu = u[width / 2] - 128, cv = v[width / 2] - 128;
    put_rgb(out, y[width - 1] * m.y_scale + base, m.vr * cv, -m.ug * cu - m.vg * cv, m.ub * cu);
  }
}

}  // namespace

bool yuv420p_to_rgb(const AVFrame& frame, const RgbView& out) {
  if ((frame.format != AV_PIX_FMT_YUV420P && frame.format != AV_PIX_FMT_YUVJ420P) ||
      frame.width != out.width || frame.height != out.height) {
    return false;
  }
  const auto matrix = yuv_matrix(frame);
  if (!matrix) return false;
  for (int y = 0; y < out.height; ++y) {
    const ptrdiff_t c = y / 2;
    rgb_row(frame.data[0] + static_cast<ptrdiff_t>(y) * frame.linesize[0],
            frame.data[1] + c * frame.linesize[1], frame.data[2] + c * frame.linesize[2], out.width,
            *matrix, out.row(y));
  }
  return true;
}

void rgb_to_yuv420p_bt709(const RgbView& rgb, AVFrame& out) {
  for (int y = 0; y < rgb.height; y += 2) {
    const uint8_t* top = rgb.row(y);
    const uint8_t* bottom = y + 1 < rgb.height ? rgb.row(y + 1) : top;
    luma_row(top, rgb.width, out.data[0] + static_cast<ptrdiff_t>(y) * out.linesize[0]);
    if (y + 1 < rgb.height)
      luma_row(bottom, rgb.width, out.data[0] + static_cast<ptrdiff_t>(y + 1) * out.linesize[0]);
    const ptrdiff_t c = static_cast<ptrdiff_t>(y / 2);
    chroma_row(top, bottom, rgb.width, out.data[1] + c * out.linesize[1],
               out.data[2] + c * out.linesize[2]);
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
