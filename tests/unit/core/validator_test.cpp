// Behaviours of the validator that the data files do not show well: plans, defaults, hints.
#include <gtest/gtest.h>

#include "common/money.hpp"

#include "test_support.hpp"

namespace vidserve {
namespace {

api::runware::TaskVerdict verdict(const char* json) {
  auto result = test::check(boost::json::parse(json));
  EXPECT_FALSE(result.syntax_error);
  return result.tasks.at(0);
}

TEST(Validator, HugeNamesAndManyUnknownKeysGiveBoundedProblems) {
  boost::json::object task{{"taskType", "videoInference"},
                           {"taskUUID", "3bdba0d3-e60e-4a0a-b82e-1a092ca07810"},
                           {"model", std::string(9'000'000, 'x')},
                           {"positivePrompt", "a fox"}};
  task[std::string(1'000'000, 'k')] = 1;
  for (int i = 0; i < 5000; ++i) task["unknown" + std::to_string(i)] = i;
  const auto result = test::check(boost::json::array{task});
  const auto& problems = result.tasks.at(0).validation.problems;
  ASSERT_FALSE(problems.empty());
  EXPECT_LE(problems.size(), core::Problems::kMaxProblems + 1);
  EXPECT_EQ(problems.back().code, "tooManyProblems");
  for (const auto& p : problems) {
    EXPECT_LE(p.message.size(), core::Problems::kMaxMessageBytes + 32);
    EXPECT_LE(p.parameter().size(), core::Problems::kMaxPathBytes + 32);
  }
}

TEST(Validator, TextToVideoDefaultsSizeDurationAndFps) {
  const auto v = verdict(R"({"taskType":"videoInference","taskUUID":"3bdba0d3-e60e-4a0a-b82e-1a092ca07810",
      "model":"klingai:3@1","positivePrompt":"a fox in the snow"})");
  ASSERT_TRUE(v.validation.valid());
  const auto& plan = *v.validation.plan;
  EXPECT_EQ(plan.workflow->kind, "text-to-video");
  ASSERT_TRUE(plan.size);
  EXPECT_EQ(catalog::to_string(*plan.size), "1280x720");
  EXPECT_EQ(plan.duration_s, 5.0);
  EXPECT_EQ(plan.fps, 30);
}

TEST(Validator, ImageToVideoUsesTheWorkflowFrameRate) {
  const auto v = verdict(R"({"taskType":"videoInference","taskUUID":"3bdba0d3-e60e-4a0a-b82e-1a092ca07810",
      "model":"klingai:3@1","inputs":{"frameImages":["c64351d5-4c59-42f7-95e1-eace013eddab"]},"duration":10})");
  ASSERT_TRUE(v.validation.valid());
  EXPECT_EQ(v.validation.plan->workflow->kind, "image-to-video");
  EXPECT_EQ(v.validation.plan->fps, 24);
  EXPECT_EQ(v.validation.plan->duration_s, 10.0);
}

TEST(Validator, MultiPromptSetsTheDurationFromItsShots) {
  const auto v = verdict(R"({"taskType":"videoInference","taskUUID":"3bdba0d3-e60e-4a0a-b82e-1a092ca07810",
      "model":"klingai:kling-video@3-pro","width":1920,"height":1080,
      "providerSettings":{"klingai":{"multiPrompt":[{"prompt":"a","duration":"4"},{"prompt":"b","duration":3}]}}})");
  ASSERT_TRUE(v.validation.valid()) << v.validation.problems.at(0).message;
  EXPECT_EQ(v.validation.plan->duration_s, 7.0);
  ASSERT_EQ(v.validation.plan->shots.size(), 2u);
  EXPECT_EQ(v.validation.plan->shots[0].duration_s, 4.0);
}

TEST(Validator, UnknownTopLevelSettingPointsToProviderSettings) {
  const auto v = verdict(R"({"taskType":"videoInference","taskUUID":"3bdba0d3-e60e-4a0a-b82e-1a092ca07810",
      "model":"klingai:kling-video@3-pro","positivePrompt":"hello there","width":1920,"height":1080,"sound":true})");
  ASSERT_EQ(v.validation.problems.size(), 1u);
  EXPECT_EQ(v.validation.problems[0].parameter(), "sound");
  EXPECT_EQ(v.validation.problems[0].code, "unknownParameter");
  EXPECT_NE(v.validation.problems[0].message.find("providerSettings.klingai.sound"), std::string::npos);
}

TEST(Validator, TypoInParameterNameSuggestsTheKnownName) {
  const auto v = verdict(R"({"taskType":"videoInference","taskUUID":"3bdba0d3-e60e-4a0a-b82e-1a092ca07810",
      "model":"klingai:3@1","positivePrompt":"hello there","durration":5})");
  ASSERT_EQ(v.validation.problems.size(), 1u);
  EXPECT_NE(v.validation.problems[0].message.find("did you mean duration"), std::string::npos)
      << v.validation.problems[0].message;
}

TEST(Validator, WrongTypeIsReportedOnceNotTwice) {
  const auto v = verdict(R"({"taskType":"videoInference","taskUUID":"3bdba0d3-e60e-4a0a-b82e-1a092ca07810",
      "model":"klingai:3@1","positivePrompt":"hello there","width":"1280","height":720})");
  ASSERT_EQ(v.validation.problems.size(), 1u) << v.validation.problems[1].message;
  EXPECT_EQ(v.validation.problems[0].parameter(), "width");
  EXPECT_EQ(v.validation.problems[0].code, "invalidType");
}

