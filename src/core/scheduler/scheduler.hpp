#pragma once
// A bounded pool of worker threads that claim queued tasks from the TaskStore and run them.
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "core/scheduler/task_runner.hpp"

namespace vidserve::core {

struct SchedulerOptions {
  int concurrency = 2;           // tasks rendered at once
  std::int64_t poll_ms = 500;    // how often idle workers look for work without being woken
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

  RunnerDeps deps_;
  SchedulerOptions options_;
  std::vector<std::thread> threads_;
  std::mutex mutex_;
  std::condition_variable wakeup_;
  std::atomic<bool> running_{false};
  std::uint64_t pending_wakes_ = 0;
};

}  // namespace vidserve::core
