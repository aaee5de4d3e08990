#include "fetch/fetch_pool.hpp"

#include <algorithm>

namespace vidserve::fetch {

FetchPool::FetchPool(FetchPoolOptions options) : options_(options) {
  options_.threads = std::max(1, options_.threads);
  options_.per_host = std::max<std::size_t>(1, options_.per_host);
}

void FetchPool::start() {
  std::lock_guard lock(mutex_);
  if (accepting_ || stopping_.load() || !threads_.empty()) return;  // running, or stopped for good
  accepting_ = true;
  for (int i = 0; i < options_.threads; ++i) threads_.emplace_back([this] { work(); });
}

void FetchPool::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_.load()) return;
    accepting_ = false;
    stopping_.store(true);
  }
  stopping_.notify_all();  // jobs (or tests' fake transfers) waiting on the flag
  wakeup_.notify_all();
  for (auto& t : threads_) t.join();
  threads_.clear();
}

Status FetchPool::submit(std::string host, Job job) {
  {
    std::lock_guard lock(mutex_);
    if (!accepting_) {
      return Error{errc::kFetchCancelled, "the server is stopping; retry shortly."};
    }
    if (queue_.size() >= options_.max_queued) {
      return Error{errc::kFetchBusy, "too many fetches are waiting (" +
                                                std::to_string(options_.max_queued) +
                                                "); retry shortly."};
    }
    const auto waiting = queued_per_host_.find(host);
    if (waiting != queued_per_host_.end() && waiting->second >= options_.max_queued_per_host) {
      return Error{errc::kFetchBusy, "too many fetches from this host are waiting (" +
                                                std::to_string(options_.max_queued_per_host) +
                                                "); retry shortly."};
    }
    ++queued_per_host_[host];
    queue_.push_back({std::move(host), std::move(job)});
  }
  wakeup_.notify_one();
  return Ok{};
}

std::deque<FetchPool::Queued>::iterator FetchPool::runnable() {
  return std::find_if(queue_.begin(), queue_.end(), [this](const Queued& q) {
    const auto it = running_per_host_.find(q.host);
    return it == running_per_host_.end() || it->second < options_.per_host;
  });
}

void FetchPool::work() {
  std::unique_lock lock(mutex_);
  for (;;) {
    auto next = queue_.end();
    wakeup_.wait(lock, [&] {
      next = runnable();
      return next != queue_.end() || (!accepting_ && queue_.empty());
    });
    if (next == queue_.end()) return;  // stopped and drained
    Queued item = std::move(*next);
    queue_.erase(next);
    if (--queued_per_host_[item.host] == 0) queued_per_host_.erase(item.host);
    ++running_per_host_[item.host];
    ++running_;
    lock.unlock();
    item.job();
    item.job = nullptr;  // whatever it captured is released outside the lock
    lock.lock();
    --running_;
    if (--running_per_host_[item.host] == 0) running_per_host_.erase(item.host);
    // A job of this host may be runnable now, and stop() may be waiting for the queue to drain.
    wakeup_.notify_all();
  }
}

FetchPool::Counts FetchPool::counts() const {
  std::lock_guard lock(mutex_);
  return {running_, queue_.size()};
}

}  // namespace vidserve::fetch
