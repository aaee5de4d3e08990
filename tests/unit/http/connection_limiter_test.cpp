// ConnectionLimiter: the total and per-address bounds, and slots that free themselves.
#include "api/http/connection_limiter.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace vidserve::api::http {
namespace {

TEST(ConnectionLimiter, BoundsEachAddressAndTheTotal) {
  ConnectionLimiter limiter(5, 3);
  std::vector<ConnectionLimiter::Slot> held;
  for (int i = 0; i < 3; ++i) {
    auto slot = limiter.acquire("10.0.0.1");
    ASSERT_TRUE(slot);
    held.push_back(std::move(*slot));
  }
  EXPECT_FALSE(limiter.acquire("10.0.0.1"));  // that address is full
  auto other = limiter.acquire("10.0.0.2");
  ASSERT_TRUE(other);
  auto third = limiter.acquire("10.0.0.3");
  ASSERT_TRUE(third);
  EXPECT_FALSE(limiter.acquire("10.0.0.4"));  // the total is full
  EXPECT_EQ(limiter.open(), 5u);
  held.pop_back();  // a connection from 10.0.0.1 closed
  EXPECT_EQ(limiter.open(), 4u);
  EXPECT_TRUE(limiter.acquire("10.0.0.1"));  // and frees itself again at the end of the statement
  EXPECT_EQ(limiter.open(), 4u);
}

TEST(ConnectionLimiter, MovedSlotsReleaseOnce) {
  ConnectionLimiter limiter(1, 1);
  {
    auto slot = limiter.acquire("a");
    ASSERT_TRUE(slot);
    ConnectionLimiter::Slot moved = std::move(*slot);
    ConnectionLimiter::Slot again;
    again = std::move(moved);
    EXPECT_EQ(limiter.open(), 1u);
  }
  EXPECT_EQ(limiter.open(), 0u);
  EXPECT_TRUE(limiter.acquire("a"));
}

}  // namespace
}  // namespace vidserve::api::http
