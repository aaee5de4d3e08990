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
  std::multimap<Key, Waiter> left;
  {
    std::lock_guard lock(mutex_);
    if (!running_) return;
    running_ = false;
    left.swap(waiters_);
  }
  expirer_.stop();
  for (auto& [key, w] : left) w.done(std::nullopt);
}

void CompletionWaiter::wait(const std::string& owner, const std::string& task_uuid,
                            Clock::MonotonicTime deadline, Callback done) {
  {
    std::lock_guard lock(mutex_);
    if (!running_) {
      done(std::nullopt);
      return;
    }
    waiters_.emplace(Key{owner, task_uuid}, Waiter{deadline, std::move(done)});
  }
  // The task may have finished before the waiter was registered.
  finish_if_terminal(Key{owner, task_uuid});
}

void CompletionWaiter::on_task_event(const store::TaskEvent& event) {
  if (event.kind == store::TaskEvent::Kind::Finished) notify(event.owner, event.task_uuid);
}

void CompletionWaiter::notify(const std::string& owner, const std::string& task_uuid) {
  finish_if_terminal(Key{owner, task_uuid});
}

void CompletionWaiter::finish_if_terminal(const Key& key) {
  std::vector<Waiter> ready;
  Result<store::TaskRecord> record = Error{store::errc::kNotFound, ""};
  {
    std::lock_guard lock(mutex_);
    auto [first, last] = waiters_.equal_range(key);
    if (first == last) return;
    record = tasks_.get(key.first, key.second);
    if (record && !store::is_terminal(record->status)) return;
    for (auto it = first; it != last; ++it) ready.push_back(std::move(it->second));
    waiters_.erase(first, last);
  }
  // Every waiter of this owner's task gets the same final record (nothing when it is gone).
  for (auto& w : ready) w.done(record ? std::optional<store::TaskRecord>(*record) : std::nullopt);
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
