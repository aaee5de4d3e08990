// Data-driven cases from tests/data/frontend_cases.json: a Kling-native or APIMart body goes
// through the same translation and validation the servers use; either the Runware task carries
// the expected fields or exactly the expected problems are reported, in the caller's names.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "api/apimart/apimart_request.hpp"
#include "api/kling/native_translation.hpp"

namespace vidserve {
namespace {

namespace json = boost::json;

struct Case {
  std::string name;
  json::object spec;
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

std::vector<Case> load_cases() {
  std::ifstream in(VIDSERVE_TEST_DATA "/frontend_cases.json");
  std::ostringstream text;
  text << in.rdbuf();
  boost::system::error_code ec;
  auto doc = json::parse(text.str(), ec);
  std::vector<Case> out;
  if (ec || !doc.is_object()) return out;
  for (const auto& c : doc.at("cases").as_array()) out.push_back({std::string(c.at("name").as_string()), c.as_object()});
  return out;
}

struct Outcome {
  json::object task;
  std::vector<core::Problem> problems;
};

Outcome run(const json::object& spec) {
  const auto& catalog = catalog::Catalog::builtin();
  const auto& body = spec.at("body").as_object();
  if (spec.at("api").as_string() == "apimart") {
    auto verdict = api::apimart::check_apimart(body, catalog);
    return {std::move(verdict.task), std::move(verdict.problems)};
  }
  auto verdict = api::kling::check_native(std::string(spec.at("product").as_string()), body, catalog);
  return {std::move(verdict.task), std::move(verdict.problems)};
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
}

INSTANTIATE_TEST_SUITE_P(File, FrontendCases, ::testing::ValuesIn(load_cases()),
                         [](const ::testing::TestParamInfo<Case>& param) { return "case" + std::to_string(param.index); });

TEST(NativeTranslation, NamesMapBackByLongestPrefix) {
  api::kling::Translation t;
  t.name("inputs.frameImages", "image");
  t.name("inputs.frameImages[1]", "image_tail");
  t.name("providerSettings.klingai.multiPrompt", "multi_prompt");
  EXPECT_EQ(t.native_name("inputs.frameImages[1].image"), "image_tail.image");
  EXPECT_EQ(t.native_name("inputs.frameImages[0]"), "image[0]");
  EXPECT_EQ(t.native_name("providerSettings.klingai.multiPrompt[2].prompt"), "multi_prompt[2].prompt");
  EXPECT_EQ(t.native_name("inputs.frameImagesX"), "inputs.frameImagesX");  // a prefix only at a boundary
  EXPECT_EQ(t.native_name("seed"), "seed");
}

}  // namespace
}  // namespace vidserve
