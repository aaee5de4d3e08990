#include "media/text_layout.hpp"

#include <gtest/gtest.h>

namespace vidserve::media {
namespace {

TEST(SanitizeCaption, CollapsesControlCharactersAndWhitespace) {
  EXPECT_EQ(sanitize_caption("  a\tcat\n\n on  a\r\nmat  "), "a cat on a mat");
}

TEST(SanitizeCaption, KeepsValidUtf8AndReplacesInvalidBytes) {
  EXPECT_EQ(sanitize_caption("caf\xC3\xA9 \xE7\x8C\xAB"), "caf\xC3\xA9 \xE7\x8C\xAB");
  EXPECT_EQ(sanitize_caption("a\xFF"
                             "b"),
            "a\xEF\xBF\xBD"
            "b");
  EXPECT_EQ(sanitize_caption("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");    // overlong '/'
  EXPECT_EQ(sanitize_caption("x\xE2\x82"), "x\xEF\xBF\xBD\xEF\xBF\xBD");  // truncated sequence
}

TEST(SanitizeCaption, LeavesFilterSyntaxAlone) {
  // drawtext gets the text as an option value with expansion off, so nothing needs escaping.
  EXPECT_EQ(sanitize_caption("100% 'quoted': a\\b %{pts}"), "100% 'quoted': a\\b %{pts}");
}

TEST(WrapCaption, WrapsAtWordBoundaries) {
  const auto lines = wrap_caption("the quick brown fox jumps over the lazy dog", 10, 10);
  EXPECT_EQ(lines,
            (std::vector<std::string>{"the quick", "brown fox", "jumps over", "the lazy", "dog"}));
}

TEST(WrapCaption, SplitsLongWordsAndCountsCodePoints) {
  const auto lines = wrap_caption("\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9", 2, 5);  // five é
  EXPECT_EQ(lines, (std::vector<std::string>{"\xC3\xA9\xC3\xA9", "\xC3\xA9\xC3\xA9", "\xC3\xA9"}));
}

TEST(WrapCaption, TruncatesWithEllipsis) {
  const auto lines = wrap_caption("one two three four five six", 9, 2);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0], "one two");
  EXPECT_EQ(lines[1], "three\xE2\x80\xA6");
}

TEST(WrapCaption, EmptyInputGivesNoLines) {
  EXPECT_TRUE(wrap_caption("", 10, 3).empty());
  EXPECT_TRUE(wrap_caption("abc", 0, 3).empty());
}

}  // namespace
}  // namespace vidserve::media
