#pragma once
// A token bucket: `burst` tokens, refilled at `per_s` tokens a second; each admitted request takes
// one. Pure arithmetic on the times it is given (Clock::monotonic_ms), so tests use FakeClock.
#include <algorithm>
#include <cmath>
#include <cstdint>

namespace vidserve {

struct TokenBucket {
  double tokens = 0;
  std::int64_t updated_ms = 0;

  static TokenBucket full(int burst, std::int64_t now_ms) {
    return {static_cast<double>(burst), now_ms};
  }

  void refill(double per_s, int burst, std::int64_t now_ms) {
    if (now_ms > updated_ms)
      tokens = std::min<double>(burst, tokens + per_s * (now_ms - updated_ms) / 1000.0);
    updated_ms = std::max(updated_ms, now_ms);
  }

  // 0 when a token was taken; otherwise the milliseconds until one will be there (>= 1).
  std::int64_t take(double per_s, int burst, std::int64_t now_ms) {
    refill(per_s, burst, now_ms);
    if (tokens >= 1) {
      tokens -= 1;
      return 0;
    }
    return std::max<std::int64_t>(
        1, static_cast<std::int64_t>(std::ceil((1 - tokens) * 1000.0 / per_s - 1e-6)));
  }

  // Whether the bucket is full again at `now_ms`: forgetting it then loses nothing.
  bool idle(double per_s, int burst, std::int64_t now_ms) const {
    return tokens + per_s * (now_ms - updated_ms) / 1000.0 >= burst;
  }
};

}  // namespace vidserve
