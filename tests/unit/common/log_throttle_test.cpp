#include "common/log_throttle.hpp"

#include <gtest/gtest.h>

namespace vidserve {
namespace {

// One line per interval; the next admitted line carries the count of those left out.
TEST(LogThrottle, AdmitsOneLinePerIntervalAndCountsTheRest) {
  LogThrottle throttle(30'000);
  EXPECT_EQ(throttle.admit(1'000), 0u);
  for (int i = 0; i < 953; ++i) EXPECT_EQ(throttle.admit(1'000 + i * 20), std::nullopt);
  EXPECT_EQ(throttle.admit(30'999), std::nullopt);
  EXPECT_EQ(throttle.admit(31'000), 954u);
  EXPECT_EQ(throttle.admit(61'000), 0u);
}

}  // namespace
}  // namespace vidserve
