// The JSON text every reply is sent as: numbers with a fraction as plain decimals.
#include "api/wire/json_text.hpp"

#include <gtest/gtest.h>

#include "common/money.hpp"

namespace vidserve::api::wire {
namespace {

namespace json = boost::json;

TEST(JsonText, MoneyIsAPlainDecimal) {
  EXPECT_EQ(number_text(0.185), "0.185");
  EXPECT_EQ(number_text(money::to_usd(185'000)), "0.185");
  EXPECT_EQ(number_text(money::to_usd(1'110'000)), "1.11");
  EXPECT_EQ(number_text(money::to_usd(97'000)), "0.097");
  EXPECT_EQ(number_text(money::to_usd(1)), "0.000001");
  EXPECT_EQ(number_text(5.0), "5");
  EXPECT_EQ(number_text(-0.25), "-0.25");
  EXPECT_EQ(number_text(-0.0), "0");
  EXPECT_EQ(number_text(1e300).size(), 301u);
}

TEST(JsonText, NonFiniteIsNull) {
  EXPECT_EQ(number_text(std::numeric_limits<double>::infinity()), "null");
  EXPECT_EQ(number_text(std::numeric_limits<double>::quiet_NaN()), "null");
}

TEST(JsonText, DocumentsMatchBoostExceptForDoubles) {
  const json::value doc = json::parse(
      R"({"data":[{"taskUUID":"a\"b\\c\u0001","cost":0.185,"seed":42,"big":18446744073709551615,)"
      R"("neg":-7,"ok":true,"none":null,"nested":{"e":[],"o":{}}}]})");
  EXPECT_EQ(
      to_text(doc),
      R"({"data":[{"taskUUID":"a\"b\\c\u0001","cost":0.185,"seed":42,"big":18446744073709551615,)"
      R"("neg":-7,"ok":true,"none":null,"nested":{"e":[],"o":{}}}]})");
  EXPECT_EQ(json::parse(to_text(doc)), doc);
  EXPECT_EQ(json::serialize(json::value(0.185)), "1.85E-1");  // why to_text exists
}

}  // namespace
}  // namespace vidserve::api::wire
