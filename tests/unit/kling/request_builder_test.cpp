// Job -> native Kling request, for each endpoint family of Kling's legacy /v1 API. Jobs are made
// the way the server makes them: Runware JSON -> parse_task -> validate against the built-in
// catalog -> plan; inputs carry the fetched bytes with their roles.
#include "engine/kling/request_builder.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "fetch/base64.hpp"
#include "media/image_codec.hpp"
#include "test_jobs.hpp"

namespace vidserve::engine::kling {
namespace {

namespace json = boost::json;
using testing_support::kUuid;
using testing_support::make_job;

struct Built {
  NativeRequest native;
  json::object body;
};

Built build(const Job& job) {
  auto native = build_request(job);
  EXPECT_TRUE(native) << (native ? "" : native.error().message);
  if (!native) return {};
  return {*native, json::parse(native->body).as_object()};
}

// A JSON value as text: strings bare, anything else serialised ("true", "1").
std::string s(const json::value& v) {
  return v.is_string() ? std::string(v.get_string()) : json::serialize(v);
}

std::string b64(const std::string& bytes) {
  return fetch::encode_base64(bytes);
}

InputMedia png(const std::string& role, const std::string& bytes) {
  return {role, {bytes, "image/png"}};
}

TEST(KlingRequest, TextToVideoCarriesModelModeStringDurationAndAspectRatio) {
  const auto job = make_job(
      R"({"model":"klingai:3@1","positivePrompt":"an origami fox","negativePrompt":"blurry",
      "width":1280,"height":720,"duration":10,"CFGScale":0.7})",
      {}, 2);
  const auto b = build(job);
  EXPECT_EQ(b.native.endpoint, "text2video");
  EXPECT_EQ(b.native.create_path(), "/v1/videos/text2video");
  EXPECT_EQ(b.native.query_path("123"), "/v1/videos/text2video/123");
  EXPECT_FALSE(b.native.image);
  EXPECT_EQ(s(b.body.at("model_name")), "kling-v1-6");
  EXPECT_EQ(s(b.body.at("mode")), "std");
  EXPECT_EQ(s(b.body.at("prompt")), "an origami fox");
  EXPECT_EQ(s(b.body.at("negative_prompt")), "blurry");
  EXPECT_EQ(s(b.body.at("duration")), "10");  // a string, as Kling wants
  EXPECT_EQ(s(b.body.at("aspect_ratio")), "16:9");
  EXPECT_DOUBLE_EQ(b.body.at("cfg_scale").as_double(), 0.7);
  EXPECT_EQ(s(b.body.at("external_task_id")), kUuid + "-2");
  EXPECT_FALSE(b.body.contains("sound"));  // 1.6 has no sound setting
  EXPECT_FALSE(b.body.contains("multi_shot"));
}

TEST(KlingRequest, MasterModelsSendNoMode) {
  const auto b = build(make_job(
      R"({"model":"klingai:4@3","positivePrompt":"a slow pan","width":720,"height":1280})"));
  EXPECT_EQ(s(b.body.at("model_name")), "kling-v2-master");
  EXPECT_FALSE(b.body.contains("mode"));
  EXPECT_EQ(s(b.body.at("aspect_ratio")), "9:16");
  EXPECT_EQ(s(b.body.at("duration")), "5");  // the catalog default
}

TEST(KlingRequest, MultiShotWithSound) {
  const auto b =
      build(make_job(R"({"model":"klingai:kling-video@3-standard","width":720,"height":1280,
      "providerSettings":{"klingai":{"sound":true,"multiPrompt":[{"prompt":"door","duration":"2"},
      {"prompt":"room","duration":"3"}]}}})"));
  EXPECT_EQ(b.native.endpoint, "text2video");
  EXPECT_EQ(s(b.body.at("model_name")), "kling-v3");
  EXPECT_EQ(s(b.body.at("sound")), "on");
  EXPECT_EQ(s(b.body.at("multi_shot")), "true");
  EXPECT_EQ(s(b.body.at("shot_type")), "customize");
  EXPECT_EQ(s(b.body.at("duration")), "5");
  EXPECT_EQ(s(b.body.at("aspect_ratio")), "9:16");
  const auto& shots = b.body.at("multi_prompt").as_array();
  ASSERT_EQ(shots.size(), 2u);
  EXPECT_EQ(s(shots[0].at("index")), "1");
  EXPECT_EQ(s(shots[0].at("prompt")), "door");
  EXPECT_EQ(s(shots[0].at("duration")), "2");
  EXPECT_EQ(s(shots[1].at("duration")), "3");
}

