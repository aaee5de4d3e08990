#include "core/scheduler/scheduler.hpp"

#include <chrono>
#include <cstdio>
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
  wakeup_.notify_all();
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

void Scheduler::work(int index) {
  const std::string worker_id = "pid" + std::to_string(::getpid()) + "-w" + std::to_string(index);
  while (running_) {
    auto claimed = deps_.tasks.claim_next(worker_id, deps_.lease_ms);
    if (claimed && *claimed) {
      run_task(deps_, **claimed, worker_id);
      continue;
    }
    if (!claimed) std::fprintf(stderr, "vidserve: claiming a task failed: %s\n", claimed.error().message.c_str());
    std::unique_lock lock(mutex_);
    wakeup_.wait_for(lock, std::chrono::milliseconds(options_.poll_ms),
                     [this] { return !running_ || pending_wakes_ > 0; });
    if (pending_wakes_ > 0) --pending_wakes_;
  }
}

}  // namespace vidserve::core
