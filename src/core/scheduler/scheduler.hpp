#pragma once
// A bounded pool of worker threads that claim queued tasks from the TaskStore and run them.
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "common/log_throttle.hpp"
#include "core/scheduler/task_runner.hpp"

namespace vidserve::core {

struct SchedulerOptions {
  int concurrency = 2;           // tasks rendered at once
  std::int64_t poll_ms = 500;    // how often idle workers look for work without being woken
  // After a failed claim (the store is unavailable) a worker waits poll_ms, doubling with each
  // further failure up to this, before it tries again; a wake() does not cut the wait short.
  std::int64_t max_backoff_ms = 30'000;
  // A worker whose task was deferred for lack of disk space waits as long as the task (at most
  // this) before claiming again: the next task would meet the same full disk.
  std::int64_t max_storage_pause_ms = 30'000;
};

class Scheduler {
 public:
  Scheduler(RunnerDeps deps, SchedulerOptions options);
  ~Scheduler();

  void start();
  void stop();  // finishes the tasks in hand, then joins
  void wake();  // a task was enqueued

 private:
  void work(int index);
  // Waits `ms` or until stop(); wake() does not end it.
  void pause(std::int64_t ms);
  void log_claim_failure(const Error& error);

  RunnerDeps deps_;
  SchedulerOptions options_;
  std::vector<std::thread> threads_;
  std::mutex mutex_;
  std::condition_variable wakeup_;
  std::condition_variable stopping_;  // ends pause(); wake() notifies only wakeup_
  std::atomic<bool> running_{false};
  std::uint64_t pending_wakes_ = 0;
  LogThrottle claim_log_{30'000};  // one "claiming a task failed" line per 30 s at most
};

}  // namespace vidserve::core
