#include "common/background_loop.hpp"

#include <utility>

namespace vidserve {

BackgroundLoop::BackgroundLoop(Step step, TimedWait timed_wait)
    : step_(std::move(step)), timed_wait_(std::move(timed_wait)) {}

BackgroundLoop::BackgroundLoop(std::chrono::milliseconds period, std::function<void()> step)
    : step_([period, step = std::move(step)]() -> Next {
        step();
        return period;
      }),
      first_wait_(period) {}

void BackgroundLoop::start() {
  std::lock_guard thread_lock(thread_mutex_);
  if (thread_.joinable()) return;
  std::lock_guard lock(mutex_);  // the new thread waits for it, so loop_id_ is set before any step
  stopping_ = false;
  thread_ = std::thread([this] { run(); });
  loop_id_ = thread_.get_id();
}

void BackgroundLoop::wake() {
  {
    std::lock_guard lock(mutex_);
    woken_ = true;
  }
  wakeup_.notify_one();
}

void BackgroundLoop::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    if (std::this_thread::get_id() == loop_id_) return;  // from a step: run() ends after it
  }
  wakeup_.notify_all();
  std::lock_guard thread_lock(thread_mutex_);
  if (!thread_.joinable()) return;
  thread_.join();
  std::lock_guard lock(mutex_);
  loop_id_ = {};  // ids are reused: a later thread with this one's id is not the loop
}

bool BackgroundLoop::wait_turn(std::unique_lock<std::mutex>& lock, Next next) {
  const auto ready = [this] { return woken_ || stopping_; };
  if (!next) {
    wakeup_.wait(lock, ready);
  } else if (timed_wait_ && next->count() > 0 && !ready()) {
    lock.unlock();
    timed_wait_(*next);
    lock.lock();
  } else {
    wakeup_.wait_for(lock, *next, ready);
  }
  woken_ = false;
  return !stopping_;
}

void BackgroundLoop::run() {
  std::unique_lock lock(mutex_);
  Next next = first_wait_;
  while (wait_turn(lock, next)) {
    lock.unlock();
    next = step_();
    lock.lock();
  }
}

}  // namespace vidserve
