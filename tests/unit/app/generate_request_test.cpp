// `vidserve generate`'s request building: flags to Runware task fields, inputs placed as each
// model takes them, --param paths and JSON values, --shot, the output format from -o.
#include "app/generate_request.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace vidserve::app {
namespace {

namespace json = boost::json;

const catalog::Catalog& cat() {
  return catalog::Catalog::builtin();
}

json::object build(const GenerateOptions& o) {
  auto r = build_request(o, cat());
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return r.ok() ? r->task : json::object{};
}

constexpr const char* kUuidA = "c64351d5-4c59-42f7-95e1-eace013eddab";
constexpr const char* kUuidB = "b4c57832-2075-492b-bf89-9b5e3ac02503";

TEST(GenerateRequest, FlagsBecomeFields) {
  GenerateOptions o;
  o.model = "klingai:kling-video@3-standard";
  o.prompt = "waves";
  o.negative_prompt = "blur";
  o.seed = 42;
  o.results = 2;
  o.sound = true;
  o.shots = {"a calm sea:2", "a storm: rolls in:3.5"};
  auto t = build(o);
  EXPECT_EQ(t.at("taskType"), "videoInference");
  EXPECT_EQ(t.at("positivePrompt"), "waves");
  EXPECT_EQ(t.at("negativePrompt"), "blur");
  EXPECT_EQ(t.at("seed"), 42);
  EXPECT_EQ(t.at("numberResults"), 2);
  EXPECT_EQ(t.at("deliveryMethod"), "async");
  EXPECT_EQ(t.at("outputFormat"), "MP4");
  const auto& k = t.at("providerSettings").at("klingai");
  EXPECT_EQ(k.at("sound"), true);
  EXPECT_EQ(k.at("shotType"), "customize");
  EXPECT_EQ(
      json::serialize(k.at("multiPrompt")),
      R"([{"prompt":"a calm sea","duration":2E0},{"prompt":"a storm: rolls in","duration":3.5E0}])");
}

TEST(GenerateRequest, InputsFollowTheModelsWorkflows) {
  GenerateOptions lip;
  lip.model = "klingai:7@1";
  lip.video = kUuidA;
  lip.audio = kUuidB;
  auto t = build(lip);
  EXPECT_EQ(t.at("inputs"), (json::object{{"video", kUuidA}, {"audio", kUuidB}}));

  GenerateOptions avatar;
  avatar.model = "klingai:avatar@2.0-standard";
  avatar.images = {kUuidA};
  avatar.audio = "https://example.com/voice.mp3";
  t = build(avatar);
  EXPECT_EQ(t.at("inputs"),
            (json::object{{"image", kUuidA}, {"audio", "https://example.com/voice.mp3"}}));

  GenerateOptions frames;
  frames.model = "klingai:6@1";
  frames.images = {kUuidA};
  frames.image_last = kUuidB;
  t = build(frames);
  EXPECT_EQ(json::serialize(t.at("inputs")), std::string(R"({"frameImages":[{"image":")") + kUuidA +
                                                 R"(","frame":"first"},{"image":")" + kUuidB +
                                                 R"(","frame":"last"}]})");

  GenerateOptions image;
  image.model = "klingai:kling-image@o1";
  image.images = {kUuidA};
  image.output = "x.png";
  t = build(image);
  EXPECT_EQ(t.at("taskType"), "imageInference");
  EXPECT_EQ(t.at("inputs"), (json::object{{"referenceImages", json::array{kUuidA}}}));
  EXPECT_EQ(t.at("outputFormat"), "PNG");

  GenerateOptions motion;
  motion.model = "klingai:kling-video@2.6-standard";
  motion.video = kUuidA;
  t = build(motion);
  EXPECT_EQ(t.at("inputs"), (json::object{{"referenceVideos", json::array{kUuidA}}}));
}

TEST(GenerateRequest, AFileThatIsNotAnImageIsRefused) {
  const auto path = std::filesystem::temp_directory_path() / "generate_request_test.txt";
  std::ofstream(path) << "plain text";
  GenerateOptions o;
  o.model = "klingai:6@1";
  o.images = {path.string()};
  auto r = build_request(o, cat());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("is not a recognised image"), std::string::npos)
      << r.error().message;
  std::filesystem::remove(path);
}

