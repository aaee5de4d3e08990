#pragma once
// A still image brought to life for the avatar preview: a slow zoom-in with a gentle drift of the
// centre, drawn with fixed-point bilinear sampling (integer arithmetic per pixel, so the same
// image and time give the same pixels).
#include <cstdint>

#include "media/rgb_image.hpp"

namespace vidserve::media {

struct Motion {
  double zoom = 1;               // >= 1: the view shows 1/zoom of the image's width and height
  double cx = 0.5, cy = 0.5;     // the view's centre, in fractions of the image
};

// From 1x to 1.08x over the video, eased, with a drift of a few percent whose phase comes from
// the seed. `progress` is 0 on the first frame and 1 on the last.
Motion avatar_motion(double progress, uint64_t seed);

// `image` (the size of `dst`) magnified by m.zoom around (m.cx, m.cy), kept inside the image.
void draw_zoomed(const RgbView& dst, const RgbImage& image, const Motion& m);

}  // namespace vidserve::media
