#include "api/runware/submitter.hpp"

namespace vidserve::api::runware {

void Submitter::start() {
  std::lock_guard lock(mutex_);
  if (running_) return;
  running_ = true;
  thread_ = std::thread([this] { run(); });
}

void Submitter::stop() {
  {
    std::lock_guard lock(mutex_);
    if (!running_) return;
    running_ = false;
  }
  wakeup_.notify_all();
  thread_.join();
}

bool Submitter::submit(std::vector<store::TaskRecord> records, Callback done) {
  {
    std::lock_guard lock(mutex_);
    if (!running_) return false;
    queue_.push_back({std::move(records), std::move(done)});
  }
  wakeup_.notify_one();
  return true;
}

std::vector<Result<store::TaskRecord>> Submitter::commit(std::vector<store::TaskRecord> records) {
  if (!has_space_ || has_space_()) return tasks_.enqueue_many(std::move(records));
  return std::vector<Result<store::TaskRecord>>(
      records.size(), Error{kInsufficientStorage, "the server's disk is nearly full; retry later."});
}

void Submitter::run() {
  for (;;) {
    std::vector<Group> groups;
    {
      std::unique_lock lock(mutex_);
      wakeup_.wait(lock, [this] { return !queue_.empty() || !running_; });
      if (queue_.empty()) return;  // stopped and drained
      groups.swap(queue_);
    }
    std::vector<store::TaskRecord> all;
    for (auto& g : groups) {
      for (auto& r : g.records) all.push_back(std::move(r));
    }
    auto results = commit(std::move(all));
    std::size_t next = 0;
    for (auto& g : groups) {
      std::vector<Result<store::TaskRecord>> mine;
      for (std::size_t i = 0; i < g.records.size(); ++i) mine.push_back(std::move(results[next++]));
      g.done(std::move(mine));
    }
  }
}

}  // namespace vidserve::api::runware
