#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <vector>

#include "media/libav_log.hpp"
#include "media/pixel_convert.hpp"
#include "media/preview_renderer.hpp"
#include "media/probe.hpp"
#include "media_test_util.hpp"

namespace vidserve::media {
namespace {

// Keeps codec statistics out of the test log.
const bool kQuiet = (quiet_libav_logs(), true);

using testing::mean_abs_diff;
using testing::read_bytes;
using testing::sample_frames;
using testing::ScratchDir;

PreviewVideoSpec video_spec(int width, int height, int fps, double duration_s) {
  PreviewVideoSpec spec;
  spec.width = width;
  spec.height = height;
  spec.fps = fps;
  spec.duration_s = duration_s;
  spec.seed = 7;
  spec.prompt = "A corgi surfing a huge wave at sunset, 35mm film look, slow motion spray";
  spec.model_label = "klingai:3@1";
  return spec;
}

ProbeInfo render_and_probe(const PreviewVideoSpec& spec, const std::string& path) {
  auto status = render_preview_video(spec, path);
  EXPECT_TRUE(status) << status.error().message;
  auto info = probe(path);
  EXPECT_TRUE(info) << info.error().message;
  return info ? *info : ProbeInfo{};
}

void expect_exact_video(const ProbeInfo& info, const PreviewVideoSpec& spec,
                        const std::string& codec) {
  EXPECT_EQ(info.video_codec, codec);
  EXPECT_EQ(info.width, spec.width);
  EXPECT_EQ(info.height, spec.height);
  EXPECT_DOUBLE_EQ(info.fps, spec.fps);
  EXPECT_NEAR(info.duration_s, spec.duration_s, 1.0 / spec.fps);
  EXPECT_NEAR(info.container_duration_s, spec.duration_s, 1.0 / spec.fps);
  EXPECT_EQ(info.tags.at("encoder_engine"), "vidserve-preview");
  EXPECT_EQ(info.tags.at("comment"), "vidserve preview engine - not model output");
  EXPECT_EQ(info.tags.at("vidserve_model"), spec.model_label);
}

TEST(PreviewVideo, TextToVideo720pMp4HasExactParameters) {
  ScratchDir dir;
  const PreviewVideoSpec spec = video_spec(1280, 720, 30, 5.0);
  const auto start = std::chrono::steady_clock::now();
  const ProbeInfo info = render_and_probe(spec, dir.file("t2v.mp4"));
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("1280x720@30 5 s MP4 rendered in %.2f s\n", seconds);
  expect_exact_video(info, spec, "h264");
  EXPECT_EQ(info.frame_count, 150);
  EXPECT_FALSE(info.has_audio);
  EXPECT_NE(info.format_name.find("mp4"), std::string::npos);
  // faststart: the moov index precedes the media data.
  const std::string bytes = read_bytes(dir.file("t2v.mp4"));
  EXPECT_LT(bytes.find("moov"), bytes.find("mdat"));
}

TEST(PreviewVideo, PortraitTenSecondsAt24Fps) {
  ScratchDir dir;
  const PreviewVideoSpec spec = video_spec(720, 1280, 24, 10.0);
  const ProbeInfo info = render_and_probe(spec, dir.file("portrait.mp4"));
  expect_exact_video(info, spec, "h264");
  EXPECT_EQ(info.frame_count, 240);
}

TEST(PreviewVideo, WebmIsVp9WithOpusSound) {
  ScratchDir dir;
  PreviewVideoSpec spec = video_spec(640, 360, 25, 2.0);
  spec.container = Container::Webm;
  spec.sound = true;
  const ProbeInfo info = render_and_probe(spec, dir.file("clip.webm"));
  expect_exact_video(info, spec, "vp9");
  EXPECT_NE(info.format_name.find("webm"), std::string::npos);
  EXPECT_TRUE(info.has_audio);
  EXPECT_EQ(info.audio_codec, "opus");
  EXPECT_EQ(sample_frames(dir.file("clip.webm")).count, 50);
}

TEST(PreviewVideo, MovIsH264WithAacSound) {
  ScratchDir dir;
  PreviewVideoSpec spec = video_spec(640, 360, 30, 2.0);
  spec.container = Container::Mov;
  spec.sound = true;
  const ProbeInfo info = render_and_probe(spec, dir.file("clip.mov"));
  expect_exact_video(info, spec, "h264");
  EXPECT_NE(info.format_name.find("mov"), std::string::npos);
  EXPECT_EQ(info.audio_codec, "aac");
  EXPECT_EQ(info.audio_channels, 2);
}

TEST(PreviewVideo, SoundAddsAnAacTrackToMp4) {
  ScratchDir dir;
  PreviewVideoSpec spec = video_spec(320, 240, 24, 3.0);
  spec.sound = true;
  const ProbeInfo info = render_and_probe(spec, dir.file("sound.mp4"));
  expect_exact_video(info, spec, "h264");
  EXPECT_TRUE(info.has_audio);
  EXPECT_EQ(info.audio_codec, "aac");
  EXPECT_EQ(info.audio_sample_rate, 48000);
}

TEST(PreviewVideo, FrameCountIsDurationTimesFpsRounded) {
  ScratchDir dir;
  const PreviewVideoSpec spec = video_spec(160, 96, 24, 1.3);  // 31.2 -> 31 frames
  ASSERT_TRUE(render_preview_video(spec, dir.file("short.mp4")));
  EXPECT_EQ(sample_frames(dir.file("short.mp4")).count, 31);
}

TEST(PreviewVideo, FirstAndLastFramesInterpolate) {
  ScratchDir dir;
  PreviewVideoSpec spec = video_spec(320, 240, 24, 2.0);
  spec.prompt.clear();  // keep the caption small so the frames are mostly picture
  spec.first_frame = testing::pattern_image(400, 300, 230, 60, 40);  // scaled to cover
  spec.last_frame = testing::pattern_image(320, 240, 40, 80, 230);
  ASSERT_TRUE(render_preview_video(spec, dir.file("i2v.mp4")));
  const auto frames = sample_frames(dir.file("i2v.mp4"), {24});
  ASSERT_EQ(frames.count, 48);
  const RgbImage first = *scale_cover(*spec.first_frame, 320, 240);
  const RgbImage& last = *spec.last_frame;
  EXPECT_LT(mean_abs_diff(frames.first, first), 12.0);
  EXPECT_LT(mean_abs_diff(frames.last, last), 12.0);
  EXPECT_GT(mean_abs_diff(frames.first, last), 40.0);
  EXPECT_GT(mean_abs_diff(frames.last, first), 40.0);
  ASSERT_EQ(frames.kept.size(), 1u);  // mid-way the picture is neither
  EXPECT_GT(mean_abs_diff(frames.kept[0], first), 20.0);
  EXPECT_GT(mean_abs_diff(frames.kept[0], last), 20.0);
}

TEST(PreviewVideo, FirstFrameOnlyStartsOnTheImage) {
  ScratchDir dir;
  PreviewVideoSpec spec = video_spec(320, 240, 24, 1.0);
  spec.prompt.clear();
  spec.first_frame = testing::pattern_image(320, 240, 60, 200, 90);
  ASSERT_TRUE(render_preview_video(spec, dir.file("i2v.mp4")));
  const auto frames = sample_frames(dir.file("i2v.mp4"));
  EXPECT_LT(mean_abs_diff(frames.first, *spec.first_frame), 12.0);
  EXPECT_GT(mean_abs_diff(frames.last, *spec.first_frame),
            mean_abs_diff(frames.first, *spec.first_frame) + 10);
}

TEST(PreviewVideo, EachShotStartsWithAVisibleCut) {
  ScratchDir dir;
  PreviewVideoSpec spec = video_spec(320, 240, 10, 3.0);
  spec.shots = {{"shot one", 0, 1}, {"shot two", 1, 2}, {"shot three", 2, 3}};
  ASSERT_TRUE(render_preview_video(spec, dir.file("shots.mp4")));
  const auto frames = sample_frames(dir.file("shots.mp4"), {4, 5, 9, 10, 19, 20});
  ASSERT_EQ(frames.kept.size(), 6u);
  const double within = mean_abs_diff(frames.kept[0], frames.kept[1]);
  const double cut1 = mean_abs_diff(frames.kept[2], frames.kept[3]);
  const double cut2 = mean_abs_diff(frames.kept[4], frames.kept[5]);
  EXPECT_GT(cut1, 3 * within);
  EXPECT_GT(cut2, 3 * within);
}

TEST(PreviewVideo, SameSpecGivesIdenticalBytesAndSeedChangesThem) {
  ScratchDir dir;
  for (Container container : {Container::Mp4, Container::Webm}) {
    PreviewVideoSpec spec = video_spec(320, 240, 24, 1.0);
    spec.container = container;
    spec.sound = true;
    spec.first_frame = testing::pattern_image(100, 80, 200, 100, 50);
    ASSERT_TRUE(render_preview_video(spec, dir.file("a")));
    ASSERT_TRUE(render_preview_video(spec, dir.file("b")));
    spec.seed = 8;
    ASSERT_TRUE(render_preview_video(spec, dir.file("c")));
    const std::string a = read_bytes(dir.file("a"));
    EXPECT_GT(a.size(), 1000u);
    EXPECT_TRUE(a == read_bytes(dir.file("b"))) << "container " << static_cast<int>(container);
    EXPECT_FALSE(a == read_bytes(dir.file("c"))) << "container " << static_cast<int>(container);
  }
}

// on_frame hears of every encoded frame, in order, ending at 1; it never changes the bytes.
TEST(PreviewVideo, OnFrameReportsEveryFrameWithoutChangingTheBytes) {
  ScratchDir dir;
  PreviewVideoSpec spec = video_spec(160, 96, 10, 1.2);
  spec.sound = true;
  ASSERT_TRUE(render_preview_video(spec, dir.file("plain.mp4")));
  std::vector<double> fractions;
  spec.on_frame = [&](double fraction) {
    fractions.push_back(fraction);
    return true;
  };
  ASSERT_TRUE(render_preview_video(spec, dir.file("reported.mp4")));
  ASSERT_EQ(fractions.size(), 12u);
  EXPECT_DOUBLE_EQ(fractions.front(), 1.0 / 12);
  EXPECT_DOUBLE_EQ(fractions.back(), 1.0);
  EXPECT_TRUE(std::is_sorted(fractions.begin(), fractions.end()));
  EXPECT_TRUE(read_bytes(dir.file("plain.mp4")) == read_bytes(dir.file("reported.mp4")));
}

// on_frame returning false stops the render: "taskCancelled" and no file left behind.
TEST(PreviewVideo, OnFrameReturningFalseStopsAndRemovesThePartialFile) {
  ScratchDir dir;
  PreviewVideoSpec spec = video_spec(160, 96, 10, 2.0);
  int frames = 0;
  spec.on_frame = [&](double) { return ++frames < 5; };
  const std::string path = dir.file("stopped.mp4");
  auto status = render_preview_video(spec, path);
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code, "taskCancelled");
  EXPECT_EQ(frames, 5);
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST(PreviewVideo, DistinctSeedsLookDifferent) {
  ScratchDir dir;
  PreviewVideoSpec spec = video_spec(160, 96, 10, 0.5);
  ASSERT_TRUE(render_preview_video(spec, dir.file("s7.mp4")));
  spec.seed = 1234567;
  ASSERT_TRUE(render_preview_video(spec, dir.file("s8.mp4")));
  EXPECT_GT(mean_abs_diff(sample_frames(dir.file("s7.mp4")).first,
                          sample_frames(dir.file("s8.mp4")).first),
            10.0);
}

TEST(PreviewVideo, EveryFrameCarriesTheRedPreviewBadge) {
  ScratchDir dir;
  const PreviewVideoSpec spec = video_spec(640, 360, 10, 1.0);
  ASSERT_TRUE(render_preview_video(spec, dir.file("badge.mp4")));
  int frames = 0;
  auto status = for_each_video_frame(dir.file("badge.mp4"), [&](int, const RgbImage& frame) {
    EXPECT_GT(testing::red_fraction(frame, 0, 0, 120, 30), 0.3);
    ++frames;
    return true;
  });
  ASSERT_TRUE(status);
  EXPECT_EQ(frames, 10);
}

TEST(PreviewVideo, TagsAreVisibleToFfprobe) {
  ScratchDir dir;
  const PreviewVideoSpec spec = video_spec(160, 96, 10, 0.5);
  ASSERT_TRUE(render_preview_video(spec, dir.file("tags.mp4")));
  const std::string command =
      "ffprobe -v error -show_entries format_tags -of default=nw=1 " + dir.file("tags.mp4");
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
  ASSERT_TRUE(pipe);
  std::string out;
  char buf[256];
  while (fgets(buf, sizeof buf, pipe.get())) out += buf;
  EXPECT_NE(out.find("TAG:encoder_engine=vidserve-preview"), std::string::npos) << out;
  EXPECT_NE(out.find("TAG:comment=vidserve preview engine - not model output"), std::string::npos)
      << out;
}

TEST(PreviewVideo, RejectsImpossibleSpecsWithoutWritingAFile) {
  ScratchDir dir;
  const std::string path = dir.file("bad.mp4");
  PreviewVideoSpec odd = video_spec(321, 240, 24, 1.0);
  auto status = render_preview_video(odd, path);
  ASSERT_FALSE(status);
  EXPECT_NE(status.error().message.find("even"), std::string::npos);
  PreviewVideoSpec no_frames = video_spec(320, 240, 24, 0.01);
  EXPECT_FALSE(render_preview_video(no_frames, path));
  PreviewVideoSpec bad_quality = video_spec(320, 240, 24, 1.0);
  bad_quality.quality = 100;
  EXPECT_FALSE(render_preview_video(bad_quality, path));
  PreviewVideoSpec bad_shots = video_spec(320, 240, 24, 1.0);
  bad_shots.shots = {{"b", 0.5, 1}, {"a", 0, 0.5}};
  EXPECT_FALSE(render_preview_video(bad_shots, path));
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST(PreviewVideo, UnwritablePathIsAnError) {
  auto status =
      render_preview_video(video_spec(160, 96, 10, 0.5), "/nonexistent-dir/vidserve/out.mp4");
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code, "mediaError");
}

TEST(Probe, MissingFileIsAnError) {
  EXPECT_FALSE(probe("/nonexistent/vidserve.mp4"));
}

}  // namespace
}  // namespace vidserve::media
