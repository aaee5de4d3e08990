// The engine's notes on how it used the inputs (core::ResultPayload::notes) as the Kling native and
// APIMart task views show them: Kling's task_status_msg after the preview note, each note once;
// APIMart's result.videos[i].notes, only when that result has some.
#include <gtest/gtest.h>

#include "api/apimart/apimart_task_view.hpp"
#include "api/kling/native_task_view.hpp"
#include "api/tasks/intake.hpp"
#include "context_fixture.hpp"
#include "core/result_payload.hpp"

namespace vidserve::api {
namespace {

constexpr const char* kLetterboxed = "inputs.frameImages[0].image: 720x1280 letterboxed to 1280x720";
constexpr const char* kAudioLength = "inputs.audio: the video lasts as long as the audio (3.2 s)";

class ResultNotesTest : public tasks::ContextTest {
 protected:
  ResultNotesTest() { media_.set_public_base_url("http://127.0.0.1:1"); }

  // A succeeded task with one result per list of notes.
  static store::TaskRecord succeeded(const std::vector<std::vector<std::string>>& notes,
                                     const std::string& engine = "preview") {
    store::TaskRecord t;
    t.task_uuid = "0b1c2d3e-0000-4000-8000-000000000001";
    t.status = store::TaskStatus::Success;
    for (std::size_t i = 0; i < notes.size(); ++i) {
      core::ResultPayload p;
      p.content_type = "video/mp4";
      p.duration_s = 5;
      p.engine = engine;
      p.notes = notes[i];
      t.results.push_back({static_cast<int>(i), "media-" + std::to_string(i), "success", core::encode(p)});
    }
    return t;
  }
};

TEST_F(ResultNotesTest, KlingShowsTheNotesAfterThePreviewNoteEachOnce) {
  const auto view = kling::native_task(context_, succeeded({{kLetterboxed, kAudioLength}, {kLetterboxed}}));
  EXPECT_EQ(view.at("task_status").as_string(), "succeed");
  EXPECT_EQ(view.at("task_status_msg").as_string(),
            std::string(tasks::kPreviewNote) + "; " + kLetterboxed + "; " + kAudioLength);
  // Kling's video objects keep Kling's fields.
  for (const auto& v : view.at("task_result").at("videos").as_array()) EXPECT_EQ(v.as_object().size(), 3u);
}

TEST_F(ResultNotesTest, KlingWithoutNotesSaysOnlyItIsAPreview) {
  EXPECT_EQ(kling::native_task(context_, succeeded({{}})).at("task_status_msg").as_string(), tasks::kPreviewNote);
  EXPECT_EQ(kling::native_task(context_, succeeded({{}}, "kling")).at("task_status_msg").as_string(), "");
  EXPECT_EQ(kling::native_task(context_, succeeded({{kAudioLength}}, "kling")).at("task_status_msg").as_string(),
            kAudioLength);
}

TEST_F(ResultNotesTest, ApimartShowsEachResultsNotesOnItsVideo) {
  const auto view = apimart::task_view(context_, succeeded({{kLetterboxed, kAudioLength}, {}}));
  EXPECT_EQ(view.at("status").as_string(), "completed");
  const auto& result = view.at("result").as_object();
  EXPECT_EQ(result.at("note").as_string(), tasks::kPreviewNote);
  const auto& videos = result.at("videos").as_array();
  ASSERT_EQ(videos.size(), 2u);
  EXPECT_EQ(videos[0].at("notes"), (boost::json::array{kLetterboxed, kAudioLength}));
  EXPECT_FALSE(videos[1].as_object().contains("notes"));
  EXPECT_EQ(videos[0].at("duration").as_int64(), 5);
}

TEST_F(ResultNotesTest, AFailedTaskShowsNoNotes) {
  auto record = succeeded({{kLetterboxed}});
  record.status = store::TaskStatus::Error;
  record.error_code = "invalidAudio";
  record.error_message = "the file has no audio stream";
  const auto kling_view = kling::native_task(context_, record);
  EXPECT_EQ(kling_view.at("task_status_msg").as_string(), "invalidAudio: the file has no audio stream");
  EXPECT_FALSE(apimart::task_view(context_, record).contains("result"));
}

}  // namespace
}  // namespace vidserve::api