TEST(Validator, PromptLengthCountsCharactersNotBytes) {
  // "éé" is 2 characters (4 bytes): at the minimum of 2 for klingai:3@1.
  const auto v = verdict(R"({"taskType":"videoInference","taskUUID":"3bdba0d3-e60e-4a0a-b82e-1a092ca07810",
      "model":"klingai:3@1","positivePrompt":"\u00e9\u00e9"})");
  EXPECT_TRUE(v.validation.valid());
}

// Decision 1 (docs/validation.md): reference media carry the request, so no prompt is needed,
// although Runware's Kling VIDEO 2.6 Standard page marks positivePrompt required.
TEST(Validator, MotionControlNeedsNoPrompt) {
  const auto v = verdict(R"({"taskType":"videoInference","taskUUID":"3bdba0d3-e60e-4a0a-b82e-1a092ca07810",
      "model":"klingai:kling-video@2.6-standard","inputs":{"referenceImages":["https://example.com/a.jpg"],
      "referenceVideos":["https://example.com/b.mp4"]}})");
  EXPECT_TRUE(v.validation.valid());
}

// Decision 12: video results can be delivered as base64Data and dataURI as well as URL.
TEST(Validator, VideoAcceptsEveryOutputType) {
  for (const char* type : {"URL", "base64Data", "dataURI"}) {
    const auto v = verdict((std::string(R"({"taskType":"videoInference","taskUUID":"3bdba0d3-e60e-4a0a-b82e-1a092ca07810",
        "model":"klingai:3@1","positivePrompt":"a cat","outputType":")") + type + "\"}").c_str());
    EXPECT_TRUE(v.validation.valid()) << type;
  }
}

TEST(Validator, ArrayOfTasksIsCheckedTaskByTask) {
  const auto result = api::runware::check_document(
      R"([{"taskType":"ping"},{"taskType":"videoInference","taskUUID":"3bdba0d3-e60e-4a0a-b82e-1a092ca07810",
         "model":"klingai:nope"}])",
      catalog::Catalog::builtin());
  ASSERT_EQ(result.tasks.size(), 2u);
  EXPECT_TRUE(result.tasks[0].validation.valid());
  EXPECT_FALSE(result.tasks[1].validation.valid());
  EXPECT_FALSE(result.valid());
}

TEST(Validator, MalformedJsonReportsLineAndColumn) {
  const auto result = api::runware::check_document("{\n  \"taskType\": \"ping\",\n  oops\n}",
                                                   catalog::Catalog::builtin());
  ASSERT_TRUE(result.syntax_error);
  EXPECT_EQ(result.syntax_error->line, 3u);
  EXPECT_EQ(result.syntax_error->column, 3u);
}

TEST(Validator, DeepNestingIsMalformedNotACrash) {
  const std::string deep = std::string(10000, '[') + std::string(10000, ']');
  const auto result = api::runware::check_document(deep, catalog::Catalog::builtin());
  ASSERT_TRUE(result.syntax_error);
  EXPECT_NE(result.syntax_error->message.find("nesting"), std::string::npos);
}

TEST(Validator, InvalidUtf8IsMalformed) {
  const auto result = api::runware::check_document("{\"taskType\":\"vid\xff\xfe\"}", catalog::Catalog::builtin());
  ASSERT_TRUE(result.syntax_error);
  EXPECT_EQ(result.syntax_error->column, 17u);
}

TEST(Catalog, HasTwentySixModelsTwentyThreeVideoThreeImage) {
  const auto& models = catalog::Catalog::builtin().models();
  EXPECT_EQ(models.size(), 26u);
  const auto video = std::count_if(models.begin(), models.end(),
                                   [](const auto& m) { return m.type == catalog::ModelType::Video; });
  EXPECT_EQ(video, 23);
}

TEST(Catalog, ExtendsReplacesOnlyTheKeysGiven) {
  const auto& c = catalog::Catalog::builtin();
  const auto* pro = c.find("klingai:kling-video@3-pro");
  ASSERT_NE(pro, nullptr);
  EXPECT_EQ(pro->name, "Kling VIDEO 3.0 Pro");
  EXPECT_EQ(catalog::to_string(pro->workflows.at(0).size.values.at(0)), "1920x1080");
  EXPECT_TRUE(pro->workflows.at(0).allows_setting("multiPrompt"));  // inherited from 3-standard
}

TEST(Catalog, RejectsUnknownKeysWithASuggestion) {
  const auto loaded = catalog::Catalog::from_documents({R"({"models":[{"air":"x:1@1","name":"X","type":"video",
      "workflows":[{"kind":"text-to-video"}],"durtions":{"values":[5]}}]})"});
  ASSERT_FALSE(loaded);
  EXPECT_NE(loaded.error().message.find("did you mean 'durations'"), std::string::npos) << loaded.error().message;
}

TEST(Catalog, AddingAModelIsADataChange) {
  const auto loaded = catalog::Catalog::from_documents({R"({"models":[{"air":"acme:1@1","name":"Acme","type":"video",
      "positivePrompt":{"min":1,"max":10},"fps":12,"sizes":["640x360"],"durations":{"values":[2],"default":2},
      "workflows":[{"kind":"text-to-video"}],"pricing":[{"perSecond":0.5}]}]})"});
  ASSERT_TRUE(loaded) << loaded.error().message;
  const auto result = api::runware::check_document(
      R"({"taskType":"videoInference","taskUUID":"3bdba0d3-e60e-4a0a-b82e-1a092ca07810","model":"acme:1@1",
          "positivePrompt":"hi","width":640,"height":360,"numberResults":2})",
      *loaded);
  ASSERT_TRUE(result.valid());
  EXPECT_EQ(result.tasks[0].validation.quote->cost_micros, 2 * money::kMicrosPerUsd);
}

}  // namespace
}  // namespace vidserve
