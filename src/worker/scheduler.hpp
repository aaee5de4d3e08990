#pragma once
// A bounded pool of worker threads that claim queued tasks from the TaskStore and run them.
//
// With RunnerDeps::fetch_async, a claimed task's inputs are fetched while the workers render other
// tasks: a worker claims, hands the task's inputs to the fetcher and goes on; once every input is
// in, the task waits in a ready list that workers take before claiming anything new. At most
// `max_fetching` claimed tasks are in hand at once (fetching or ready), which bounds the memory of
// fetched inputs; at that bound workers render what is ready and claim nothing new. So a host that
// never answers holds only the tasks whose inputs it serves, not the workers.
//
// A ready task whose engine is asynchronous (the kling relay) is handed to it (RelayTasks) and
// holds no worker while the provider works: up to `max_relayed` such tasks are in hand at once,
// apart from the `concurrency` renders; more wait, claimed, until one ends. Each relayed task's
// answer comes back to a worker, which stores its media and result and completes it.
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "common/log_throttle.hpp"
#include "worker/lease_keeper.hpp"
#include "worker/relay_tasks.hpp"
#include "worker/task_runner.hpp"

namespace vidserve::worker {

struct SchedulerOptions {
  int concurrency = 2;           // tasks rendered at once
  std::int64_t poll_ms = 500;    // how often idle workers look for work without being woken
  std::size_t max_fetching = 16; // claimed tasks fetching inputs or ready, with fetch_async
  // Tasks in the hands of an asynchronous engine at once, with fetch_async (see above).
  std::size_t max_relayed = 256;
  // How often the percent of relayed tasks is stored and their claim checked (a cancel reaches
  // the engine within this).
  std::int64_t relay_watch_ms = 500;
  // After a failed claim (the store is unavailable) a worker waits poll_ms, doubling with each
  // further failure up to this, before it tries again; a wake() does not cut the wait short.
  std::int64_t max_backoff_ms = 30'000;
  // A worker whose task was deferred for lack of disk space waits as long as the task (at most
  // this) before claiming again: the next task would meet the same full disk.
  std::int64_t max_storage_pause_ms = 30'000;
  // How often the leases of the tasks in hand are renewed (LeaseKeeper); 0: lease/6, 1 s to 60 s.
  std::int64_t renew_every_ms = 0;
  // Set when other processes' workers share the store: stop() hands every task in hand back to
  // the queue at once (TaskQueue::defer, no delay) for them to claim, renders included (they stop
  // as on a cancel; an engine's provider state lets the next attempt resume). Otherwise stop()
  // lets the renders in hand finish and leaves fetching tasks in processing, for the next start
  // of this single process to requeue.
  bool hand_back_on_stop = false;
};

class Scheduler {
 public:
  Scheduler(RunnerDeps deps, SchedulerOptions options);
  ~Scheduler();

  void start();
  // Claims nothing more; finishes the renders in hand, then joins. Tasks still fetching or ready
  // stay in processing and are requeued at the next start; stop() waits for their fetches to
  // answer, so stop the fetcher first (its stop cancels transfers) to return at once. With
  // hand_back_on_stop every one of them goes back to the queue instead (see SchedulerOptions).
  void stop();
  void wake();  // a task was enqueued
  // Tasks claimed and not yet ended: rendering, fetching inputs or ready to render.
  std::size_t in_hand() const { return leases_.held(); }

 private:
  struct Ready {
    std::shared_ptr<PreparedTask> task;
    Status fetched;
  };
  void work(int index);
  // Claims one task and starts fetching its inputs; false when there was nothing to claim.
  // `failures` counts consecutive failed claims (see claim).
  bool claim_and_fetch(const std::string& worker_id, int& failures);
  // claim_next, with a rate-limited log line and a growing pause after a failure.
  Result<std::optional<store::TaskRecord>> claim(const std::string& worker_id, int& failures);
  // Pauses the worker after a task deferred for lack of space.
  void after(const RunOutcome& outcome);
  void wait_for_work();
  // Waits `ms` or until stop(); wake() does not end it.
  void pause(std::int64_t ms);
  void log_claim_failure(const Error& error);
  // stop(), after the workers joined: the tasks whose fetches had answered but no worker took.
  void drop_ready();
  // A ready task: rendered here, or handed to its asynchronous engine (or parked until a relay
  // ends).
  void take_ready(Ready& ready);
  // A relayed task whose engine answered (after a worker took it from relay_done_).
  void relay_answered(const std::shared_ptr<RelayedTask>& task);
  // stop(): waits for every relayed task's end and leaves it for a later attempt.
  void drain_relays();
  // A relayed task ended: one fewer, and a parked one (if any) is handed over.
  void relay_ended();

  RunnerDeps deps_;
  SchedulerOptions options_;
  std::vector<std::thread> threads_;
  std::mutex mutex_;
  std::condition_variable wakeup_;
  std::condition_variable settled_;  // a fetch answered (stop() waits for all of them)
  std::condition_variable stopping_;  // ends pause(); wake() notifies only wakeup_
  std::atomic<bool> running_{false};
  std::atomic<bool> draining_{false};  // a fetch was cancelled: the server stops
  std::atomic<bool> handing_back_{false};  // stop() with hand_back_on_stop: deps_.hand_back
  std::uint64_t pending_wakes_ = 0;
  std::deque<Ready> ready_;
  std::size_t fetching_ = 0;  // tasks whose inputs are being fetched
  std::size_t relayed_ = 0;   // tasks handed to an asynchronous engine (RelayTasks)
  std::deque<Ready> parked_;  // ready for an asynchronous engine, waiting for max_relayed
  std::deque<std::shared_ptr<RelayedTask>> relay_done_;  // engine answered; for a worker
  LogThrottle claim_log_{30'000};  // one "claiming a task failed" line per 30 s at most
  LeaseKeeper leases_;  // every task claimed, until it ends
  RelayTasks relays_;
};

}  // namespace vidserve::worker
