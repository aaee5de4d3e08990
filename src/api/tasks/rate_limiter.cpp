#include "api/tasks/rate_limiter.hpp"

#include <cmath>

namespace vidserve::api::tasks {

namespace {

constexpr std::int64_t kSweepEveryMs = 60'000;
constexpr std::int64_t kFullSweepEveryMs = 1'000;

int burst_of(const RateLimit& r) {
  return r.burst > 0 ? r.burst : std::max(1, static_cast<int>(std::ceil(r.per_s)));
}

}  // namespace

RateLimit effective_rate(const RateLimit& defaults, const store::KeyLimits& own) {
  RateLimit r = defaults;
  if (own.rate_per_s) r.per_s = *own.rate_per_s;
  if (own.burst) r.burst = *own.burst;
  r.burst = burst_of(r);
  return r;
}

std::optional<int> RateLimiter::admit(const std::string& owner) {
  // The key's own limits are read outside the lock: another key's request never waits for it.
  const auto now = clock_.monotonic_ms();
  std::optional<std::optional<store::KeyLimits>> fresh;
  {
    std::lock_guard lock(mutex_);
    const auto it = entries_.find(owner);
    if (it == entries_.end() || now - it->second.limits_read_ms >= kLimitsTtlMs) fresh.emplace();
  }
  if (fresh) *fresh = limits_of_ ? limits_of_(owner) : std::nullopt;
  std::lock_guard lock(mutex_);
  // A sweep is O(buckets): once a minute, or once a second while the table is full.
  const auto since_sweep = now - last_sweep_ms_;
  if (since_sweep >= kSweepEveryMs ||
      (entries_.size() >= kMaxBuckets && since_sweep >= kFullSweepEveryMs)) {
    forget_idle(now);
  }
  auto it = entries_.find(owner);
  if (fresh) {
    const auto rate = effective_rate(defaults_, fresh->value_or(store::KeyLimits{}));
    if (it == entries_.end()) {
      if (entries_.size() >= kMaxBuckets) return std::nullopt;  // all busy: admit rather than grow
      it = entries_.emplace(owner, Entry{TokenBucket::full(rate.burst, now), rate, now}).first;
    }
    it->second.rate = rate;
    it->second.limits_read_ms = now;
  }
  if (it == entries_.end()) return std::nullopt;
  const auto& rate = it->second.rate;
  if (rate.per_s <= 0) return std::nullopt;  // no limit for this key (the entry caches that)
  const auto wait_ms = it->second.bucket.take(rate.per_s, rate.burst, now);
  if (wait_ms == 0) return std::nullopt;
  return static_cast<int>(std::max<std::int64_t>(1, (wait_ms + 999) / 1000));
}

void RateLimiter::forget_idle(std::int64_t now_ms) {
  last_sweep_ms_ = now_ms;
  std::erase_if(entries_, [now_ms](const auto& item) {
    const auto& e = item.second;
    return e.bucket.idle(e.rate.per_s, e.rate.burst, now_ms);
  });
}

std::size_t RateLimiter::buckets() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

}  // namespace vidserve::api::tasks
