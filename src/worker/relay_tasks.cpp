#include "worker/relay_tasks.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "common/error_codes.hpp"

namespace vidserve::worker {

namespace {

// The task is no longer ours (cancelled, claimed again): anything but a storage hiccup.
bool fenced_out(const Error& e) {
  return e.code != store::errc::kStorage && e.code != store::errc::kStorageFull;
}

}  // namespace

// What the engine sees of a relayed task: update() and cancelled() only touch atomics (the
// engine calls them on its event loop); the watch step does the store work.
class RelayProgress final : public engine::Progress {
 public:
  RelayProgress(const RunnerDeps& deps, const PreparedTask& prepared, const std::atomic<bool>& stopping)
      : deps_(deps),
        prepared_(prepared),
        stopping_(stopping),
        results_(std::max<int>(1, static_cast<int>(prepared.task.results.size()))),
        stored_percent_(prepared.task.progress) {}

  void begin_result(int index) {
    index_ = index;
    fraction_ = 0;
  }
  void update(double fraction) override { fraction_.store(fraction); }
  bool cancelled() const override {
    return cancel_.load() || stopping_.load() || (deps_.hand_back != nullptr && deps_.hand_back->load());
  }
  Status save_provider_state(std::string state) override {
    auto saved = deps_.tasks.save_provider_state(prepared_.claim, index_.load(), std::move(state));
    if (!saved && fenced_out(saved.error())) cancel_ = true;
    return saved;
  }

  // The watch step: stores the percent when it changed, else asks whether the task is still held.
  void watch() {
    if (cancel_.load()) return;
    const double fraction = fraction_.load();
    if (fraction >= 0) {
      const double done = index_.load() + std::min(fraction, 1.0);
      const int percent = std::clamp(static_cast<int>(std::lround(100 * done / results_)), 0, 99);
      if (percent != stored_percent_) {
        auto stored = deps_.tasks.set_progress(prepared_.claim, percent);
        if (stored) {
          stored_percent_ = percent;
          publish_progress(deps_, prepared_.task, percent);
          return;
        }
        if (fenced_out(stored.error())) cancel_ = true;
        return;
      }
    }
    auto held = deps_.tasks.check_held(prepared_.claim);
    if (!held && fenced_out(held.error())) cancel_ = true;
  }

 private:
  const RunnerDeps& deps_;
  const PreparedTask& prepared_;
  const std::atomic<bool>& stopping_;
  const int results_;
  int stored_percent_;  // the watch thread only
  std::atomic<int> index_{0};
  std::atomic<double> fraction_{0};
  std::atomic<bool> cancel_{false};
};

RelayTasks::RelayTasks(const RunnerDeps& deps, Finished finished, std::chrono::milliseconds watch_every)
    : deps_(deps), finished_(std::move(finished)), watcher_(watch_every, [this] { watch(); }) {}

RelayTasks::~RelayTasks() { stop(); }

void RelayTasks::start() { watcher_.start(); }

void RelayTasks::stop() { watcher_.stop(); }

void RelayTasks::cancel_all() { stopping_ = true; }

std::size_t RelayTasks::count() const {
  std::lock_guard lock(mutex_);
  return tasks_.size();
}

void RelayTasks::watch() {
  std::vector<std::shared_ptr<RelayedTask>> tasks;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [key, task] : tasks_) tasks.push_back(task);
  }
  for (const auto& task : tasks) task->progress->watch();
}

std::optional<RunOutcome> RelayTasks::begin(std::shared_ptr<PreparedTask> prepared, const Status& fetched) {
  if (auto ended = before_rendering(deps_, *prepared, fetched)) return ended;
  auto task = std::make_shared<RelayedTask>();
  task->prepared = std::move(prepared);
  task->progress = std::make_unique<RelayProgress>(deps_, *task->prepared, stopping_);
  {
    std::lock_guard lock(mutex_);
    tasks_[task.get()] = task;
  }
  return advance(task);
}

std::optional<RunOutcome> RelayTasks::advance(const std::shared_ptr<RelayedTask>& task) {
  auto& p = *task->prepared;
  const auto& results = p.task.results;
  while (task->next_result < results.size()) {
    const auto& result = results[task->next_result++];
    if (result.status == "success") continue;  // done before a restart: never rendered twice
    if (stopping_) {
      abandon(task);
      return RunOutcome{};
    }
    if (!hold_before_result(deps_, p, task->first)) return ended(task, {});
    task->first = false;
    auto staged = stage_job(deps_, p.task, p.decoded, p.inputs, result);
    if (!staged) return ended(task, stopped(deps_, p, staged.error()));
    task->current = std::move(staged).value();
    task->out.reset();
    task->progress->begin_result(result.index);
    // `done` may run before start() returns, on any thread: nothing here touches `task` after it.
    p.engine->start(task->current->job, *task->progress, [this, task](Result<engine::Output> out) {
      task->out = std::move(out);
      finished_(task);
    });
    return std::nullopt;
  }
  return ended(task, complete_task(deps_, p));
}

std::optional<RunOutcome> RelayTasks::resume(const std::shared_ptr<RelayedTask>& task) {
  auto& p = *task->prepared;
  auto out = std::move(*task->out);
  task->out.reset();
  // The server stops: a job the stop cancelled is left for a later attempt (its provider state
  // lets it resume), not failed.
  if (stopping_ && !out && out.error().code == vidserve::errc::kTaskCancelled) {
    abandon(task);
    return RunOutcome{};
  }
  auto recorded = record_result(deps_, *p.engine, p.claim, p.task, p.decoded, *task->current, std::move(out));
  task->current.reset();
  if (!recorded) return ended(task, stopped(deps_, p, recorded.error()));
  return advance(task);
}

void RelayTasks::abandon(const std::shared_ptr<RelayedTask>& task) {
  if (task->current) deps_.media.discard(task->current->staged);
  task->current.reset();
  if (deps_.hand_back != nullptr) {
    hand_back(deps_, task->prepared->claim);
    drop_media_if_cancelled(deps_, *task->prepared);
  }
  std::lock_guard lock(mutex_);
  tasks_.erase(task.get());
}

std::optional<RunOutcome> RelayTasks::ended(const std::shared_ptr<RelayedTask>& task, RunOutcome outcome) {
  std::lock_guard lock(mutex_);
  tasks_.erase(task.get());
  return outcome;
}

}  // namespace vidserve::worker
