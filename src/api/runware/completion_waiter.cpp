#include "api/runware/completion_waiter.hpp"

#include <vector>

namespace vidserve::api::runware {

void CompletionWaiter::start() {
  std::lock_guard lock(mutex_);
  if (running_) return;
  running_ = true;
  expirer_.start();
}

void CompletionWaiter::stop() {
  std::multimap<std::string, Waiter> left;
  {
    std::lock_guard lock(mutex_);
    if (!running_) return;
    running_ = false;
    left.swap(waiters_);
  }
  expirer_.stop();
  for (auto& [uuid, w] : left) w.done(std::nullopt);
}

void CompletionWaiter::wait(const std::string& owner, const std::string& task_uuid,
                            Clock::MonotonicTime deadline, Callback done) {
  {
    std::lock_guard lock(mutex_);
    if (!running_) {
      done(std::nullopt);
      return;
    }
    waiters_.emplace(task_uuid, Waiter{owner, deadline, std::move(done)});
  }
  // The task may have finished before the waiter was registered.
  finish_if_terminal(task_uuid);
}

void CompletionWaiter::notify(const std::string& task_uuid) { finish_if_terminal(task_uuid); }

void CompletionWaiter::finish_if_terminal(const std::string& task_uuid) {
  std::vector<Waiter> ready;
  {
    std::lock_guard lock(mutex_);
    auto [first, last] = waiters_.equal_range(task_uuid);
    if (first == last) return;
    auto record = tasks_.get(first->second.owner, task_uuid);
    if (record && !store::is_terminal(record->status)) return;
    for (auto it = first; it != last; ++it) ready.push_back(std::move(it->second));
    waiters_.erase(first, last);
  }
  for (auto& w : ready) {
    auto record = tasks_.get(w.owner, task_uuid);
    w.done(record ? std::optional<store::TaskRecord>(std::move(record).value()) : std::nullopt);
  }
}

void CompletionWaiter::expire() {
  std::vector<Waiter> expired;
  {
    std::lock_guard lock(mutex_);
    const auto now = clock_.monotonic();
    for (auto it = waiters_.begin(); it != waiters_.end();) {
      if (it->second.deadline <= now) {
        expired.push_back(std::move(it->second));
        it = waiters_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (auto& w : expired) w.done(std::nullopt);
}

}  // namespace vidserve::api::runware
