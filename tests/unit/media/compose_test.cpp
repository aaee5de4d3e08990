// The decode -> compose -> encode pieces: fit (letterbox) geometry, the audio mix's gains and
// clipping, input audio and video read frame by frame, the avatar's zoom, and the preview render
// from input media being byte-for-byte reproducible.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <string>
#include <vector>

#include "media/audio_mix.hpp"
#include "media/audio_source.hpp"
#include "media/fit.hpp"
#include "media/image_motion.hpp"
#include "media/libav_log.hpp"
#include "media/pixel_convert.hpp"
#include "media/probe.hpp"
#include "media/video_source.hpp"
#include "media_test_util.hpp"

namespace vidserve::media {
namespace {

const bool kQuiet = (quiet_libav_logs(), true);

using testing::mean_color;
using testing::read_bytes;
using testing::ScratchDir;

constexpr int kRate = 48000;

// Power of one frequency in `samples` (Goertzel), normalised by length.
double tone_power(const std::vector<float>& samples, double hz) {
  const double coeff = 2 * std::cos(2 * std::numbers::pi * hz / kRate);
  double s1 = 0, s2 = 0;
  for (float x : samples) {
    const double s0 = x + coeff * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  const double n = static_cast<double>(samples.size());
  return (s1 * s1 + s2 * s2 - coeff * s1 * s2) / (n * n);
}

// A test input: `frames` solid frames at `fps` whose red channel is 50 * index, and a sine of `hz`
// (no audio when hz is 0).
void write_input(const std::string& path, int width, int height, int fps, int frames, double hz) {
  WriterSettings settings{Container::Mp4, {width, height, fps, 99}, std::nullopt, {}};
  if (hz > 0) settings.audio = AudioSettings{kRate};
  auto writer = MediaWriter::open(path, settings);
  ASSERT_TRUE(writer) << writer.error().message;
  const int64_t total = static_cast<int64_t>(frames) * kRate / fps;
  int64_t written = 0;
  for (int i = 0; i < frames; ++i) {
    auto frame = rgb_to_frame(RgbImage::filled(width, height, static_cast<uint8_t>(50 * i), 90, 160),
                              AV_PIX_FMT_YUV420P);
    ASSERT_TRUE(frame);
    (*frame)->pts = i;
    ASSERT_TRUE((*writer)->write_video(frame->get()));
    const int64_t until = static_cast<int64_t>(i + 1) * kRate / fps;
    while (hz > 0 && written < until) {
      const int n = static_cast<int>(std::min<int64_t>((*writer)->audio_frame_samples(), total - written));
      std::vector<float> l(static_cast<size_t>(n)), r(static_cast<size_t>(n));
      for (int k = 0; k < n; ++k)
        l[static_cast<size_t>(k)] = r[static_cast<size_t>(k)] =
            0.5f * static_cast<float>(std::sin(2 * std::numbers::pi * hz * static_cast<double>(written + k) / kRate));
      ASSERT_TRUE((*writer)->write_audio(l.data(), r.data(), n, written));
      written += n;
    }
  }
  ASSERT_TRUE((*writer)->finish());
}

// A feed of one constant value that counts how often it was read.
class ConstantFeed final : public AudioFeed {
 public:
  ConstantFeed(float value, int* reads) : value_(value), reads_(reads) {}
  Status read(float* left, float* right, int count) override {
    ++*reads_;
    std::fill_n(left, count, value_);
    std::fill_n(right, count, -value_);
    return Ok{};
  }

 private:
  float value_;
  int* reads_;
};

TEST(Fit, LetterboxesAPortraitImageIntoLandscape) {
  EXPECT_EQ(fit_rect(720, 1280, 1280, 720), (Rect{437, 0, 405, 720}));
  EXPECT_EQ(fit_rect(1280, 720, 720, 1280), (Rect{0, 437, 720, 405}));
  EXPECT_TRUE(is_letterboxed(720, 1280, 1280, 720));
}

TEST(Fit, SameAspectOrARoundingDifferenceFillsTheFrame) {
  EXPECT_EQ(fit_rect(1920, 1080, 1280, 720), (Rect{0, 0, 1280, 720}));
  EXPECT_EQ(fit_rect(854, 480, 1280, 720), (Rect{0, 0, 1280, 720}));  // 719.4 rows: no bar
  EXPECT_FALSE(is_letterboxed(640, 360, 1920, 1080));
  EXPECT_TRUE(is_letterboxed(1000, 1000, 1280, 720));
}

TEST(Fit, ScaleFitKeepsTheWholeImageOnBlackBars) {
  auto fitted = scale_fit(RgbImage::filled(360, 640, 40, 200, 90), 1280, 720);
  ASSERT_TRUE(fitted);
  const auto bar = mean_color(*fitted, 0, 0, 430, 720);
  const auto inside = mean_color(*fitted, 445, 0, 390, 720);
  EXPECT_LT(bar[0] + bar[1] + bar[2], 1.0);
  EXPECT_NEAR(inside[1], 200, 2);
  EXPECT_NEAR(inside[0], 40, 2);
}

TEST(Fit, RotateIntoTurnsClockwise) {
  RgbImage src = RgbImage::filled(3, 2, 0, 0, 0);  // pixel (x, y) has red = 10 * (y * 3 + x)
  for (int i = 0; i < 6; ++i) src.rgb[static_cast<size_t>(i) * 3] = static_cast<uint8_t>(10 * i);
  auto red = [](const RgbImage& image, int x, int y) { return image.rgb[(static_cast<size_t>(y) * image.width + x) * 3]; };
  RgbImage turned = RgbImage::filled(2, 3, 0, 0, 0);
  rotate_into(src, 90, RgbView::of(turned));
  EXPECT_EQ(red(turned, 1, 0), 0);   // the top-left goes to the top-right
  EXPECT_EQ(red(turned, 0, 0), 30);  // the bottom-left goes to the top-left
  EXPECT_EQ(red(turned, 0, 2), 50);
  rotate_into(src, 270, RgbView::of(turned));
  EXPECT_EQ(red(turned, 0, 2), 0);   // the top-left goes to the bottom-left
  EXPECT_EQ(red(turned, 0, 0), 20);
  RgbImage flipped = RgbImage::filled(3, 2, 0, 0, 0);
  rotate_into(src, 180, RgbView::of(flipped));
  EXPECT_EQ(red(flipped, 0, 0), 50);
  EXPECT_EQ(red(flipped, 2, 1), 0);
}

TEST(AudioMix, SumsFeedsAtTheirGainsAndClips) {
  int reads_a = 0, reads_b = 0, reads_muted = 0;
  AudioMix mix;
  mix.add(std::make_unique<ConstantFeed>(0.25f, &reads_a), 2.0f);
  mix.add(std::make_unique<ConstantFeed>(0.1f, &reads_b), 0.5f);
  mix.add(std::make_unique<ConstantFeed>(0.9f, &reads_muted), 0.0f);
  EXPECT_EQ(mix.tracks(), 2u);
  std::vector<float> l(64), r(64);
  ASSERT_TRUE(mix.read(l.data(), r.data(), 64));
  EXPECT_FLOAT_EQ(l[10], 0.55f);
  EXPECT_FLOAT_EQ(r[10], -0.55f);
  EXPECT_EQ(reads_muted, 0);  // a muted track is never read

  AudioMix loud;
  loud.add(std::make_unique<ConstantFeed>(0.8f, &reads_a), 2.0f);
  ASSERT_TRUE(loud.read(l.data(), r.data(), 64));
  EXPECT_FLOAT_EQ(l[0], 1.0f);
  EXPECT_FLOAT_EQ(r[0], -1.0f);
}

TEST(AudioSource, ReadsTheInputsSoundThenSilence) {
  ScratchDir dir;
  write_input(dir.file("in.mp4"), 64, 64, 10, 10, 1000);  // 1 s
  auto source = AudioSource::open({dir.file("in.mp4"), {}}, kRate);
  ASSERT_TRUE(source) << source.error().message;
  std::vector<float> l(kRate / 2), r(kRate / 2);
  ASSERT_TRUE((*source)->read(l.data(), r.data(), kRate / 2));
  EXPECT_GT(tone_power(l, 1000), 1000 * tone_power(l, 440));
  EXPECT_GT(tone_power(l, 1000), 0.01);
  for (int block = 0; block < 3; ++block) ASSERT_TRUE((*source)->read(l.data(), r.data(), kRate / 2));
  EXPECT_EQ(*std::max_element(l.begin(), l.end()), 0.0f);  // past its end: silence
}

TEST(AudioSource, ReadsFromMemoryAndRefusesAVideoWithoutSound) {
  ScratchDir dir;
  write_input(dir.file("silent.mp4"), 64, 64, 10, 5, 0);
  const std::string bytes = read_bytes(dir.file("silent.mp4"));
  auto source = AudioSource::open({{}, bytes}, kRate);
  EXPECT_FALSE(source);
}

TEST(VideoSource, ShowsTheFrameOfEachOutputTimeAndHoldsTheLast) {
  ScratchDir dir;
  write_input(dir.file("in.mp4"), 64, 64, 10, 5, 0);  // red = 0, 50, 100, 150, 200 over 0.5 s
  auto source = VideoSource::open({dir.file("in.mp4"), {}});
  ASSERT_TRUE(source) << source.error().message;
  RgbImage out = RgbImage::filled(64, 64, 0, 0, 0);
  const std::vector<std::pair<double, double>> expected{{0.0, 0}, {0.04, 0}, {0.12, 50}, {0.25, 100},
                                                        {0.41, 200}, {1.5, 200}};
  for (const auto& [t, red] : expected) {
    ASSERT_TRUE((*source)->draw(t, RgbView::of(out)));
    EXPECT_NEAR(mean_color(out, 16, 16, 32, 32)[0], red, 10) << "at " << t << " s";
  }
}

TEST(VideoSource, LetterboxesFramesOfAnotherAspect) {
  ScratchDir dir;
  write_input(dir.file("tall.mp4"), 64, 128, 10, 2, 0);
  const std::string bytes = read_bytes(dir.file("tall.mp4"));
  auto source = VideoSource::open({{}, bytes});
  ASSERT_TRUE(source) << source.error().message;
  RgbImage out = RgbImage::filled(128, 64, 255, 255, 255);
  ASSERT_TRUE((*source)->draw(0, RgbView::of(out)));
  EXPECT_LT(mean_color(out, 0, 0, 40, 64)[2], 1);      // left bar
  EXPECT_NEAR(mean_color(out, 56, 8, 16, 48)[2], 160, 6);  // the frame itself
}

TEST(ImageMotion, StartsOnTheImageAndZoomsIn) {
  const RgbImage image = testing::pattern_image(96, 64, 200, 120, 40);
  const Motion start = avatar_motion(0, 7);
  EXPECT_DOUBLE_EQ(start.zoom, 1.0);
  RgbImage out = RgbImage::filled(96, 64, 0, 0, 0);
  draw_zoomed(RgbView::of(out), image, start);
  EXPECT_EQ(out.rgb, image.rgb);
  const Motion end = avatar_motion(1, 7);
  EXPECT_NEAR(end.zoom, 1.08, 1e-9);
  draw_zoomed(RgbView::of(out), image, end);
  EXPECT_NE(out.rgb, image.rgb);
  EXPECT_GT(testing::mean_abs_diff(out, image), 0.5);
}

PreviewVideoSpec compose_spec(const std::string& input, double original_gain) {
  PreviewVideoSpec spec = testing::small_video_spec(Container::Mp4, false, 1.0, 11);
  spec.video = MediaRef{input, {}};
  spec.audio.push_back({MediaRef{input, {}}, original_gain});
  return spec;
}

TEST(ComposeRender, InputVideoAndSoundGiveTheSameBytesEveryTime) {
  ScratchDir dir;
  write_input(dir.file("in.mp4"), 160, 160, 12, 6, 440);  // 0.5 s, square: letterboxed in 320x240
  ASSERT_TRUE(render_preview_video(compose_spec(dir.file("in.mp4"), 1), dir.file("a.mp4")));
  ASSERT_TRUE(render_preview_video(compose_spec(dir.file("in.mp4"), 1), dir.file("b.mp4")));
  EXPECT_EQ(read_bytes(dir.file("a.mp4")), read_bytes(dir.file("b.mp4")));
  auto info = probe(dir.file("a.mp4"));
  ASSERT_TRUE(info);
  EXPECT_TRUE(info->has_audio);
  EXPECT_NEAR(info->duration_s, 1.0, 1.0 / 24);  // the spec's length: the input's last frame holds
  ASSERT_TRUE(render_preview_video(compose_spec(dir.file("in.mp4"), 0.5), dir.file("c.mp4")));
  EXPECT_NE(read_bytes(dir.file("a.mp4")), read_bytes(dir.file("c.mp4")));  // the gain is heard
}

TEST(ComposeRender, StopsWhenOnFrameSaysSoAndRefusesBadGains) {
  ScratchDir dir;
  write_input(dir.file("in.mp4"), 160, 120, 12, 6, 440);
  PreviewVideoSpec spec = compose_spec(dir.file("in.mp4"), 1);
  spec.on_frame = [](double fraction) { return fraction < 0.2; };
  auto stopped = render_preview_video(spec, dir.file("stopped.mp4"));
  ASSERT_FALSE(stopped);
  EXPECT_EQ(stopped.error().code, "taskCancelled");
  EXPECT_FALSE(std::filesystem::exists(dir.file("stopped.mp4")));
  PreviewVideoSpec loud = compose_spec(dir.file("in.mp4"), 5);
  auto refused = render_preview_video(loud, dir.file("loud.mp4"));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, "invalidPreviewSpec");
}

}  // namespace
}  // namespace vidserve::media
