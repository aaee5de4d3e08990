#pragma once
// A bounded pool of worker threads that claim queued tasks from the TaskStore and run them.
//
// With RunnerDeps::fetch_async, a claimed task's inputs are fetched while the workers render other
// tasks: a worker claims, hands the task's inputs to the fetcher and goes on; once every input is
// in, the task waits in a ready list that workers take before claiming anything new. At most
// `max_fetching` claimed tasks are in hand at once (fetching or ready), which bounds the memory of
// fetched inputs; at that bound workers render what is ready and claim nothing new. So a host that
// never answers holds only the tasks whose inputs it serves, not the workers.
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "core/scheduler/task_runner.hpp"

namespace vidserve::core {

struct SchedulerOptions {
  int concurrency = 2;           // tasks rendered at once
  std::int64_t poll_ms = 500;    // how often idle workers look for work without being woken
  std::size_t max_fetching = 16; // claimed tasks fetching inputs or ready, with fetch_async
};

class Scheduler {
 public:
  Scheduler(RunnerDeps deps, SchedulerOptions options);
  ~Scheduler();

  void start();
  // Finishes the renders in hand, then joins. Tasks still fetching or ready stay in processing
  // and are requeued at the next start; stop() waits for their fetches to answer, so stop the
  // fetcher first (its stop cancels transfers) to return at once.
  void stop();
  void wake();  // a task was enqueued

 private:
  struct Ready {
    std::shared_ptr<PreparedTask> task;
    Status fetched;
  };
  void work(int index);
  // Claims one task and starts fetching its inputs; false when there was nothing to claim.
  bool claim_and_fetch(const std::string& worker_id);
  void wait_for_work();

  RunnerDeps deps_;
  SchedulerOptions options_;
  std::vector<std::thread> threads_;
  std::mutex mutex_;
  std::condition_variable wakeup_;
  std::condition_variable settled_;  // a fetch answered (stop() waits for all of them)
  std::atomic<bool> running_{false};
  std::atomic<bool> draining_{false};  // a fetch was cancelled: the server stops
  std::uint64_t pending_wakes_ = 0;
  std::deque<Ready> ready_;
  std::size_t fetching_ = 0;  // tasks whose inputs are being fetched
};

}  // namespace vidserve::core
