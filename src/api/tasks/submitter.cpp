#include "api/tasks/submitter.hpp"

#include "api/wire/error_codes.hpp"

namespace vidserve::api::tasks {

void Submitter::start() {
  {
    std::lock_guard lock(mutex_);
    if (running_) return;
    running_ = true;
  }
  committer_.start();
}

void Submitter::stop() {
  {
    std::lock_guard lock(mutex_);
    if (!running_) return;
    running_ = false;
  }
  committer_.stop();
  commit_queued();  // what was submitted before running_ went false
}

bool Submitter::submit(std::vector<store::TaskRecord> records, Callback done) {
  {
    std::lock_guard lock(mutex_);
    if (!running_) return false;
    queue_.push_back({std::move(records), std::move(done)});
  }
  committer_.wake();
  return true;
}

std::vector<Result<store::TaskRecord>> Submitter::commit(std::vector<store::TaskRecord> records) {
  if (!has_space_ || has_space_()) return tasks_.enqueue_many(std::move(records));
  return std::vector<Result<store::TaskRecord>>(
      records.size(), Error{wire::errc::kInsufficientStorage, "the server's disk is nearly full; retry later."});
}

BackgroundLoop::Next Submitter::commit_queued() {
  std::vector<Group> groups;
  {
    std::lock_guard lock(mutex_);
    groups.swap(queue_);
  }
  if (groups.empty()) return std::nullopt;
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
  return std::nullopt;
}

}  // namespace vidserve::api::tasks