TEST(KlingRequest, ImageToVideoSendsRawBase64FirstAndLastFrames) {
  const auto job =
      make_job(R"({"model":"klingai:kling-video@3-pro","positivePrompt":"morph","duration":5,
      "inputs":{"frameImages":[{"image":"https://example.com/a.png","frame":"first"},
      {"image":"https://example.com/b.png","frame":"last"}]},"providerSettings":{"klingai":{"sound":false}}})",
               {png("frame:first", "FIRST"), png("frame:last", "LAST")});
  const auto b = build(job);
  EXPECT_EQ(b.native.endpoint, "image2video");
  EXPECT_EQ(s(b.body.at("model_name")), "kling-v3");
  EXPECT_EQ(s(b.body.at("mode")), "pro");
  EXPECT_EQ(s(b.body.at("image")), b64("FIRST"));  // no data: prefix
  EXPECT_EQ(s(b.body.at("image_tail")), b64("LAST"));
  EXPECT_EQ(s(b.body.at("sound")), "off");
  EXPECT_FALSE(b.body.contains("aspect_ratio"));  // the image sets it
}

TEST(KlingRequest, ImagesKlingCannotTakeAreSentAsPng) {
  const auto webp = media::encode_image(media::RgbImage::filled(32, 16, 10, 200, 30),
                                        media::ImageFormat::Webp, 90);
  ASSERT_TRUE(webp);
  const auto b =
      build(make_job(R"({"model":"klingai:3@1","positivePrompt":"go","inputs":{"frameImages":[
      {"image":"https://example.com/a.webp"}]}})",
                     {{"frame:first", *webp, "image/webp"}}));
  const auto decoded = fetch::decode_base64(std::string(b.body.at("image").as_string()));
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->substr(0, 8), "\x89PNG\r\n\x1a\n");
}

TEST(KlingRequest, ReferenceImageStartsTheVideoWhenTheModelTakesNoFrames) {
  const auto b =
      build(make_job(R"({"model":"klingai:kling-video@2.6-standard","positivePrompt":"walk",
      "inputs":{"referenceImages":["https://example.com/r.png"]}})",
                     {png("referenceImage", "REF")}));
  EXPECT_EQ(b.native.endpoint, "image2video");
  EXPECT_EQ(s(b.body.at("image")), b64("REF"));
  EXPECT_FALSE(b.body.contains("image_tail"));
}

TEST(KlingRequest, OmniVideoFramesBecomeTypedImageList) {
  const auto b =
      build(make_job(R"({"model":"klingai:kling@o1-standard","positivePrompt":"turn around",
      "inputs":{"frameImages":[{"image":"https://example.com/a.png","frame":"first"},
      {"image":"https://example.com/b.png","frame":"last"}]}})",
                     {png("frame:first", "A"), png("frame:last", "B")}));
  EXPECT_EQ(b.native.endpoint, "omni-video");
  EXPECT_EQ(s(b.body.at("model_name")), "kling-video-o1");
  EXPECT_EQ(s(b.body.at("mode")), "std");
  const auto& list = b.body.at("image_list").as_array();
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(s(list[0].at("image_url")), b64("A"));
  EXPECT_EQ(s(list[0].at("type")), "first_frame");
  EXPECT_EQ(s(list[1].at("type")), "end_frame");
  EXPECT_FALSE(b.body.contains("aspect_ratio"));  // the first frame sets it
  EXPECT_FALSE(b.body.contains("video_list"));
}

TEST(KlingRequest, OmniVideoReferencesAndShots) {
  const auto b = build(
      make_job(R"({"model":"klingai:kling-video@o3-pro","positivePrompt":"<<<image_1>>> dances",
      "width":1920,"height":1080,"duration":6,
      "inputs":{"referenceImages":["https://example.com/r.png"],
                "referenceVideos":[{"video":"https://example.com/move.mp4","referType":"feature"}]},
      "providerSettings":{"klingai":{"keepOriginalSound":false}}})",
               {png("referenceImage", "R"), {"referenceVideo", "MP4BYTES", "video/mp4"}}));
  EXPECT_EQ(s(b.body.at("model_name")), "kling-v3-omni");
  EXPECT_EQ(s(b.body.at("image_list").as_array()[0].at("image_url")), b64("R"));
  EXPECT_FALSE(b.body.at("image_list").as_array()[0].as_object().contains("type"));
  const auto& video = b.body.at("video_list").as_array()[0];
  EXPECT_EQ(s(video.at("video_url")),
            "https://example.com/move.mp4");  // the client's URL, passed on
  EXPECT_EQ(s(video.at("refer_type")), "feature");
  EXPECT_EQ(s(video.at("keep_original_sound")), "no");
  EXPECT_EQ(s(b.body.at("duration")), "6");
  EXPECT_EQ(s(b.body.at("aspect_ratio")), "16:9");
  EXPECT_FALSE(b.body.contains("sound"));  // must be absent with a video

  const auto shots =
      build(make_job(R"({"model":"klingai:kling-video@o3-standard","width":1280,"height":720,
      "providerSettings":{"klingai":{"sound":true,"multiPrompt":[{"prompt":"a","duration":"4"},
      {"prompt":"b","duration":"4"}]}}})"));
  EXPECT_EQ(s(shots.body.at("multi_shot")), "true");
  EXPECT_EQ(shots.body.at("multi_prompt").as_array().size(), 2u);
  EXPECT_EQ(s(shots.body.at("duration")), "8");
  EXPECT_EQ(s(shots.body.at("sound")), "on");
}

