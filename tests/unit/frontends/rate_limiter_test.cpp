// Per-key token buckets on simulated time: burst, refill, Retry-After, keys apart, own limits,
// idle buckets forgotten.
#include "api/tasks/rate_limiter.hpp"

#include <gtest/gtest.h>

#include <map>

#include "common/clock.hpp"
#include "common/token_bucket.hpp"

namespace vidserve::api::tasks {
namespace {

TEST(TokenBucket, BurstThenRate) {
  auto bucket = TokenBucket::full(3, 0);
  EXPECT_EQ(bucket.take(2, 3, 0), 0);
  EXPECT_EQ(bucket.take(2, 3, 0), 0);
  EXPECT_EQ(bucket.take(2, 3, 0), 0);
  EXPECT_EQ(bucket.take(2, 3, 0), 500);  // one token every 500 ms at 2/s
  EXPECT_EQ(bucket.take(2, 3, 499), 1);
  EXPECT_EQ(bucket.take(2, 3, 500), 0);
  EXPECT_FALSE(bucket.idle(2, 3, 1000));
  EXPECT_TRUE(bucket.idle(2, 3, 2000));
  bucket.refill(2, 3, 60'000);
  EXPECT_DOUBLE_EQ(bucket.tokens, 3);  // never more than the burst
}

struct Fixture {
  FakeClock clock;
  std::map<std::string, store::KeyLimits> own;
  int reads = 0;
  RateLimiter limiter{RateLimit{2, 4},
                      [this](const std::string& owner) -> std::optional<store::KeyLimits> {
                        ++reads;
                        const auto it = own.find(owner);
                        if (it == own.end()) return std::nullopt;
                        return it->second;
                      },
                      clock};
};

TEST(RateLimiter, OverTheBurstWaitsWholeSeconds) {
  Fixture f;
  for (int i = 0; i < 4; ++i) EXPECT_EQ(f.limiter.admit("a"), std::nullopt) << i;
  EXPECT_EQ(f.limiter.admit("a"), 1);  // 500 ms rounded up to a whole second
  f.clock.advance_ms(500);
  EXPECT_EQ(f.limiter.admit("a"), std::nullopt);
  EXPECT_EQ(f.limiter.admit("a"), 1);
}

TEST(RateLimiter, OneKeyOverItsRateLeavesOthersAlone) {
  Fixture f;
  for (int i = 0; i < 10; ++i) (void)f.limiter.admit("flood");
  EXPECT_TRUE(f.limiter.admit("flood"));
  for (int i = 0; i < 4; ++i) EXPECT_EQ(f.limiter.admit("quiet"), std::nullopt) << i;
}

TEST(RateLimiter, OwnLimitsWinAndAreReadAgainAfterTheTtl) {
  Fixture f;
  f.own["slow"] = store::KeyLimits{0.1, 1, std::nullopt};
  EXPECT_EQ(f.limiter.admit("slow"), std::nullopt);
  EXPECT_EQ(f.limiter.admit("slow"), 10);                             // 0.1/s: a token every 10 s
  EXPECT_EQ(f.reads, 1);                                              // cached within the TTL
  f.own["slow"] = store::KeyLimits{0.0, std::nullopt, std::nullopt};  // 0: no limit
  f.clock.advance_ms(RateLimiter::kLimitsTtlMs);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(f.limiter.admit("slow"), std::nullopt);
  EXPECT_EQ(f.reads, 2);
}

TEST(RateLimiter, WithoutAnyLimitEveryRequestPasses) {
  FakeClock clock;
  RateLimiter limiter{RateLimit{}, nullptr, clock};
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(limiter.admit("k"), std::nullopt);
}

TEST(RateLimiter, IdleBucketsAreForgotten) {
  Fixture f;
  for (int i = 0; i < 50; ++i) (void)f.limiter.admit("key" + std::to_string(i));
  EXPECT_EQ(f.limiter.buckets(), 50u);
  f.clock.advance_ms(120'000);  // every bucket is full again; the next call sweeps
  (void)f.limiter.admit("fresh");
  EXPECT_EQ(f.limiter.buckets(), 1u);
}

TEST(RateLimiter, EffectiveRateFillsTheBurst) {
  EXPECT_EQ(effective_rate({2.5, 0}, {}).burst, 3);
  EXPECT_EQ(effective_rate({0.2, 0}, {}).burst, 1);
  EXPECT_EQ(effective_rate({2, 0}, store::KeyLimits{5.0, 10, std::nullopt}).burst, 10);
  EXPECT_DOUBLE_EQ(effective_rate({2, 0}, store::KeyLimits{5.0, 10, std::nullopt}).per_s, 5);
}

}  // namespace
}  // namespace vidserve::api::tasks
