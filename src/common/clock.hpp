#pragma once
// Injectable clock: production code asks a Clock for the time, tests use FakeClock and advance it,
// so TTLs, leases and timeouts are tested without sleeping.
#include <atomic>
#include <chrono>
#include <cstdint>

namespace vidserve {

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time in milliseconds since the Unix epoch.
  virtual std::int64_t now_ms() const = 0;
};

class SystemClock final : public Clock {
 public:
  std::int64_t now_ms() const override {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
  }
  static const SystemClock& instance() {
    static const SystemClock clock;
    return clock;
  }
};

class FakeClock final : public Clock {
 public:
  explicit FakeClock(std::int64_t start_ms = 1'700'000'000'000) : now_(start_ms) {}
  std::int64_t now_ms() const override { return now_.load(); }
  void advance_ms(std::int64_t delta) { now_ += delta; }
  void set_ms(std::int64_t value) { now_ = value; }

 private:
  std::atomic<std::int64_t> now_;
};

}  // namespace vidserve