TEST(KlingRequest, OmniVideoEditUsesBaseVideoWithoutDuration) {
  const auto b = build(make_job(R"({"model":"klingai:kling@o1","positivePrompt":"make it night",
      "inputs":{"video":"data:video/mp4;base64,AAAA"},"providerSettings":{"klingai":{"keepOriginalSound":true}}})",
                                {{"video", "VIDEO", "video/mp4"}}));
  const auto& video = b.body.at("video_list").as_array()[0];
  EXPECT_EQ(s(video.at("video_url")), b64("VIDEO"));  // no URL given: raw base64
  EXPECT_EQ(s(video.at("refer_type")), "base");
  EXPECT_EQ(s(video.at("keep_original_sound")), "yes");
  EXPECT_FALSE(b.body.contains("duration"));
  EXPECT_FALSE(b.body.contains("aspect_ratio"));
}

TEST(KlingRequest, MotionControl) {
  const auto b =
      build(make_job(R"({"model":"klingai:kling-video@2.6-pro","positivePrompt":"dance",
      "inputs":{"referenceImages":["https://example.com/c.png"],"referenceVideos":["https://example.com/m.mp4"]},
      "providerSettings":{"klingai":{"characterOrientation":"image","keepOriginalSound":false}}})",
                     {png("referenceImage", "C"), {"referenceVideo", "M", "video/mp4"}}));
  EXPECT_EQ(b.native.endpoint, "motion-control");
  EXPECT_EQ(s(b.body.at("model_name")), "kling-v2-6");
  EXPECT_EQ(s(b.body.at("mode")), "pro");
  EXPECT_EQ(s(b.body.at("image_url")), b64("C"));
  EXPECT_EQ(s(b.body.at("video_url")), "https://example.com/m.mp4");
  EXPECT_EQ(s(b.body.at("character_orientation")), "image");
  EXPECT_EQ(s(b.body.at("keep_original_sound")), "no");
}

TEST(KlingRequest, LipSyncWrapsEverythingInInput) {
  const auto b =
      build(make_job(R"({"model":"klingai:7@1","inputs":{"video":"https://example.com/talk.mp4",
      "audio":"data:audio/mpeg;base64,AAAA"}})",
                     {{"video", "V", "video/mp4"}, {"audio", "MP3", "audio/mpeg"}}));
  EXPECT_EQ(b.native.endpoint, "lip-sync");
  EXPECT_EQ(b.native.create_path(), "/v1/videos/lip-sync");
  EXPECT_FALSE(b.body.contains("model_name"));
  const auto& input = b.body.at("input").as_object();
  EXPECT_EQ(s(input.at("video_url")), "https://example.com/talk.mp4");
  EXPECT_EQ(s(input.at("mode")), "audio2video");
  EXPECT_EQ(s(input.at("audio_type")), "file");
  EXPECT_EQ(s(input.at("audio_file")), b64("MP3"));
  EXPECT_EQ(s(b.body.at("external_task_id")), kUuid + "-0");
}

TEST(KlingRequest, AvatarSendsImageAndSoundFile) {
  const auto b =
      build(make_job(R"({"model":"klingai:avatar@2.0-pro","positivePrompt":"speaks calmly",
      "inputs":{"image":"https://example.com/face.png","audio":"https://example.com/voice.mp3"}})",
                     {png("image", "FACE"), {"audio", "VOICE", "audio/mpeg"}}));
  EXPECT_EQ(b.native.endpoint, "avatar/image2video");
  EXPECT_EQ(b.native.create_path(), "/v1/videos/avatar/image2video");
  EXPECT_EQ(b.native.query_path("9"), "/v1/videos/avatar/image2video/9");
  EXPECT_FALSE(b.body.contains("model_name"));
  EXPECT_EQ(s(b.body.at("mode")), "pro");
  EXPECT_EQ(s(b.body.at("image")), b64("FACE"));
  EXPECT_EQ(s(b.body.at("sound_file")), b64("VOICE"));
  EXPECT_EQ(s(b.body.at("prompt")), "speaks calmly");
}

