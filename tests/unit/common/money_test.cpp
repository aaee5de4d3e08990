// Money as exact micro-dollars and its plain decimal text.
#include "common/money.hpp"

#include <gtest/gtest.h>

namespace vidserve::money {
namespace {

TEST(Money, DecimalIsPlainAndShortest) {
  EXPECT_EQ(decimal(185'000), "0.185");
  EXPECT_EQ(decimal(700'000), "0.7");
  EXPECT_EQ(decimal(2'000'000), "2");
  EXPECT_EQ(decimal(1), "0.000001");
  EXPECT_EQ(decimal(0), "0");
  EXPECT_EQ(decimal(-1'500'000), "-1.5");
  EXPECT_EQ(decimal(123'456'789'012), "123456.789012");
}

TEST(Money, UsdKeepsTwoDecimals) {
  EXPECT_EQ(usd(185'000), "$0.185");
  EXPECT_EQ(usd(700'000), "$0.70");
  EXPECT_EQ(usd(20'000'000), "$20.00");
  EXPECT_EQ(usd(220'541), "$0.220541");
}

TEST(Money, CatalogAmountsAreExact) {
  // 0.037 x 5 in doubles is 0.18500000000000003; in micro-dollars it is 185000.
  EXPECT_EQ(times(from_usd(0.037), 5), 185'000);
  EXPECT_EQ(times(from_usd(0.084), 3) * 3, 756'000);
  EXPECT_EQ(from_usd(0.0462), 46'200);
  EXPECT_EQ(times(from_usd(0.044), 4.2), 184'800);
  EXPECT_EQ(decimal(from_usd(to_usd(185'000))), "0.185");
}

TEST(Money, ParseTakesPlainDecimalsOnly) {
  EXPECT_EQ(parse("20"), 20'000'000);
  EXPECT_EQ(parse("20.00"), 20'000'000);
  EXPECT_EQ(parse("0.185"), 185'000);
  EXPECT_EQ(parse(".5"), 500'000);
  EXPECT_EQ(parse("0.000001"), 1);
  EXPECT_FALSE(parse(""));
  EXPECT_FALSE(parse("."));
  EXPECT_FALSE(parse("5."));
  EXPECT_FALSE(parse("-1"));
  EXPECT_FALSE(parse("1e3"));
  EXPECT_FALSE(parse("0.0000001"));
  EXPECT_FALSE(parse("1234567890123"));
  EXPECT_FALSE(parse("1,5"));
}

}  // namespace
}  // namespace vidserve::money
