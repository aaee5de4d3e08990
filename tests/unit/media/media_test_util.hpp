#pragma once
// Helpers shared by the media tests: a scratch directory, file bytes and image comparison.
#include <unistd.h>

#include <array>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "media/decoder.hpp"
#include "media/preview_renderer.hpp"
#include "media/rgb_image.hpp"

namespace vidserve::media::testing {

// A fresh directory under $TMPDIR, removed with its contents at the end of the test.
class ScratchDir {
 public:
  ScratchDir() {
    path_ = std::filesystem::temp_directory_path() /
            ("vidserve-media-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++));
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  static inline int counter_ = 0;
  std::filesystem::path path_;
};

inline std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Mean absolute difference per channel value (0..255) of two images of equal size.
inline double mean_abs_diff(const RgbImage& a, const RgbImage& b) {
  if (a.width != b.width || a.height != b.height || a.rgb.size() != b.rgb.size() || a.rgb.empty())
    return 255;
  double sum = 0;
  for (size_t i = 0; i < a.rgb.size(); ++i) sum += std::abs(int(a.rgb[i]) - int(b.rgb[i]));
  return sum / static_cast<double>(a.rgb.size());
}

// Mean colour of a rectangle.
inline std::array<double, 3> mean_color(const RgbImage& image, int x0, int y0, int w, int h) {
  std::array<double, 3> sum{0, 0, 0};
  for (int y = y0; y < y0 + h; ++y) {
    for (int x = x0; x < x0 + w; ++x) {
      for (int c = 0; c < 3; ++c)
        sum[c] += image.rgb[(static_cast<size_t>(y) * image.width + x) * 3 + c];
    }
  }
  for (double& s : sum) s /= static_cast<double>(w) * h;
  return sum;
}

// Share of pixels in a rectangle that are clearly red (the PREVIEW badge colour).
inline double red_fraction(const RgbImage& image, int x0, int y0, int w, int h) {
  int red = 0;
  for (int y = y0; y < y0 + h; ++y) {
    for (int x = x0; x < x0 + w; ++x) {
      const uint8_t* px = &image.rgb[(static_cast<size_t>(y) * image.width + x) * 3];
      red += px[0] > 150 && px[0] > px[1] + 60 && px[0] > px[2] + 60;
    }
  }
  return static_cast<double>(red) / (static_cast<double>(w) * h);
}

// A recognisable test picture: a diagonal ramp of one hue with a bright square.
inline RgbImage pattern_image(int width, int height, int r, int g, int b) {
  RgbImage image = RgbImage::filled(width, height, 0, 0, 0);
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      const double ramp = 0.35 + 0.65 * (x + y) / double(width + height);
      const bool square = x > width / 3 && x < width / 2 && y > height / 3 && y < height / 2;
      uint8_t* px = &image.rgb[(static_cast<size_t>(y) * width + x) * 3];
      px[0] = static_cast<uint8_t>(square ? 250 : r * ramp);
      px[1] = static_cast<uint8_t>(square ? 250 : g * ramp);
      px[2] = static_cast<uint8_t>(square ? 250 : b * ramp);
    }
  }
  return image;
}

// Decoded frames of a video: the first, the last and how many there were.
struct FrameSample {
  RgbImage first, last;
  std::vector<RgbImage> kept;  // frames whose index is in `keep`
  int count = 0;
};

inline FrameSample sample_frames(const std::string& path, std::vector<int> keep = {}) {
  FrameSample sample;
  auto status = for_each_video_frame(path, [&](int index, const RgbImage& frame) {
    if (index == 0) sample.first = frame;
    sample.last = frame;
    for (int k : keep) {
      if (k == index) sample.kept.push_back(frame);
    }
    sample.count = index + 1;
    return true;
  });
  if (!status) sample.count = -1;
  return sample;
}

// A small preview video to probe or inspect: 320x240 at 24 fps.
inline PreviewVideoSpec small_video_spec(Container container, bool sound, double duration_s, uint64_t seed) {
  PreviewVideoSpec s;
  s.width = 320;
  s.height = 240;
  s.fps = 24;
  s.duration_s = duration_s;
  s.seed = seed;
  s.prompt = "a small test video";
  s.container = container;
  s.sound = sound;
  s.model_label = "klingai:3@1";
  return s;
}

}  // namespace vidserve::media::testing
