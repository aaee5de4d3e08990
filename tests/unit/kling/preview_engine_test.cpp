// PreviewEngine's progress reports: by frames encoded, between 0.1 and 1, and a cancellation
// seen through them stops the render without leaving a file.
#include "engine/preview/preview_engine.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "media/libav_log.hpp"
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

}  // namespace
}  // namespace vidserve::engine