TEST(KlingRequest, ImageGeneration) {
  const auto b = build(make_job(R"({"taskType":"imageInference","model":"klingai:kling-image@3",
      "positivePrompt":"a red kite","width":1248,"height":832})"));
  EXPECT_TRUE(b.native.image);
  EXPECT_EQ(b.native.create_path(), "/v1/images/generations");
  EXPECT_EQ(s(b.body.at("model_name")), "kling-v3");
  EXPECT_EQ(s(b.body.at("prompt")), "a red kite");
  EXPECT_EQ(s(b.body.at("aspect_ratio")), "3:2");
  EXPECT_EQ(s(b.body.at("resolution")), "1k");
  EXPECT_EQ(s(b.body.at("n")), "1");
}

TEST(KlingRequest, OmniImageWithReferences) {
  const auto b = build(make_job(R"({"taskType":"imageInference","model":"klingai:kling-image@o3",
      "positivePrompt":"<<<image_1>>> as a watercolour",
      "inputs":{"referenceImages":["https://example.com/1.png","https://example.com/2.png"]}})",
                                {png("referenceImage", "ONE"), png("referenceImage", "TWO")}));
  EXPECT_EQ(b.native.create_path(), "/v1/images/omni-image");
  EXPECT_EQ(s(b.body.at("model_name")), "kling-v3-omni");
  const auto& list = b.body.at("image_list").as_array();
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(s(list[1].at("image")), b64("TWO"));
  EXPECT_EQ(s(b.body.at("resolution")), "1k");
  EXPECT_EQ(s(b.body.at("aspect_ratio")), "auto");  // no size asked: Kling follows the references

  const auto sized =
      build(make_job(R"({"taskType":"imageInference","model":"klingai:kling-image@o3",
      "positivePrompt":"a poster","width":4096,"height":4096})"));
  EXPECT_EQ(s(sized.body.at("resolution")), "4k");
  EXPECT_EQ(s(sized.body.at("aspect_ratio")), "1:1");
  EXPECT_FALSE(sized.body.contains("image_list"));
}

TEST(KlingRequest, ReferenceVoicesAreRefusedClearly) {
  const auto job =
      make_job(R"({"model":"klingai:kling-video@2.6-pro","positivePrompt":"<<<voice_1>>> says hi",
      "width":1920,"height":1080,"providerSettings":{"klingai":{"sound":true}},
      "inputs":{"referenceVoices":["https://example.com/v.mp3"]}})",
               {{"referenceVoice", "MP3", "audio/mpeg"}});
  auto native = build_request(job);
  ASSERT_FALSE(native);
  EXPECT_EQ(native.error().code, "unsupportedByEngine");
  EXPECT_NE(native.error().message.find("referenceVoices"), std::string::npos);
}

TEST(KlingRequest, AspectRatiosAndResolutions) {
  EXPECT_EQ(video_aspect_ratio({1920, 1080}), "16:9");
  EXPECT_EQ(video_aspect_ratio({1080, 1920}), "9:16");
  EXPECT_EQ(video_aspect_ratio({960, 960}), "1:1");
  EXPECT_EQ(video_aspect_ratio({1440, 1440}), "1:1");
  EXPECT_EQ(image_aspect_ratio({1024, 1024}), "1:1");
  EXPECT_EQ(image_aspect_ratio({1168, 880}), "4:3");
  EXPECT_EQ(image_aspect_ratio({880, 1168}), "3:4");
  EXPECT_EQ(image_aspect_ratio({832, 1248}), "2:3");
  EXPECT_EQ(image_aspect_ratio({1360, 768}), "16:9");
  EXPECT_EQ(image_aspect_ratio({1552, 656}), "21:9");
  EXPECT_EQ(image_resolution({1024, 1024}), "1k");
  EXPECT_EQ(image_resolution({1552, 656}), "1k");
  EXPECT_EQ(image_resolution({2720, 1536}), "2k");
  EXPECT_EQ(image_resolution({3104, 1312}), "2k");
  EXPECT_EQ(image_resolution({4096, 4096}), "4k");
  EXPECT_EQ(image_resolution({6272, 2688}), "4k");
}

}  // namespace
}  // namespace vidserve::engine::kling
