#pragma once
// LeaseKeeper: renews, every `period`, the lease of each task this process holds, whatever the
// task is doing: fetching its inputs, waiting in the Scheduler's ready list for a free worker,
// rendering without progress reports (a provider's result being downloaded), uploading. So the
// lease of a live worker runs out only when the store cannot be written for longer than
// lease - period (a database restart shorter than that costs nothing), and the tasks of a dead
// worker are claimed again within one lease.
//
// Renewals are fenced like every TaskQueue write: a claim the store refuses (cancelled, claimed
// again, finished, deferred) is dropped here; its worker learns of it through its own next write.
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include "common/background_loop.hpp"
#include "common/clock.hpp"
#include "common/log_throttle.hpp"
#include "store/task_store.hpp"

namespace vidserve::worker {

class LeaseKeeper {
 public:
  // A renewal every lease/6, between 1 s and 60 s: a 30 s lease is renewed every 5 s.
  static std::chrono::milliseconds period_for(std::int64_t lease_ms);

  LeaseKeeper(store::TaskQueue& tasks, std::int64_t lease_ms, std::chrono::milliseconds period,
              const Clock& clock);
  ~LeaseKeeper();
  LeaseKeeper(const LeaseKeeper&) = delete;
  LeaseKeeper& operator=(const LeaseKeeper&) = delete;

  void start();
  void stop();

  // From the claim until the task's end (done, failed, deferred, taken over): renewed meanwhile.
  void hold(const store::Claim& claim);
  // Ends `claim` only: a later claim of the same task (a new attempt) stays held.
  void release(const store::Claim& claim);
  std::size_t held() const;

  // One pass over every claim held (the loop's step).
  void renew_all();

 private:
  store::TaskQueue& tasks_;
  const std::int64_t lease_ms_;
  const Clock& clock_;
  mutable std::mutex mutex_;
  std::map<std::string, store::Claim> held_;  // by task key
  LogThrottle log_{30'000};
  BackgroundLoop loop_;
};

}  // namespace vidserve::worker
