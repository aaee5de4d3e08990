#pragma once
// The pixels of preview frames (everything except text): a seed-derived moving background,
// blending with input images, and a progress bar. Pure integer/float maths on RGB24, so the
// same inputs always give the same bytes. Random numbers come from splitmix64, never from
// <random> distributions, whose output differs between standard libraries.
#include <array>
#include <cstdint>
#include <vector>

#include "media/rgb_image.hpp"

namespace vidserve::media {

using Rgb = std::array<uint8_t, 3>;

// A soft disc that drifts across the frame on a Lissajous path.
struct Disc {
  Rgb color{};
  double radius = 0.1;            // fraction of min(width, height)
  double freq_x = 0, freq_y = 0;  // radians per second
  double phase_x = 0, phase_y = 0;
  int opacity = 160;  // 0..256
};

// Everything that makes one shot look different from the next (a visible cut).
struct ShotLook {
  std::vector<uint8_t> gradient;  // kGradientSize RGB entries, cyclic
  double dir_x = 1, dir_y = 0;    // unit direction of the gradient bands
  double speed = 0.1;             // gradient cycles per second
  std::vector<Disc> discs;
  Rgb accent{};  // progress bar colour
};

// Deterministic look for shot `shot_index` of a render with `seed`.
ShotLook make_shot_look(uint64_t seed, int shot_index);

// Paints the background of the look at `seconds` into `out`.
void paint_background(const ShotLook& look, double seconds, const RgbView& out);

// dst = dst + (src - dst) * weight / 256, weight in 0..256; sizes must match.
void blend_into(const RgbView& dst, const RgbImage& src, int weight);

// dst = a + (b - a) * weight_b / 256; sizes must match.
void crossfade_into(const RgbView& dst, const RgbImage& a, const RgbImage& b, int weight_b);

// A thin bar along the bottom edge showing `fraction` (0..1) of the clip elapsed.
void draw_progress_bar(const RgbView& out, double fraction, Rgb color);

}  // namespace vidserve::media
