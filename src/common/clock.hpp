#pragma once
// The injectable time source (Envoy's TimeSource): production code asks a Clock for the time,
// tests use FakeClock and advance it, so TTLs, leases, deadlines and throttles are tested without
// sleeping. This is the only place that reads std::chrono's clocks.
//   now_ms()      wall time, for what is stored or shown (expiry, retention, JWT times);
//   monotonic()   never goes back, for intervals and deadlines within this process;
//   sleep_for()   a wait measured on this clock (simulated by FakeClock).
#include <atomic>
#include <chrono>
#include <cstdint>
#include <thread>

namespace vidserve {

class Clock {
 public:
  using MonotonicTime = std::chrono::steady_clock::time_point;

  virtual ~Clock() = default;
  // Wall-clock time in milliseconds since the Unix epoch.
  virtual std::int64_t now_ms() const = 0;
  // Monotonic time; its epoch is unspecified (only differences mean something).
  virtual MonotonicTime monotonic() const = 0;
  // Waits `duration` (a poll's back-off): SystemClock sleeps, FakeClock moves its time forward
  // and returns at once, so a back-off schedule runs without waiting in tests.
  virtual void sleep_for(std::chrono::milliseconds duration) const = 0;
  // monotonic() in milliseconds, e.g. for LogThrottle.
  std::int64_t monotonic_ms() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(monotonic().time_since_epoch()).count();
  }
};

class SystemClock final : public Clock {
 public:
  std::int64_t now_ms() const override {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
  }
  MonotonicTime monotonic() const override { return std::chrono::steady_clock::now(); }
  void sleep_for(std::chrono::milliseconds duration) const override { std::this_thread::sleep_for(duration); }
  static const SystemClock& instance() {
    static const SystemClock clock;
    return clock;
  }
};

// advance_ms moves both times; set_ms moves the wall time only (as a clock adjustment would).
class FakeClock final : public Clock {
 public:
  explicit FakeClock(std::int64_t start_ms = 1'700'000'000'000) : now_(start_ms) {}
  std::int64_t now_ms() const override { return now_.load(); }
  MonotonicTime monotonic() const override { return MonotonicTime(std::chrono::milliseconds(monotonic_.load())); }
  void sleep_for(std::chrono::milliseconds duration) const override { advance_ms(duration.count()); }
  void advance_ms(std::int64_t delta) const {
    now_ += delta;
    monotonic_ += delta;
  }
  void set_ms(std::int64_t value) { now_ = value; }

 private:
  mutable std::atomic<std::int64_t> now_;
  mutable std::atomic<std::int64_t> monotonic_{1'000'000};  // far from zero, like a real uptime
};

}  // namespace vidserve
