#include "api/tasks/submitter.hpp"


#include "api/wire/error_codes.hpp"
#include "common/metrics.hpp"
#include "core/task_spec.hpp"
#include "store/error_codes.hpp"
#include "store/task_lifecycle.hpp"

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

bool Submitter::run(std::function<void()> job) {
  {
    std::lock_guard lock(mutex_);
    if (!running_) return false;
    jobs_.push_back(std::move(job));
  }
  committer_.wake();
  return true;
}

std::vector<Result<store::TaskRecord>> Submitter::commit(std::vector<store::TaskRecord> records) {
  if (has_space_ && !has_space_()) {
    return std::vector<Result<store::TaskRecord>>(
        records.size(), Error{wire::errc::kInsufficientStorage, "the server's disk is nearly full; retry later."});
  }
  std::vector<Submitted> submitted;
  submitted.reserve(records.size());
  for (const auto& r : records) submitted.push_back({r.owner, r.task_uuid, r.external_id, r.api, r.request});
  auto results = tasks_.enqueue_many(std::move(records));
  for (std::size_t i = 0; i < results.size() && i < submitted.size(); ++i) {
    if (results[i]) {
      store::note_transition(metrics::transition::kQueued, *results[i]);
      continue;
    }
    if (auto original = resubmitted(submitted[i], results[i].error())) results[i] = std::move(*original);
  }
  return results;
}

std::optional<store::TaskRecord> Submitter::resubmitted(const Submitted& submitted, const Error& duplicate) {
  Result<store::TaskRecord> stored = duplicate;
  if (duplicate.code == store::errc::kDuplicateTaskUUID) {
    stored = tasks_.get(submitted.owner, submitted.task_uuid);
  } else if (duplicate.code == store::errc::kDuplicateExternalId) {
    stored = tasks_.get_by_external_id(submitted.owner, submitted.external_id);
  } else if (duplicate.code == store::errc::kTooManyQueuedTasks) {
    // The cap is counted before the uuid is looked at: a resubmission while the owner is at its
    // cap is still the task it has.
    stored = tasks_.get(submitted.owner, submitted.task_uuid);
    if (!stored && !submitted.external_id.empty())
      stored = tasks_.get_by_external_id(submitted.owner, submitted.external_id);
  } else {
    return std::nullopt;
  }
  if (!stored || stored->api != submitted.api) return std::nullopt;
  const auto first = core::decode_task_spec(stored->request);
  const auto again = core::decode_task_spec(submitted.request);
  if (!first || !again || again->digest.empty() || first->digest != again->digest) return std::nullopt;
  return std::move(stored).value();
}

BackgroundLoop::Next Submitter::commit_queued() {
  std::vector<Group> groups;
  std::vector<std::function<void()>> jobs;
  {
    std::lock_guard lock(mutex_);
    groups.swap(queue_);
    jobs.swap(jobs_);
  }
  for (auto& job : jobs) job();
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
