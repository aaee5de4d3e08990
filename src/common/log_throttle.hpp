#pragma once
// At most one log line per interval for a message that can repeat in a loop (a failing store, a
// full disk), with the number of lines left out since the last one. Thread-safe; time comes from
// the caller (milliseconds on any monotonic scale), so tests need no sleeping.
#include <cstdint>
#include <mutex>
#include <optional>

namespace vidserve {

class LogThrottle {
 public:
  explicit LogThrottle(std::int64_t interval_ms) : interval_ms_(interval_ms) {}

  // nullopt: leave this line out. Otherwise log it, with the returned number of lines left out
  // since the previous one (0 for the first).
  std::optional<std::uint64_t> admit(std::int64_t now_ms) {
    std::lock_guard lock(mutex_);
    if (last_ms_ && now_ms - *last_ms_ < interval_ms_) {
      ++left_out_;
      return std::nullopt;
    }
    last_ms_ = now_ms;
    const auto count = left_out_;
    left_out_ = 0;
    return count;
  }

 private:
  const std::int64_t interval_ms_;
  std::mutex mutex_;
  std::optional<std::int64_t> last_ms_;
  std::uint64_t left_out_ = 0;
};

}  // namespace vidserve
