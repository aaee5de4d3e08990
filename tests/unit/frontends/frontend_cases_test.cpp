// Data-driven cases from tests/data/frontend_cases.json: a Kling-native or APIMart body goes
// through the same translation and validation the servers use; either the Runware task carries
// the expected fields or exactly the expected problems are reported, in the caller's names.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "api/apimart/apimart_request.hpp"
#include "api/wire/kling/native_translation.hpp"
#include "data_cases.hpp"

namespace vidserve {
namespace {

namespace json = boost::json;

using Case = test::DataCase;

std::vector<Case> load_cases() { return test::load_data_cases(VIDSERVE_TEST_DATA "/frontend_cases.json"); }

struct Outcome {
  json::object task;
  std::vector<core::Problem> problems;
  std::map<std::string, std::string> input_names;  // the stored spec's caller names
};

// Runware's names, which a Kling or APIMart caller never wrote and must never read.
constexpr const char* kRunwareOnly[] = {"inputs.",     "frameImages",      "referenceImages", "referenceVideos",
                                        "positivePrompt", "negativePrompt", "CFGScale",        "providerSettings",
                                        "klingai.",    "multiPrompt",      "shotType",        "taskUUID",
                                        "numberResults", "webhookURL"};

Outcome run(const json::object& spec) {
  const auto& catalog = catalog::Catalog::builtin();
  const auto& body = spec.at("body").as_object();
  if (spec.at("api").as_string() == "apimart") {
    auto verdict = api::apimart::check_apimart(body, catalog);
    return {std::move(verdict.task), std::move(verdict.problems),
            verdict.spec ? verdict.spec->caller_names : std::map<std::string, std::string>{}};
  }
  auto verdict = api::kling::check_native(std::string(spec.at("product").as_string()), body, catalog);
  return {std::move(verdict.task), std::move(verdict.problems),
          verdict.spec ? verdict.spec->caller_names : std::map<std::string, std::string>{}};
}

class FrontendCases : public ::testing::TestWithParam<Case> {};

TEST(FrontendCasesFile, HasCasesForBothApis) {
  const auto cases = load_cases();
  const auto apimart = std::count_if(cases.begin(), cases.end(), [](const Case& c) { return c.spec.at("api") == "apimart"; });
  EXPECT_GE(cases.size(), 25u);
  EXPECT_GE(apimart, 5);
}

TEST_P(FrontendCases, TranslatesOrNamesEveryProblem) {
  const auto& spec = GetParam().spec;
  const auto outcome = run(spec);
  std::vector<std::pair<std::string, std::string>> got;
  std::string listing;
  for (const auto& p : outcome.problems) {
    got.emplace_back(p.parameter(), p.code);
    listing += "\n  " + p.parameter() + " " + p.code + ": " + p.message;
  }
  for (const auto& p : outcome.problems) {
    for (const char* name : kRunwareOnly) {
      EXPECT_EQ(p.parameter().find(name), std::string::npos) << name << " in a parameter:" << listing;
      EXPECT_EQ(p.message.find(name), std::string::npos) << name << " in a message:" << listing;
    }
  }
  if (const auto* contains = spec.if_contains("messageContains")) {
    for (const auto& text : contains->as_array()) {
      EXPECT_NE(listing.find(text.as_string()), std::string::npos) << text << " not in" << listing;
    }
  }
  if (const auto* expected = spec.if_contains("problems")) {
    std::vector<std::pair<std::string, std::string>> want;
    for (const auto& pair : expected->as_array()) {
      want.emplace_back(pair.as_array()[0].as_string(), pair.as_array()[1].as_string());
    }
    std::sort(want.begin(), want.end());
    std::sort(got.begin(), got.end());
    EXPECT_EQ(got, want) << "problems:" << listing;
    return;
  }
  ASSERT_TRUE(outcome.problems.empty()) << "unexpected problems:" << listing;
  for (const auto& [key, value] : spec.at("taskFields").as_object()) {
    const auto* actual = outcome.task.if_contains(key);
    ASSERT_NE(actual, nullptr) << key << " missing from " << json::serialize(outcome.task);
    EXPECT_EQ(*actual, value) << key << " in " << json::serialize(outcome.task);
  }
  if (const auto* absent = spec.if_contains("absentFields")) {
    for (const auto& key : absent->as_array()) {
      EXPECT_FALSE(outcome.task.contains(key.as_string())) << key << " in " << json::serialize(outcome.task);
    }
  }
  EXPECT_EQ(outcome.task.at("taskType"), "videoInference");
  // The caller's name of each input, kept with the task to name a worker's error about it.
  if (const auto* names = spec.if_contains("inputNames")) {
    std::map<std::string, std::string> want;
    for (const auto& [path, name] : names->as_object()) want[std::string(path)] = std::string(name.as_string());
    EXPECT_EQ(outcome.input_names, want) << json::serialize(*names);
  }
}

INSTANTIATE_TEST_SUITE_P(File, FrontendCases, ::testing::ValuesIn(load_cases()),
                         [](const ::testing::TestParamInfo<Case>& param) { return "case" + std::to_string(param.index); });

TEST(NativeTranslation, NamesMapBackByLongestPrefix) {
  api::kling::Translation t;
  t.name("inputs.frameImages", "image");
  t.name("inputs.frameImages[1]", "image_tail");
  t.name_items("providerSettings.klingai.multiPrompt", "multi_prompt");
  // A whole origin: everything under the Runware path is the caller's one field.
  EXPECT_EQ(t.native_name("inputs.frameImages[1].image"), "image_tail");
  EXPECT_EQ(t.native_name("inputs.frameImages[1].frame"), "image_tail");
  EXPECT_EQ(t.native_name("inputs.frameImages[0]"), "image");
  // Items keep their index and inner names.
  EXPECT_EQ(t.native_name("providerSettings.klingai.multiPrompt[2].prompt"), "multi_prompt[2].prompt");
  // A prefix counts only at a path boundary; unrecorded Runware names fall back to a fixed table,
  // fields no Kling caller can send name nothing.
  EXPECT_EQ(t.native_name("positivePromptX"), "positivePromptX");
  EXPECT_EQ(t.native_name("positivePrompt"), "prompt");
  EXPECT_EQ(t.native_name("seed"), "");
}

TEST(NativeTranslation, MessagesSpeakTheCallersWords) {
  api::kling::Translation t;
  t.name("inputs.frameImages[0]", "image_list[3].image_url");
  t.name("inputs.frameImages", "image_list");
  EXPECT_EQ(t.names.native_text("inputs.frameImages[0].image is empty."), "image_list[3].image_url is empty.");
  EXPECT_EQ(t.names.native_text("at most 2 items in inputs.frameImages; use positivePrompt."),
            "at most 2 items in image_list; use prompt.");
  EXPECT_EQ(t.names.native_text("the multiPrompt shots"), "the multi_prompt shots");
  // Plain words stay: "model", "duration", "image" are English too.
  EXPECT_EQ(t.names.native_text("no model serves this duration, e.g. 5."), "no model serves this duration, e.g. 5.");
}

TEST(ApimartNames, KlingNamesBecomeApimartOnes) {
  EXPECT_EQ(api::apimart::apimart_name("image_tail"), "image_urls[1]");
  EXPECT_EQ(api::apimart::apimart_name("image"), "image_urls[0]");
  EXPECT_EQ(api::apimart::apimart_name("duration"), "duration");
  EXPECT_EQ(api::apimart::apimart_text("model_name 'x' is not served on /v1/videos/text2video; see image_tail."),
            "model 'x' is not served on text-to-video; see image_urls[1].");
}

}  // namespace
}  // namespace vidserve
