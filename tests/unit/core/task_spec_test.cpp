// The stored task spec: a request keeps every member through storing, every valid example of
// tests/data/seed_examples.json plans the same after it (and after the conversion of what earlier
// releases stored), and unreadable or newer rows fail clearly.
#include "core/task_spec.hpp"

#include <gtest/gtest.h>

#include "api/runware/legacy_request.hpp"
#include "test_support.hpp"

namespace vidserve {
namespace {

namespace json = boost::json;
using core::TaskSpec;

// A video request with every member set to something other than its default.
core::VideoRequest filled_video() {
  core::VideoRequest r;
  r.task_type = "videoInference";
  r.task_uuid = "5f0c8a2e-4b1d-4c3e-9a7f-000000000001";
  r.model = "klingai:kling-video@3-pro";
  auto& o = r.options;
  o.output_type = "dataURI";
  o.output_format = "WEBM";
  o.output_quality = 80;
  o.number_results = 2;
  o.ttl = 3600;
  o.delivery_method = "async";
  o.webhook_url = "https://hooks.example/x";
  o.upload_endpoint = "https://up.example/y";
  o.include_cost = true;
  o.check_nsfw = false;
  o.safety = core::Safety{true, "fast"};
  o.seed = 1234;
  r.positive_prompt = "a \"quoted\" prompt with \"webhook_url\":null in it";
  r.negative_prompt = "blur";
  r.width = 1920;
  r.height = 1080;
  r.inputs.frame_images_path = "frameImages";
  r.inputs.frame_images = {{{"https://img.example/a.png", "frameImages[0].image"}, "first", "frameImages[0].frame"}};
  r.inputs.reference_images = {{"data:image/png;base64,AAAA", "inputs.referenceImages[0]"}};
  r.inputs.reference_videos = {{{"https://v.example/v.mp4", "inputs.referenceVideos[0].video"}, "base"}};
  r.inputs.reference_voices = {{"https://a.example/v.mp3", "inputs.referenceVoices[0]"}};
  r.inputs.video = core::InputRef{"uuid-video", "inputs.video"};
  r.inputs.audio = core::InputRef{"uuid-audio", "inputs.audio"};
  r.inputs.image = core::InputRef{"uuid-image", "inputs.image"};
  auto& k = r.klingai;
  k.sound = true;
  k.keep_original_sound = false;
  k.fast = true;
  k.character_orientation = "video";
  k.shot_type = "customize";
  k.multi_prompt = std::vector<core::Shot>{{"one", 2.5}, {"two", std::nullopt}};
  k.sound_volume = 0.25;
  k.original_audio_volume = 0.75;
  r.unsupported_known = {"seedImage"};
  r.duration = 7.5;
  r.fps = 24;
  r.cfg_scale = 0.4;
  return r;
}

TEST(TaskSpec, KeepsEveryMemberOfAVideoAndAnImageRequest) {
  const TaskSpec video{filled_video(), {{"inputs.frameImages[1].image", "image_tail"}}};
  auto back = core::decode_task_spec(core::encode_task_spec(video));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_TRUE(back->request == video.request);
  EXPECT_EQ(back->caller_names, video.caller_names);
  EXPECT_EQ(back->caller_name("inputs.frameImages[1].image"), "image_tail");
  EXPECT_EQ(back->caller_name("inputs.audio"), "inputs.audio");

  core::ImageRequest image;
  static_cast<core::GenerationRequest&>(image) = filled_video();
  image.task_type = "imageInference";
  image.resolution = "2k";
  const TaskSpec stored{image, {}};
  back = core::decode_task_spec(core::encode_task_spec(stored));
  ASSERT_TRUE(back) << back.error().message;
  ASSERT_TRUE(std::holds_alternative<core::ImageRequest>(back->request));
  EXPECT_TRUE(back->request == stored.request);
}

// The digest that makes a resubmission the same request is stored with the spec; a spec stored
// before digests existed reads back without one.
TEST(TaskSpec, KeepsItsDigest) {
  TaskSpec spec{filled_video(), {}};
  spec.digest = "4f2a";
  auto back = core::decode_task_spec(core::encode_task_spec(spec));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->digest, "4f2a");
  spec.digest.clear();
  const auto encoded = core::encode_task_spec(spec);
  EXPECT_EQ(encoded.find("digest"), std::string::npos);
  back = core::decode_task_spec(encoded);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->digest, "");
}