TEST(GenerateRequest, ParamsSetDottedPathsWithJsonValues) {
  json::object t{{"providerSettings", json::object{{"klingai", json::object{{"sound", false}}}}}};
  ASSERT_TRUE(apply_param(t, "providerSettings.klingai.soundVolume=0.8").ok());
  ASSERT_TRUE(apply_param(t, "providerSettings.klingai.sound=true").ok());
  ASSERT_TRUE(apply_param(t, "positivePrompt=a cat = a dog").ok());
  ASSERT_TRUE(apply_param(t, "seed=\"12\"").ok());
  ASSERT_TRUE(apply_param(t, "inputs.referenceImages=[\"a\",\"b\"]").ok());
  EXPECT_EQ(t.at("providerSettings").at("klingai"),
            (json::object{{"sound", true}, {"soundVolume", 0.8}}));
  EXPECT_EQ(t.at("positivePrompt"), "a cat = a dog");
  EXPECT_EQ(t.at("seed"), "12");  // a JSON string stays a string
  EXPECT_EQ(t.at("inputs").at("referenceImages"), (json::array{"a", "b"}));
  EXPECT_FALSE(apply_param(t, "seed").ok());
  EXPECT_FALSE(apply_param(t, "=5").ok());
  EXPECT_FALSE(apply_param(t, "a..b=5").ok());
  EXPECT_FALSE(apply_param(t, "a.=5").ok());
}

TEST(GenerateRequest, ParamsApplyLastAndTheRequestFileIsTheBase) {
  const auto path = std::filesystem::temp_directory_path() / "generate_request_test.json";
  std::ofstream(path) << R"([{"model":"klingai:3@1","duration":10,"seed":7,"taskUUID":")" << kUuidA
                      << R"("}])";
  GenerateOptions o;
  o.request_file = path.string();
  o.duration = 5;
  o.params = {"duration=10", "width=1280"};
  auto t = build(o);
  EXPECT_EQ(t.at("model"), "klingai:3@1");
  EXPECT_EQ(t.at("taskUUID"), kUuidA);
  EXPECT_EQ(t.at("seed"), 7);
  EXPECT_EQ(t.at("duration"), 10);  // --param after --duration
  EXPECT_EQ(t.at("width"), 1280);
  std::ofstream(path) << R"({"model":)";
  EXPECT_FALSE(build_request(o, cat()).ok());
  std::filesystem::remove(path);
}

TEST(GenerateRequest, ShotsNeedPromptAndSeconds) {
  EXPECT_TRUE(parse_shot("x:1").ok());
  for (const char* bad : {"no seconds", ":3", "x:", "x:0", "x:-2", "x:3s"}) {
    EXPECT_FALSE(parse_shot(bad).ok()) << bad;
  }
}

TEST(GenerateRequest, TheOutputExtensionSetsTheFormat) {
  EXPECT_EQ(*output_format_for("a/b.WEBM", true), "WEBM");
  EXPECT_EQ(*output_format_for("b.mov", true), "MOV");
  EXPECT_EQ(*output_format_for("b.jpeg", false), "JPG");
  EXPECT_EQ(*output_format_for("b.webp", false), "WEBP");
  auto mismatch = output_format_for("img.mp4", false);
  ASSERT_FALSE(mismatch.ok());
  EXPECT_EQ(mismatch.error().message,
            "-o img.mp4: an image model writes .jpg, .jpeg, .png or .webp files");
  EXPECT_FALSE(output_format_for("clip.png", true).ok());
  EXPECT_EQ(*output_format_for("noext", true), "MP4");
  EXPECT_EQ(*output_format_for("dir.d/noext", false), "JPG");

  GenerateOptions o;
  o.model = "klingai:kling-image@o1";
  auto r = build_request(o, cat());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->output, "out.jpg");
  o.params = {"outputFormat=\"WEBP\""};
  EXPECT_EQ(build_request(o, cat())->output, "out.webp");
  o.output = "x.png";
  EXPECT_FALSE(build_request(o, cat()).ok());  // -o says PNG, the request WEBP
  o.params.clear();
  o.model.clear();
  EXPECT_FALSE(build_request(o, cat()).ok());  // no model
}

}  // namespace
}  // namespace vidserve::app
