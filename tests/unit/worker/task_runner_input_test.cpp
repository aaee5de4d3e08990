// run_task and the inputs: a fetch error or an input the engine refuses names its parameter;
// inputs are checked for their role and the model's limits before any render.
#include "media/inspect.hpp"
#include "worker/input_check.hpp"
#include "task_runner_fixture.hpp"

namespace vidserve::worker::runner_test {
namespace {

// An input that cannot be fetched fails the task with the fetch's code and message, and its path
// (the parameter at fault) goes into every result not made, where front-ends read it back.
TEST_F(TaskRunnerTest, AnInputThatCannotBeFetchedNamesItsParameter) {
  with_frames(kUnreachable);
  const auto task = claimed_task(2);
  run_task(deps(), task, "w");
  const auto stored = tasks_.get("owner", "task-1");
  EXPECT_EQ(stored->status, store::TaskStatus::Error);
  EXPECT_EQ(stored->error_code, "fetchFailed");
  EXPECT_EQ(stored->error_message, "connection refused");  // no path inside the message
  EXPECT_EQ(error_parameters(),
            (std::vector<std::string>{"inputs.frameImages[1].image", "inputs.frameImages[1].image"}));
  EXPECT_EQ(engine_->renders, 0);
}

// An engine that cannot use an input (not a decodable image, not a video) names it the same way;
// the engine learns each input's path with its bytes.
TEST_F(TaskRunnerTest, AnInputTheEngineRefusesNamesItsParameter) {
  with_frames("https://img.example/b.png");
  std::vector<std::string> paths;
  engine_->during_render = [&paths](const engine::Job& job) {
    for (const auto& in : job.inputs) paths.push_back(in.path);
  };
  engine_->error = Error{"invalidInput", "the input is not a decodable image", "inputs.frameImages[1].image"};
  run_task(deps(), claimed_task(1), "w");
  EXPECT_EQ(paths, (std::vector<std::string>{"inputs.frameImages[0].image", "inputs.frameImages[1].image"}));
  EXPECT_EQ(status(), store::TaskStatus::Error);
  EXPECT_EQ(error_parameters(), std::vector<std::string>{"inputs.frameImages[1].image"});
}

// An input kept in a spool file is checked from the file: a video by opening the file, an
// image read back into memory. A PNG in a file passes as an image and is refused as a video.
TEST(CheckInput, SpooledInputsAreCheckedFromTheirFile) {
  const auto dir = test_support::fresh_media_dir();
  const auto path = (dir / ".spool-test").string();
  const auto bytes = png(64, 48);
  std::ofstream(path, std::ios::binary) << bytes;
  {
    fetch::Blob blob{{}, "image/png", std::make_shared<fetch::SpoolFile>(path, bytes.size())};
    EXPECT_TRUE(check_input("image", blob, nullptr));
    const auto as_video = check_input("video", blob, nullptr);
    ASSERT_FALSE(as_video);
    EXPECT_EQ(as_video.error().code, media::errc::kInvalidVideo);
    EXPECT_EQ(as_video.error().message.find(dir.string()), std::string::npos);  // no path for clients
  }
  EXPECT_FALSE(std::filesystem::exists(path));  // the last Blob removed its file
  // A spool file gone (or unreadable) is a storage error, not the client's invalid video.
  fetch::Blob gone{{}, "video/mp4", std::make_shared<fetch::SpoolFile>(path, bytes.size())};
  const auto missing = check_input("video", gone, nullptr);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, io_errc::kStorage);
  EXPECT_EQ(missing.error().message.find(dir.string()), std::string::npos);
  std::filesystem::remove_all(dir);
}

// Errors about no input in particular leave the results as they were.
TEST_F(TaskRunnerTest, AnErrorWithoutAParameterWritesNoResult) {
  engine_->error = Error{"providerError", "Kling said no"};
  run_task(deps(), claimed_task(1), "w");
  EXPECT_EQ(status(), store::TaskStatus::Error);
  EXPECT_TRUE(error_parameters().empty());
  EXPECT_EQ(tasks_.get("owner", "task-1")->results.front().status, "processing");
}


// Inputs are checked before any render: the kind their role needs, the model's limits from the
// catalog, a pixel cap read from the header alone.
class TaskRunnerInputTest : public TaskRunnerTest {
 protected:
  store::TaskRecord failed() {
    auto record = tasks_.get("owner", "task-1");
    EXPECT_TRUE(record);
    EXPECT_EQ(record->status, store::TaskStatus::Error);
    EXPECT_EQ(engine_->renders, 0);
    return *record;
  }
};

TEST_F(TaskRunnerInputTest, AnImageGivenAsTheVideoInputFails) {
  request_.inputs.video = InputRef{"https://example.com/a.mp4", "inputs.video"};
  run_task(deps(), claimed_task(1), "w");
  const auto task = failed();
  EXPECT_EQ(task.error_code, media::errc::kInvalidVideo);
  EXPECT_EQ(task.error_message.find("inputs.video"), std::string::npos) << task.error_message;
  EXPECT_EQ(error_parameters(), std::vector<std::string>{"inputs.video"});
}

class TaskRunnerImageTest : public TaskRunnerInputTest {
 protected:
  void SetUp() override { request_.inputs.image = InputRef{"https://example.com/a.png", "inputs.image"}; }
  store::TaskRecord run_with(std::string bytes) {
    fetched_ = std::move(bytes);
    run_task(deps(), claimed_task(1), "w");
    return *tasks_.get("owner", "task-1");
  }
};

TEST_F(TaskRunnerImageTest, ATruncatedImageFails) {
  run_with(fetched_.substr(0, fetched_.size() / 2));
  EXPECT_EQ(failed().error_code, media::errc::kInvalidImage);
}

TEST_F(TaskRunnerImageTest, AnSvgIsNotAnImageInput) {
  run_with("<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>");
  EXPECT_EQ(failed().error_code, media::errc::kInvalidImage);
}

TEST_F(TaskRunnerImageTest, AnImageBombIsRefusedByItsHeader) {
  std::string bomb = fetched_;
  const char side[4] = {0, 0, static_cast<char>(0xC3), 0x50};  // 50000 x 50000 declared
  bomb.replace(16, 4, side, 4);
  bomb.replace(20, 4, side, 4);
  run_with(bomb);
  const auto task = failed();
  EXPECT_EQ(task.error_code, media::errc::kInvalidImage);
  EXPECT_NE(task.error_message.find("50000x50000"), std::string::npos) << task.error_message;
}

class TaskRunnerLimitsTest : public TaskRunnerImageTest {
 protected:
  void SetUp() override {
    TaskRunnerImageTest::SetUp();
    model_.emplace();
    model_->input_limits["image"].min_side = 300;
    model_->input_limits["image"].min_aspect = 0.4;
    model_->input_limits["image"].max_aspect = 2.5;
  }
};

TEST_F(TaskRunnerLimitsTest, AnAspectRatioOutsideTheModelsRangeFails) {
  run_with(png(960, 320));  // 3:1
  EXPECT_NE(failed().error_message.find("width/height from 0.4 to 2.5"), std::string::npos);
}

TEST_F(TaskRunnerLimitsTest, ASideBelowTheModelsMinimumFails) {
  run_with(png(320, 298));
  EXPECT_NE(failed().error_message.find("at least 300 pixels"), std::string::npos);
}

TEST_F(TaskRunnerLimitsTest, AnImageWithinTheLimitsIsRendered) {
  EXPECT_EQ(run_with(png(400, 300)).status, store::TaskStatus::Success);
}

}  // namespace
}  // namespace vidserve::worker::runner_test
