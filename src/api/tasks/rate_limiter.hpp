#pragma once
// Per-key request rate limits (a token bucket per key) for every authenticated request of the
// three APIs, and for each message of a Runware WebSocket. Called on the io threads after the
// key was checked, so a bucket exists only for a real key: O(1) under one mutex, no I/O but the
// read of a key's own limits, at most once every kLimitsTtlMs per key (a primary-key read, like
// the key check itself). Buckets idle long enough to be full again are forgotten, and there are
// at most kMaxBuckets. One key's bucket never affects another's.
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "common/clock.hpp"
#include "common/token_bucket.hpp"
#include "store/key_store.hpp"

namespace vidserve::api::tasks {

struct RateLimit {
  double per_s = 0;  // 0: no limit
  int burst = 0;     // 0: per_s rounded up (at least 1)
};

// The server's defaults (serve --rate-limit, --rate-burst) with a key's own limits over them.
RateLimit effective_rate(const RateLimit& defaults, const store::KeyLimits& own);

class RateLimiter {
 public:
  static constexpr std::int64_t kLimitsTtlMs = 5000;
  static constexpr std::size_t kMaxBuckets = 100'000;

  // A key's own limits by owner id; nullopt for owners without stored limits (VIDSERVE_API_KEYS).
  using LimitsOf = std::function<std::optional<store::KeyLimits>(const std::string& owner)>;

  RateLimiter(RateLimit defaults, LimitsOf limits_of, const Clock& clock)
      : defaults_(defaults), limits_of_(std::move(limits_of)), clock_(clock) {}

  // nullopt: admitted. Otherwise the whole seconds (>= 1) after which a request will be admitted.
  std::optional<int> admit(const std::string& owner);

  std::size_t buckets() const;

 private:
  struct Entry {
    TokenBucket bucket;
    RateLimit rate;
    std::int64_t limits_read_ms = 0;
  };
  void forget_idle(std::int64_t now_ms);

  const RateLimit defaults_;
  const LimitsOf limits_of_;
  const Clock& clock_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;
  std::int64_t last_sweep_ms_ = 0;
};

}  // namespace vidserve::api::tasks
