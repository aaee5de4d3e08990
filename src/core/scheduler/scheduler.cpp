#include "core/scheduler/scheduler.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <unistd.h>

namespace vidserve::core {

Scheduler::Scheduler(RunnerDeps deps, SchedulerOptions options) : deps_(std::move(deps)), options_(options) {}

Scheduler::~Scheduler() { stop(); }

void Scheduler::start() {
  if (running_.exchange(true)) return;
  for (int i = 0; i < options_.concurrency; ++i) threads_.emplace_back([this, i] { work(i); });
}

void Scheduler::stop() {
  if (!running_.exchange(false)) return;
  { std::lock_guard lock(mutex_); }  // a worker between its check of running_ and its wait gets the notice
  wakeup_.notify_all();
  stopping_.notify_all();
  for (auto& t : threads_) t.join();
  threads_.clear();
}

void Scheduler::wake() {
  {
    std::lock_guard lock(mutex_);
    ++pending_wakes_;
  }
  wakeup_.notify_one();
}

void Scheduler::pause(std::int64_t ms) {
  std::unique_lock lock(mutex_);
  stopping_.wait_for(lock, std::chrono::milliseconds(ms), [this] { return !running_; });
}

void Scheduler::log_claim_failure(const Error& error) {
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::steady_clock::now().time_since_epoch()).count();
  const auto left_out = claim_log_.admit(now);
  if (!left_out) return;
  std::fprintf(stderr, "vidserve: claiming a task failed: %s%s\n", error.message.c_str(),
               *left_out ? (" (" + std::to_string(*left_out) + " similar lines left out)").c_str() : "");
}

void Scheduler::work(int index) {
  const std::string worker_id = "pid" + std::to_string(::getpid()) + "-w" + std::to_string(index);
  int failures = 0;  // consecutive failed claims
  while (running_) {
    auto claimed = deps_.tasks.claim_next(worker_id, deps_.lease_ms);
    if (!claimed) {
      log_claim_failure(claimed.error());
      const int doublings = std::min(failures++, 16);
      pause(std::min(options_.poll_ms << doublings, options_.max_backoff_ms));
      continue;
    }
    failures = 0;
    if (*claimed) {
      const auto outcome = run_task(deps_, **claimed, worker_id);
      if (outcome.deferred_ms) pause(std::min(*outcome.deferred_ms, options_.max_storage_pause_ms));
      continue;
    }
    std::unique_lock lock(mutex_);
    wakeup_.wait_for(lock, std::chrono::milliseconds(options_.poll_ms),
                     [this] { return !running_ || pending_wakes_ > 0; });
    if (pending_wakes_ > 0) --pending_wakes_;
  }
}

}  // namespace vidserve::core
