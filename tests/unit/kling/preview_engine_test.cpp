// PreviewEngine's progress reports: by frames encoded, between 0.1 and 1, and a cancellation
// seen through them stops the render without leaving a file. How it uses input media: lip-sync
// follows the input video's size, frame rate and length; a first frame of another aspect ratio is
// letterboxed and said so in the output's notes.
#include "engine/preview/preview_engine.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <filesystem>
#include <string>
#include <vector>

#include "media/image_codec.hpp"
#include "media/libav_log.hpp"
#include "media/preview_renderer.hpp"
#include "media/probe.hpp"
#include "test_jobs.hpp"

namespace vidserve::engine {
namespace {

namespace fs = std::filesystem;
using testing_support::make_job;

// Keeps codec statistics out of the test log.
const bool kQuiet = (media::quiet_libav_logs(), true);

// Records every fraction; cancelled once `cancel_after` reports were made (0 = never).
class RecordingProgress final : public Progress {
 public:
  std::vector<double> fractions;
  std::size_t cancel_after = 0;
  void update(double fraction) override { fractions.push_back(fraction); }
  bool cancelled() const override { return cancel_after != 0 && fractions.size() >= cancel_after; }
  Status save_provider_state(std::string) override { return Ok{}; }
};

Job preview_job(const std::string& name) {
  auto job = make_job(R"({"model":"klingai:3@1","positivePrompt":"a fox","width":1280,"height":720})");
  job.output_path = (fs::temp_directory_path() /
                     ("vidserve-preview-" + std::to_string(::getpid()) + "-" + name + ".mp4"))
                        .string();
  return job;
}

TEST(PreviewEngine, ReportsProgressByFramesEncoded) {
  const auto job = preview_job("progress");
  RecordingProgress progress;
  PreviewEngine engine;
  auto out = engine.render(job, progress);
  ASSERT_TRUE(out) << out.error().code << ": " << out.error().message;
  std::error_code ignored;
  fs::remove(job.output_path, ignored);
  // 0.1 before encoding, one report per frame (at least 1 s worth), 1.0 after.
  ASSERT_GE(progress.fractions.size(), 24u + 2);
  EXPECT_DOUBLE_EQ(progress.fractions.front(), 0.1);
  EXPECT_GT(progress.fractions[1], 0.1);
  EXPECT_DOUBLE_EQ(progress.fractions[progress.fractions.size() - 2], 0.95);
  EXPECT_DOUBLE_EQ(progress.fractions.back(), 1.0);
  EXPECT_TRUE(std::is_sorted(progress.fractions.begin(), progress.fractions.end()));
}

TEST(PreviewEngine, ACancellationSeenWhileEncodingStopsTheRender) {
  const auto job = preview_job("cancel");
  RecordingProgress progress;
  progress.cancel_after = 5;
  PreviewEngine engine;
  auto out = engine.render(job, progress);
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().code, "taskCancelled");
  EXPECT_EQ(progress.fractions.size(), 5u);
  EXPECT_FALSE(fs::exists(job.output_path));
}

std::string temp_path(const std::string& name) {
  return (fs::temp_directory_path() / ("vidserve-preview-" + std::to_string(::getpid()) + "-" + name)).string();
}

std::string file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// A small preview video (with its tone track) to feed back in as an input.
std::string input_video(int width, int height, int fps, double seconds) {
  media::PreviewVideoSpec spec;
  spec.width = width;
  spec.height = height;
  spec.fps = fps;
  spec.duration_s = seconds;
  spec.prompt = "input";
  spec.sound = true;
  const auto path = temp_path("input.mp4");
  EXPECT_TRUE(media::render_preview_video(spec, path));
  auto bytes = file_bytes(path);
  std::error_code ignored;
  fs::remove(path, ignored);
  return bytes;
}

TEST(PreviewEngine, LipSyncFollowsTheInputVideosSizeRateAndLength) {
  const std::string uri = "data:video/mp4;base64,AAAA";
  auto job = make_job(R"({"model":"klingai:7@1","inputs":{"video":")" + uri + R"(","audio":")" + uri + R"("}})",
                      {InputMedia{"video", {input_video(320, 240, 25, 1.2), "video/mp4"}},
                       InputMedia{"audio", {input_video(160, 120, 24, 2.0), "video/mp4"}}});
  job.output_path = temp_path("lip-sync.mp4");
  RecordingProgress progress;
  auto out = PreviewEngine().render(job, progress);
  ASSERT_TRUE(out) << out.error().code << ": " << out.error().message;
  auto info = media::probe(job.output_path);
  std::error_code ignored;
  fs::remove(job.output_path, ignored);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->width, 320);
  EXPECT_EQ(info->height, 240);
  EXPECT_DOUBLE_EQ(info->fps, 25);
  EXPECT_EQ(info->frame_count, 30);
  EXPECT_TRUE(info->has_audio);
  EXPECT_TRUE(out->notes.empty());
}

TEST(PreviewEngine, APortraitFirstFrameIsLetterboxedWithANote) {
  auto png = media::encode_image(media::RgbImage::filled(360, 640, 30, 200, 90), media::ImageFormat::Png, 95);
  ASSERT_TRUE(png);
  auto job = make_job(R"({"model":"klingai:kling@o1-standard","duration":5,"width":1280,"height":720,)"
                      R"("inputs":{"frameImages":[{"image":"data:image/png;base64,AAAA","frame":"first"}]}})",
                      {InputMedia{"frame:first", {*png, "image/png"}}});
  job.output_path = temp_path("letterbox.mp4");
  RecordingProgress progress;
  auto out = PreviewEngine().render(job, progress);
  std::error_code ignored;
  fs::remove(job.output_path, ignored);
  ASSERT_TRUE(out) << out.error().code << ": " << out.error().message;
  EXPECT_EQ(out->notes, std::vector<std::string>{"the first frame (360x640) was letterboxed into 1280x720"});
}

}  // namespace
}  // namespace vidserve::engine
