#include "media/frame_painter.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numbers>

namespace vidserve::media {
namespace {

constexpr int kGradientSize = 1024;  // entries; a power of two so indices wrap with a mask
constexpr int kFixedShift = 12;      // fractional bits of the gradient index

// splitmix64: tiny, fast and identical everywhere.
class SplitMix {
 public:
  explicit SplitMix(uint64_t seed) : state_(seed) {}
  uint64_t next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  double uniform(double lo, double hi) {
    return lo + (hi - lo) * static_cast<double>(next() >> 11) * 0x1.0p-53;
  }

 private:
  uint64_t state_;
};

Rgb hsv(double h, double s, double v) {
  h = h - std::floor(h);
  const double c = v * s;
  const double x = c * (1 - std::fabs(std::fmod(h * 6, 2.0) - 1));
  const double m = v - c;
  double r = 0, g = 0, b = 0;
  switch (static_cast<int>(h * 6) % 6) {
    case 0:
      r = c, g = x;
      break;
    case 1:
      r = x, g = c;
      break;
    case 2:
      g = c, b = x;
      break;
    case 3:
      g = x, b = c;
      break;
    case 4:
      r = x, b = c;
      break;
    default:
      r = c, b = x;
      break;
  }
  const auto to8 = [m](double u) { return static_cast<uint8_t>(std::lround((u + m) * 255)); };
  return {to8(r), to8(g), to8(b)};
}

// A cyclic gradient through three colours with smoothstep easing between them.
std::vector<uint8_t> make_gradient(const std::array<Rgb, 3>& stops) {
  std::vector<uint8_t> lut(kGradientSize * 3);
  for (int i = 0; i < kGradientSize; ++i) {
    const double pos = 3.0 * i / kGradientSize;
    const int k = static_cast<int>(pos);
    const double f = pos - k;
    const double e = f * f * (3 - 2 * f);
    const Rgb& a = stops[k];
    const Rgb& b = stops[(k + 1) % 3];
    for (int c = 0; c < 3; ++c)
      lut[i * 3 + c] = static_cast<uint8_t>(std::lround(a[c] + (b[c] - a[c]) * e));
  }
  return lut;
}

// dst = dst + (color - dst) * w / 256 over `count` pixels.
void blend_span(uint8_t* px, int count, const Rgb& color, int w) {
  const int c0 = color[0] * w + 128, c1 = color[1] * w + 128, c2 = color[2] * w + 128;
  const int keep = 256 - w;
  for (int i = 0; i < count; ++i, px += 3) {
    px[0] = static_cast<uint8_t>((px[0] * keep + c0) >> 8);
    px[1] = static_cast<uint8_t>((px[1] * keep + c1) >> 8);
    px[2] = static_cast<uint8_t>((px[2] * keep + c2) >> 8);
  }
}

// Coverage-weighted blend of one row's pixels x0..x1 (inclusive) at distance dy from the centre.
void blend_edge(const Disc& disc, uint8_t* row, int x0, int x1, double cx, double dy, double r,
                double edge) {
  uint8_t* px = row + static_cast<ptrdiff_t>(x0) * 3;
  for (int x = x0; x <= x1; ++x, px += 3) {
    const double dx = x + 0.5 - cx;
    const double cover = std::clamp((r * r - dx * dx - dy * dy) / edge, 0.0, 1.0);
    blend_span(px, 1, disc.color, static_cast<int>(cover * disc.opacity));
  }
}

void paint_disc(const Disc& disc, double seconds, const RgbView& out) {
  const double size = std::min(out.width, out.height);
  const double r = disc.radius * size;
  const double cx = out.width * (0.5 + 0.38 * std::sin(disc.freq_x * seconds + disc.phase_x));
  const double cy = out.height * (0.5 + 0.38 * std::sin(disc.freq_y * seconds + disc.phase_y));
  const int y0 = std::max(0, static_cast<int>(cy - r - 1));
  const int y1 = std::min(out.height - 1, static_cast<int>(cy + r + 1));
  const double edge = 2.0 * r * 1.5;  // ~1.5 px of anti-aliasing
  for (int y = y0; y <= y1; ++y) {
    const double dy = y + 0.5 - cy;
    const double half = std::sqrt(std::max(0.0, (r + 1) * (r + 1) - dy * dy));
    const int x0 = std::max(0, static_cast<int>(cx - half));
    const int x1 = std::min(out.width - 1, static_cast<int>(cx + half));
    // Full cover where r^2 - dx^2 - dy^2 >= edge: a span one pixel inside that circle on each
    // side (so rounding cannot put a partly covered pixel in it) is blended at full opacity.
    const double inner2 = r * r - edge - dy * dy;
    int i0 = x1 + 1, i1 = x1;  // empty unless the row crosses the full-cover circle
    if (inner2 > 0) {
      const double inner = std::sqrt(inner2);
      i0 = std::max(x0, static_cast<int>(std::ceil(cx - 0.5 - inner)) + 1);
      i1 = std::min(x1, static_cast<int>(std::floor(cx - 0.5 + inner)) - 1);
      if (i1 < i0) i0 = x1 + 1, i1 = x1;
    }
    uint8_t* row = out.row(y);
    blend_edge(disc, row, x0, i0 - 1, cx, dy, r, edge);
    blend_span(row + static_cast<ptrdiff_t>(i0) * 3, i1 - i0 + 1, disc.color, disc.opacity);
    blend_edge(disc, row, i1 + 1, x1, cx, dy, r, edge);
  }
}

}  // namespace

ShotLook make_shot_look(uint64_t seed, int shot_index) {
  SplitMix rng(seed ^ (0xA5A5A5A5ULL * static_cast<uint64_t>(shot_index + 1)));
  rng.next();
  const double hue = rng.uniform(0, 1);
  const double spread = rng.uniform(0.12, 0.3);
  ShotLook look;
  look.gradient =
      make_gradient({hsv(hue, rng.uniform(0.55, 0.8), rng.uniform(0.45, 0.7)),
                     hsv(hue + spread, rng.uniform(0.5, 0.8), rng.uniform(0.6, 0.9)),
                     hsv(hue + 2 * spread, rng.uniform(0.4, 0.7), rng.uniform(0.35, 0.6))});
  const double angle = rng.uniform(0, 2 * std::numbers::pi);
  look.dir_x = std::cos(angle);
  look.dir_y = std::sin(angle);
  look.speed = rng.uniform(0.08, 0.2);
  const int discs = 3 + static_cast<int>(rng.next() % 3);
  for (int i = 0; i < discs; ++i) {
    Disc d;
    d.color =
        hsv(hue + 0.5 + rng.uniform(-0.15, 0.15), rng.uniform(0.3, 0.7), rng.uniform(0.7, 1.0));
    d.radius = rng.uniform(0.06, 0.16);
    d.freq_x = rng.uniform(0.3, 1.2);
    d.freq_y = rng.uniform(0.3, 1.2);
    d.phase_x = rng.uniform(0, 2 * std::numbers::pi);
    d.phase_y = rng.uniform(0, 2 * std::numbers::pi);
    d.opacity = 120 + static_cast<int>(rng.next() % 100);
    look.discs.push_back(d);
  }
  look.accent = hsv(hue + 0.5, 0.3, 1.0);
  return look;
}

void paint_background(const ShotLook& look, double seconds, const RgbView& out) {
  // Index = (position along dir_x,dir_y) / period, plus time; fixed point so rows are additions.
  const double period = 1.2 * std::hypot(out.width, out.height);
  const double scale = kGradientSize * static_cast<double>(1 << kFixedShift);
  const auto step_x =
      static_cast<uint32_t>(static_cast<int64_t>(std::llround(look.dir_x / period * scale)));
  const double offset = std::fmod(seconds * look.speed, 1.0) * scale;
  // The gradient as 4-byte entries: one load and one (overlapping) store per pixel; the last
  // pixel of a row is stored with 3 bytes so nothing past the row is written.
  std::array<uint32_t, kGradientSize> lut;
  for (int i = 0; i < kGradientSize; ++i) {
    const uint8_t rgbx[4] = {look.gradient[i * 3], look.gradient[i * 3 + 1],
                             look.gradient[i * 3 + 2], 0};
    std::memcpy(&lut[static_cast<size_t>(i)], rgbx, 4);
  }
  const int width = out.width;
  for (int y = 0; y < out.height && width > 0; ++y) {
    auto acc = static_cast<uint32_t>(
        static_cast<int64_t>(std::llround(y * look.dir_y / period * scale + offset)));
    uint8_t* px = out.row(y);
    for (int x = 0; x + 1 < width; ++x, px += 3, acc += step_x)
      std::memcpy(px, &lut[(acc >> kFixedShift) & (kGradientSize - 1)], 4);
    std::memcpy(px, &lut[(acc >> kFixedShift) & (kGradientSize - 1)], 3);
  }
  for (const Disc& disc : look.discs) paint_disc(disc, seconds, out);
}

void blend_into(const RgbView& dst, const RgbImage& src, int weight) {
  const int w = std::clamp(weight, 0, 256);
  for (int y = 0; y < dst.height; ++y) {
    uint8_t* d = dst.row(y);
    const uint8_t* s = src.rgb.data() + static_cast<size_t>(y) * src.width * 3;
    for (int i = 0; i < dst.width * 3; ++i)
      d[i] = static_cast<uint8_t>((d[i] * (256 - w) + s[i] * w + 128) >> 8);
  }
}

void crossfade_into(const RgbView& dst, const RgbImage& a, const RgbImage& b, int weight_b) {
  const int w = std::clamp(weight_b, 0, 256);
  for (int y = 0; y < dst.height; ++y) {
    uint8_t* d = dst.row(y);
    const size_t row = static_cast<size_t>(y) * a.width * 3;
    const uint8_t* pa = a.rgb.data() + row;
    const uint8_t* pb = b.rgb.data() + row;
    for (int i = 0; i < dst.width * 3; ++i)
      d[i] = static_cast<uint8_t>((pa[i] * (256 - w) + pb[i] * w + 128) >> 8);
  }
}

void draw_progress_bar(const RgbView& out, double fraction, Rgb color) {
  const int thickness = std::max(2, out.height / 160);
  const int filled = static_cast<int>(std::lround(std::clamp(fraction, 0.0, 1.0) * out.width));
  for (int y = out.height - thickness; y < out.height; ++y) {
    uint8_t* px = out.row(y);
    for (int x = 0; x < filled; ++x, px += 3) px[0] = color[0], px[1] = color[1], px[2] = color[2];
  }
}

}  // namespace vidserve::media
