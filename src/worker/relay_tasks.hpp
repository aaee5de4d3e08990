#pragma once
// Tasks handed to an asynchronous engine (engine::Engine::asynchronous(), the kling relay): the
// Scheduler's worker stages the result's media and starts the job on the engine, then goes on;
// the engine's answer comes back to a worker (Finished), which commits the media, records the
// result and starts the next one or completes the task. No thread waits for a relayed task.
//
// Meanwhile the task stays claimed (the Scheduler's LeaseKeeper renews its lease) and one watch
// thread, every `watch_every`, stores each task's percent when it changed (publishing it) and
// asks the store whether each task is still held, raising its cancel flag when it is not
// (cancelled by its client, claimed again); the engine sees the flag through
// engine::Progress::cancelled(), which never touches the store. save_provider_state writes
// through to the store on the engine's own pool thread.
#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>

#include "common/background_loop.hpp"
#include "worker/task_runner.hpp"

namespace vidserve::worker {

class RelayProgress;

// One task in the hands of an asynchronous engine.
struct RelayedTask {
  std::shared_ptr<PreparedTask> prepared;
  std::unique_ptr<RelayProgress> progress;
  std::optional<StagedJob> current;          // the result the engine renders
  std::optional<Result<engine::Output>> out;  // its answer, once in
  bool first = true;                          // no result started yet
  std::size_t next_result = 0;                // in prepared->task.results
};

class RelayTasks {
 public:
  // Called on the engine's thread with a task whose answer is in: hand it to a worker.
  using Finished = std::function<void(std::shared_ptr<RelayedTask>)>;

  RelayTasks(const RunnerDeps& deps, Finished finished, std::chrono::milliseconds watch_every);
  ~RelayTasks();
  RelayTasks(const RelayTasks&) = delete;
  RelayTasks& operator=(const RelayTasks&) = delete;

  void start();
  void stop();

  // On a worker, for a claimed task whose inputs are in and whose engine is asynchronous:
  // starts its first result. Returns the outcome when the task ended here (its fetch failed,
  // it cannot be charged, nothing was left to render); otherwise the task is relayed.
  std::optional<RunOutcome> begin(std::shared_ptr<PreparedTask> prepared, const Status& fetched);
  // On a worker, for a task Finished handed over: records the result and starts the next one.
  // The outcome when the task ended (and is no longer relayed).
  std::optional<RunOutcome> resume(const std::shared_ptr<RelayedTask>& task);
  // stop(): every relayed task's engine job stops as on a cancel (the server stops).
  void cancel_all();
  // After cancel_all, for a task Finished handed over: leaves it for a later attempt (hand_back
  // when the store is shared; else it stays in processing for the next start) and drops it.
  void abandon(const std::shared_ptr<RelayedTask>& task);
  std::size_t count() const;

 private:
  // Starts the next result not done, or completes the task.
  std::optional<RunOutcome> advance(const std::shared_ptr<RelayedTask>& task);
  std::optional<RunOutcome> ended(const std::shared_ptr<RelayedTask>& task, RunOutcome outcome);
  void watch();

  const RunnerDeps& deps_;
  Finished finished_;
  std::atomic<bool> stopping_{false};
  mutable std::mutex mutex_;
  std::map<RelayedTask*, std::shared_ptr<RelayedTask>> tasks_;
  BackgroundLoop watcher_;
};

}  // namespace vidserve::worker
