#pragma once
// Readiness (GET /readyz): whether this process can do its work now. Its checks — the store
// answers a trivial query, the media store is reachable, an engine is configured — run on their
// own thread every `period`, never on an io thread; /readyz reads the last verdict. A check that
// has not answered for `stale_after` (a database that does not answer, a hung connection) counts
// as failed, so a blocked check turns the process not-ready instead of holding up the probe.
#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "common/background_loop.hpp"
#include "common/clock.hpp"
#include "common/result.hpp"

namespace vidserve::api::ops {

struct ReadinessCheck {
  std::string name;               // "store", "media", "engines": the key in the /readyz body
  std::function<Status()> check;  // Ok when ready; its error message says why not
};

class Readiness {
 public:
  using Duration = std::chrono::milliseconds;
  Readiness(std::vector<ReadinessCheck> checks, Duration period = Duration(1000),
            Duration stale_after = Duration(5000), const Clock& clock = SystemClock::instance());
  ~Readiness();
  Readiness(const Readiness&) = delete;
  Readiness& operator=(const Readiness&) = delete;

  // Runs the checks once on the calling thread (so the first verdict is known), then every period
  // on the readiness thread.
  void start();
  void stop();

  struct Verdict {
    bool ready = false;
    // {"status":"ready"|"not ready","checks":{"store":"ok","media":"ok","engines":"..."}}
    std::string json;
  };
  // The last results; a check running for longer than stale_after is "no answer for N s".
  // Cheap: a lock and a copy.
  Verdict verdict() const;

 private:
  struct Result {
    std::string name;
    std::string error;  // "" = ok
  };
  void run_checks();

  std::vector<ReadinessCheck> checks_;
  Duration stale_after_;
  const Clock& clock_;
  mutable std::mutex mutex_;
  std::vector<Result> results_;
  Clock::MonotonicTime round_started_{};
  bool round_running_ = false;
  std::string current_;  // the check running, or the last one run
  BackgroundLoop loop_;
};

}  // namespace vidserve::api::ops
