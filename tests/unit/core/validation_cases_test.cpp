// Negative cases from tests/data/validation_cases.json: each case lists every problem the validator
// must report, as (parameter, code), and optionally text the message must contain.
#include <gtest/gtest.h>

#include <algorithm>

#include "test_support.hpp"

namespace vidserve {
namespace {

struct Expected {
  std::string parameter, code;
  std::vector<std::string> message_contains;
};

struct Case {
  std::string name;
  boost::json::value body;
  std::vector<Expected> expect;
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

std::vector<Case> load_cases() {
  std::vector<Case> out;
  const auto doc = test::read_json(VIDSERVE_TEST_DATA "/validation_cases.json");
  if (!doc.is_object()) return out;
  for (const auto& c : doc.at("cases").as_array()) {
    Case tc{std::string(c.at("name").as_string()), c.at("body"), {}};
    for (const auto& e : c.at("expect").as_array()) {
      Expected ex{std::string(e.at("parameter").as_string()), std::string(e.at("code").as_string()), {}};
      if (const auto* m = e.as_object().if_contains("messageContains")) {
        for (const auto& s : m->as_array()) ex.message_contains.emplace_back(s.as_string());
      }
      tc.expect.push_back(std::move(ex));
    }
    out.push_back(std::move(tc));
  }
  return out;
}

class ValidationCaseTest : public ::testing::TestWithParam<Case> {};

TEST_P(ValidationCaseTest, ReportsExactlyTheExpectedProblems) {
  const auto& tc = GetParam();
  const auto result = test::check(tc.body);
  ASSERT_FALSE(result.syntax_error) << tc.name;
  ASSERT_EQ(result.tasks.size(), 1u);
  const auto& problems = result.tasks[0].validation.problems;
  std::vector<std::string> got, want;
  for (const auto& p : problems) got.push_back(p.parameter() + " " + p.code);
  for (const auto& e : tc.expect) want.push_back(e.parameter + " " + e.code);
  std::sort(got.begin(), got.end());
  std::sort(want.begin(), want.end());
  std::string messages;
  for (const auto& p : problems) messages += "  " + p.parameter() + ": " + p.message + " [" + p.code + "]\n";
  ASSERT_EQ(got, want) << tc.name << "\n" << messages;
  for (const auto& e : tc.expect) {
    for (const auto& text : e.message_contains) {
      const bool found = std::any_of(problems.begin(), problems.end(), [&](const core::Problem& p) {
        return p.parameter() == e.parameter && p.code == e.code && p.message.find(text) != std::string::npos;
      });
      EXPECT_TRUE(found) << tc.name << ": no " << e.parameter << " message contains '" << text << "'\n" << messages;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, ValidationCaseTest, ::testing::ValuesIn(load_cases()),
                         [](const auto& p) {
                           std::string name = std::to_string(p.index) + "_" + p.param.name;
                           for (auto& c : name) if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           return name;
                         });

TEST(ValidationCases, FileHoldsAtLeastEightyCases) { EXPECT_GE(load_cases().size(), 80u); }

}  // namespace
}  // namespace vidserve
