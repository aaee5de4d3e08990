// Range header parsing and the validators of conditional requests.
#include "api/http/byte_range.hpp"

#include <gtest/gtest.h>

#include "api/http/conditional.hpp"

namespace vidserve::api::http {
namespace {

using Kind = RangeRequest::Kind;

void expect_range(std::string_view header, std::uint64_t size, std::uint64_t first,
                  std::uint64_t length) {
  const auto r = parse_range(header, size);
  EXPECT_EQ(r.kind, Kind::satisfiable) << header;
  EXPECT_EQ(r.range.first, first) << header;
  EXPECT_EQ(r.range.length, length) << header;
}

TEST(ByteRange, SatisfiableForms) {
  expect_range("bytes=10-19", 100, 10, 10);
  expect_range("bytes=0-0", 100, 0, 1);
  expect_range("bytes=90-", 100, 90, 10);
  expect_range("bytes=-5", 100, 95, 5);
  expect_range("bytes=-500", 100, 0, 100);
  expect_range("bytes=50-1000", 100, 50, 50);
  expect_range(" Bytes = 1-2 ", 100, 1, 2);
}

TEST(ByteRange, Unsatisfiable) {
  for (const char* h : {"bytes=100-", "bytes=100-200", "bytes=-0", "bytes=0-"}) {
    EXPECT_EQ(parse_range(h, std::string_view(h) == "bytes=0-" ? 0 : 100).kind, Kind::unsatisfiable)
        << h;
  }
}

TEST(ByteRange, IgnoredForms) {
  for (const char* h : {"", "bytes", "bytes=", "bytes=-", "bytes=5-2", "bytes=a-b", "bytes=1-2,4-5",
                        "lines=1-2", "bytes=+1-2", "bytes=99999999999999999999999-"}) {
    EXPECT_EQ(parse_range(h, 100).kind, Kind::none) << h;
  }
}

TEST(Conditional, HttpDatesRoundTrip) {
  EXPECT_EQ(format_http_date(784111777), "Sun, 06 Nov 1994 08:49:37 GMT");
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), 784111777);
  EXPECT_FALSE(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"));
  EXPECT_FALSE(parse_http_date("Sun, 06 Foo 1994 08:49:37 GMT"));
}

TEST(Conditional, EntityTags) {
  EXPECT_EQ(quote_etag("abc"), "\"abc\"");
  EXPECT_EQ(quote_etag("\"abc\""), "\"abc\"");
  EXPECT_TRUE(none_match_hits("\"abc\"", "\"abc\""));
  EXPECT_TRUE(none_match_hits("\"x\", W/\"abc\"", "\"abc\""));
  EXPECT_TRUE(none_match_hits("*", "\"abc\""));
  EXPECT_TRUE(none_match_hits("\"a,b\"", "\"a,b\""));
  EXPECT_FALSE(none_match_hits("\"abcd\"", "\"abc\""));
  EXPECT_FALSE(none_match_hits("abc", "\"abc\""));
  EXPECT_TRUE(if_range_holds("\"abc\"", "\"abc\"", 0));
  EXPECT_FALSE(if_range_holds("W/\"abc\"", "\"abc\"", 0));
  EXPECT_TRUE(if_range_holds("Sun, 06 Nov 1994 08:49:37 GMT", "\"abc\"", 784111777));
  EXPECT_FALSE(if_range_holds("Sun, 06 Nov 1994 08:49:37 GMT", "\"abc\"", 784111778));
}

}  // namespace
}  // namespace vidserve::api::http