TEST(TaskSpec, UnreadableOrNewerRowsFailClearly) {
  for (const std::string stored : {"", "not json", "[]", R"({"taskType":"videoInference"})",
                                   R"({"taskSpec":1,"kind":"film","request":{}})",
                                   R"({"taskSpec":1,"kind":"video","request":{"model":"x"}})"}) {
    auto spec = core::decode_task_spec(stored);
    ASSERT_FALSE(spec) << stored;
    EXPECT_EQ(spec.error().code, core::errc::kInvalidStoredTask) << stored;
  }
  auto newer = core::decode_task_spec(R"({"taskSpec":2,"kind":"video","request":{}})");
  ASSERT_FALSE(newer);
  EXPECT_NE(newer.error().message.find("version 2"), std::string::npos) << newer.error().message;
  // A request stored by an earlier release (Runware JSON) is not a spec: start-up converts it.
  EXPECT_EQ(core::decode_task_spec(R"({"taskType":"videoInference","taskUUID":"x"})").error().code,
            core::errc::kInvalidStoredTask);
}

// The cheap test the webhook notifier makes on a worker's thread never misses a webhook and
// recognises a spec without one, whatever the prompt says.
TEST(TaskSpec, MayNameWebhookOnlyWhenItDoes) {
  auto request = filled_video();
  EXPECT_TRUE(core::may_name_webhook(core::encode_task_spec(TaskSpec{request, {}})));
  request.options.webhook_url.reset();
  EXPECT_FALSE(core::may_name_webhook(core::encode_task_spec(TaskSpec{request, {}})));
  EXPECT_TRUE(core::may_name_webhook("not a spec"));
}

std::vector<std::pair<std::string, json::object>> valid_seed_tasks() {
  std::vector<std::pair<std::string, json::object>> out;
  const auto doc = test::read_json(VIDSERVE_TEST_DATA "/seed_examples.json");
  if (!doc.is_object()) return out;
  for (const auto& e : doc.at("examples").as_array()) {
    if (e.at("kind").as_string() != "request" || e.at("expect").as_string() != "valid") continue;
    const auto& body = e.at("body");
    const auto& task = body.is_array() ? body.as_array().at(0) : body;
    out.emplace_back(std::string(e.at("id").as_string()), task.as_object());
  }
  return out;
}

TEST(TaskSpec, EveryValidSeedExamplePlansTheSameAfterStoring) {
  const auto& catalog = catalog::Catalog::builtin();
  const auto examples = valid_seed_tasks();
  ASSERT_EQ(examples.size(), 70u);
  for (const auto& [id, task] : examples) {
    const auto verdict = api::runware::check_task(task, 0, catalog);
    ASSERT_TRUE(verdict.request) << id;
    const TaskSpec spec{*verdict.request, {{"inputs.frameImages[0].image", "image"}}};
    const auto stored = core::encode_task_spec(spec);
    auto decoded = core::decode_task(catalog, stored);
    ASSERT_TRUE(decoded) << id << ": " << decoded.error().message;
    EXPECT_TRUE(decoded->request == spec.request) << id;
    const auto& want = *verdict.validation.plan;
    const auto& got = decoded->plan;
    EXPECT_EQ(got.model, want.model) << id;
    EXPECT_EQ(got.workflow, want.workflow) << id;
    EXPECT_EQ(got.size, want.size) << id;
    EXPECT_EQ(got.duration_s, want.duration_s) << id;
    EXPECT_EQ(got.fps, want.fps) << id;
    EXPECT_EQ(got.number_results, want.number_results) << id;
    EXPECT_EQ(got.shots.size(), want.shots.size()) << id;
    EXPECT_EQ(got.sound, want.sound) << id;
    EXPECT_EQ(got.output_type, want.output_type) << id;
    EXPECT_EQ(got.output_format, want.output_format) << id;
    ASSERT_EQ(decoded->quote.has_value(), verdict.validation.quote.has_value()) << id;
    if (decoded->quote) {
      EXPECT_EQ(decoded->quote->cost_micros, verdict.validation.quote->cost_micros) << id;
    }

    // What an earlier release stored for it (the Runware task, the caller's names beside it)
    // converts to the same spec.
    json::object legacy = task;
    legacy["vidserveCallerNames"] = json::object{{"inputs.frameImages[0].image", "image"}};
    auto converted = api::runware::spec_from_legacy_request(json::serialize(legacy));
    ASSERT_TRUE(converted) << id << ": " << converted.error().message;
    EXPECT_EQ(core::encode_task_spec(*converted), stored) << id;
  }
}

TEST(TaskSpec, ATaskTheCatalogNoLongerAcceptsFailsWithTheReason) {
  auto request = filled_video();
  request.model = "klingai:no-such-model@1";
  auto decoded = core::decode_task(catalog::Catalog::builtin(), core::encode_task_spec(TaskSpec{request, {}}));
  ASSERT_FALSE(decoded);
  EXPECT_NE(decoded.error().message.find("no longer valid against the catalog"), std::string::npos)
      << decoded.error().message;
  EXPECT_FALSE(api::runware::spec_from_legacy_request(R"({"taskType":"ping"})"));
  EXPECT_FALSE(api::runware::spec_from_legacy_request("[1]"));
}

}  // namespace
}  // namespace vidserve
