#include "media/image_motion.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <vector>

namespace vidserve::media {
namespace {

constexpr double kMaxZoom = 1.08;
constexpr double kDrift = 0.03;
constexpr int kFracBits = 8;
constexpr int kOne = 1 << kFracBits;

// Source index and weight of the next sample (0..256) for each output coordinate along one axis.
struct Tap {
  int index = 0;
  int next = 0;
  int weight = 0;
};

std::vector<Tap> taps(int out_size, int in_size, double zoom, double centre) {
  const double window = in_size / zoom;
  const double first = std::clamp(centre * in_size - window / 2, 0.0, in_size - window);
  std::vector<Tap> out(static_cast<size_t>(out_size));
  for (int i = 0; i < out_size; ++i) {
    const double pos = first + (i + 0.5) * window / out_size - 0.5;
    const auto fixed = std::clamp<int64_t>(std::llround(pos * kOne), 0, int64_t{in_size - 1} * kOne);
    Tap& t = out[static_cast<size_t>(i)];
    t.index = static_cast<int>(fixed >> kFracBits);
    t.next = std::min(t.index + 1, in_size - 1);
    t.weight = static_cast<int>(fixed & (kOne - 1));
  }
  return out;
}

}  // namespace

Motion avatar_motion(double progress, uint64_t seed) {
  const double p = std::clamp(progress, 0.0, 1.0);
  const double eased = (1 - std::cos(std::numbers::pi * p)) / 2;
  const double phase = static_cast<double>(seed % 360) * std::numbers::pi / 180;
  Motion m;
  m.zoom = 1 + (kMaxZoom - 1) * eased;
  m.cx = 0.5 + kDrift * std::sin(phase + 2 * std::numbers::pi * p) * eased;
  m.cy = 0.5 + kDrift * std::cos(phase + 2 * std::numbers::pi * p) * eased;
  return m;
}

void draw_zoomed(const RgbView& dst, const RgbImage& image, const Motion& m) {
  if (!is_valid(image) || dst.width <= 0 || dst.height <= 0) return;
  const std::vector<Tap> xs = taps(dst.width, image.width, std::max(1.0, m.zoom), m.cx);
  const std::vector<Tap> ys = taps(dst.height, image.height, std::max(1.0, m.zoom), m.cy);
  const size_t in_stride = static_cast<size_t>(image.width) * 3;
  for (int y = 0; y < dst.height; ++y) {
    const Tap& ty = ys[static_cast<size_t>(y)];
    const uint8_t* row0 = image.rgb.data() + static_cast<size_t>(ty.index) * in_stride;
    const uint8_t* row1 = image.rgb.data() + static_cast<size_t>(ty.next) * in_stride;
    uint8_t* out = dst.row(y);
    for (int x = 0; x < dst.width; ++x) {
      const Tap& tx = xs[static_cast<size_t>(x)];
      const size_t a = static_cast<size_t>(tx.index) * 3, b = static_cast<size_t>(tx.next) * 3;
      for (int c = 0; c < 3; ++c) {
        const int top = row0[a + c] * (kOne - tx.weight) + row0[b + c] * tx.weight;
        const int bottom = row1[a + c] * (kOne - tx.weight) + row1[b + c] * tx.weight;
        const int value = top * (kOne - ty.weight) + bottom * ty.weight;
        out[x * 3 + c] = static_cast<uint8_t>((value + (1 << (2 * kFracBits - 1))) >> (2 * kFracBits));
      }
    }
  }
}

}  // namespace vidserve::media
