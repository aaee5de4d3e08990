#include <gtest/gtest.h>

#include "common/text.hpp"

namespace vidserve::text {
namespace {

TEST(Utf8Length, CountsCodePoints) {
  EXPECT_EQ(utf8_length("abc"), 3u);
  EXPECT_EQ(utf8_length("\xc3\xa9t\xc3\xa9"), 3u);        // été
  EXPECT_EQ(utf8_length("\xf0\x9f\x8e\xac"), 1u);         // one emoji, 4 bytes
}

TEST(Utf8Length, RejectsInvalidSequences) {
  EXPECT_FALSE(utf8_length("\xff"));
  EXPECT_FALSE(utf8_length("\xc3"));                       // truncated
  EXPECT_FALSE(utf8_length("\xc0\xaf"));                   // overlong '/'
  EXPECT_FALSE(utf8_length("\xed\xa0\x80"));               // surrogate
}

TEST(Nearest, SuggestsTyposOnly) {
  const std::vector<std::string> names = {"duration", "positivePrompt", "width"};
  EXPECT_EQ(nearest("durration", names), "duration");
  EXPECT_EQ(nearest("positivePromt", names), "positivePrompt");
  EXPECT_FALSE(nearest("banana", names));
}

TEST(Nearest, LongWordsGetNoSuggestionAndCostNothing) {
  const std::vector<std::string> names = {"duration", "positivePrompt", "width"};
  EXPECT_FALSE(nearest(std::string(kMaxSuggestLength + 1, 'd'), names));
  // 9 MB: quadratic work would take minutes; the length check answers at once.
  EXPECT_FALSE(nearest(std::string(9'000'000, 'x'), names));
}

TEST(Excerpt, CutsLongValuesAtACharacterBoundary) {
  EXPECT_EQ(excerpt("short", 10), "short");
  EXPECT_EQ(excerpt(std::string(20, 'a'), 5), "aaaaa... (20 bytes)");
  // "é" is two bytes: a cut inside it moves back before it.
  EXPECT_EQ(excerpt("abcd\xc3\xa9" "fgh", 5), "abcd... (9 bytes)");
}

TEST(Format, Numbers) {
  EXPECT_EQ(format_number(5), "5");
  EXPECT_EQ(format_number(0.5), "0.5");
}

}  // namespace
}  // namespace vidserve::text
