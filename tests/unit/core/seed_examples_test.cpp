// Every request example of tests/data/seed_examples.json (each JSON task in Runware's documentation
// of its Kling models) gets the verdict it is marked with.
#include <gtest/gtest.h>

#include "test_support.hpp"

namespace vidserve {
namespace {

struct SeedExample {
  std::string id, model, expect;
  boost::json::value body;
};

void PrintTo(const SeedExample& c, std::ostream* os) { *os << c.id; }

std::vector<SeedExample> load_examples() {
  std::vector<SeedExample> out;
  const auto doc = test::read_json(VIDSERVE_TEST_DATA "/seed_examples.json");
  if (!doc.is_object()) return out;
  for (const auto& e : doc.at("examples").as_array()) {
    if (e.at("kind").as_string() != "request") continue;
    out.push_back({std::string(e.at("id").as_string()), std::string(e.at("model").as_string()),
                   std::string(e.at("expect").as_string()), e.at("body")});
  }
  return out;
}

class SeedExampleTest : public ::testing::TestWithParam<SeedExample> {};

TEST_P(SeedExampleTest, GetsItsVerdict) {
  const auto& ex = GetParam();
  const auto result = test::check(ex.body);
  ASSERT_FALSE(result.syntax_error);
  ASSERT_EQ(result.tasks.size(), 1u);
  std::string problems;
  for (const auto& p : result.tasks[0].validation.problems) problems += p.parameter() + ": " + p.message + "\n";
  EXPECT_EQ(result.valid() ? "valid" : "invalid", ex.expect) << ex.id << " " << ex.model << "\n" << problems;
}

INSTANTIATE_TEST_SUITE_P(Seeds, SeedExampleTest, ::testing::ValuesIn(load_examples()),
                         [](const auto& p) {
                           std::string name = p.param.id;
                           for (auto& c : name) if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           return name;
                         });

TEST(SeedExamples, CountsMatchTheSeedFile) {
  const auto examples = load_examples();
  const auto valid = std::count_if(examples.begin(), examples.end(), [](const auto& e) { return e.expect == "valid"; });
  EXPECT_EQ(examples.size(), 72u);
  EXPECT_EQ(valid, 70);
}

// The two invalid examples: kling-video@3-standard asked for 1080p sizes. The error names width and
// height, lists the supported sizes and points to the pro model.
TEST(SeedExamples, ThreeStandardAt1080pPointsToPro) {
  for (const auto& ex : load_examples()) {
    if (ex.expect != "invalid") continue;
    const auto result = test::check(ex.body);
    ASSERT_EQ(result.tasks[0].validation.problems.size(), 1u) << ex.id;
    const auto& p = result.tasks[0].validation.problems[0];
    EXPECT_EQ(p.parameter(), "width,height");
    EXPECT_EQ(p.code, "unsupportedDimensions");
    EXPECT_NE(p.message.find("1280x720, 960x960 or 720x1280"), std::string::npos) << p.message;
    EXPECT_NE(p.message.find("klingai:kling-video@3-pro"), std::string::npos) << p.message;
  }
}

}  // namespace
}  // namespace vidserve
