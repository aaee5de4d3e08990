#pragma once
// Letterboxing: an image or a video frame whose aspect ratio differs from the output's is scaled
// to fit whole inside the output, centred, with black bars on the two free sides (never cropped,
// never stretched). Scaling is swscale's bit-exact bicubic, so the same input gives the same bytes.
#include "common/result.hpp"
#include "media/av_handles.hpp"
#include "media/rgb_image.hpp"

namespace vidserve::media {

struct Rect {
  int x = 0, y = 0, width = 0, height = 0;
  bool operator==(const Rect&) const = default;
};

// Where a src_w x src_h picture goes inside dst_w x dst_h: the largest centred rectangle of the
// source's aspect ratio. A side within 2 pixels of the output's is taken as the full side (no
// visible bar for a rounding difference such as 854x480 in 1280x720).
Rect fit_rect(int src_w, int src_h, int dst_w, int dst_h);

// True when fitting leaves bars, i.e. the aspect ratios differ.
bool is_letterboxed(int src_w, int src_h, int dst_w, int dst_h);

// `image` fitted into a new width x height image with black bars.
Result<RgbImage> scale_fit(const RgbImage& image, int width, int height);

// How many degrees clockwise a player turns the stream's pictures (0, 90, 180 or 270), from its
// display matrix (phones store portrait video as landscape frames with one), as the ffmpeg CLI does.
int display_rotation(const AVStream& stream);

// `src` turned `degrees` clockwise (0, 90, 180, 270) into `dst`, whose size must be src's turned.
void rotate_into(const RgbImage& src, int degrees, const RgbView& dst);

// Fits decoded video frames (any pixel format, honouring their colour matrix, range and pixel
// aspect ratio) into RGB24 views of one size; keeps its swscale context while the source size and
// format stay the same.
class FrameFitter {
 public:
  Status fit(const AVFrame& frame, const RgbView& dst);

 private:
  SwsPtr sws_;
  int src_w_ = 0, src_h_ = 0, src_format_ = -1, dst_w_ = 0, dst_h_ = 0;
  Rect rect_;
};

}  // namespace vidserve::media
