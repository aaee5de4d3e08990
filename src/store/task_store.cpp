#include "store/task_store.hpp"

#include <algorithm>
#include <array>
#include <string>

#include "store/task_rules.hpp"

namespace vidserve::store {

namespace {
constexpr std::array<std::string_view, 5> kStatusNames = {"queued", "processing", "success",
                                                          "error", "cancelled"};

std::string quoted(std::string_view s) {
  return "'" + std::string(s) + "'";
}
}  // namespace

std::string_view to_string(TaskStatus status) {
  return kStatusNames.at(static_cast<std::size_t>(status));
}

std::optional<TaskStatus> parse_task_status(std::string_view text) {
  for (std::size_t i = 0; i < kStatusNames.size(); ++i) {
    if (kStatusNames[i] == text) return static_cast<TaskStatus>(i);
  }
  return std::nullopt;
}

bool is_terminal(TaskStatus status) {
  return status == TaskStatus::Success || status == TaskStatus::Error ||
         status == TaskStatus::Cancelled;
}

namespace rules {

Error not_found(std::string_view task_uuid) {
  return Error{errc::kNotFound, "no task with taskUUID " + quoted(task_uuid)};
}

Error duplicate_external_id(std::string_view external_id) {
  return Error{errc::kDuplicateExternalId, "external id " + quoted(external_id) + " is already in use"};
}

Error duplicate_task_uuid(std::string_view task_uuid) {
  return Error{errc::kDuplicateTaskUUID, "taskUUID " + quoted(task_uuid) + " is already used by this owner"};
}

Error too_many_queued(std::int64_t limit) {
  return Error{errc::kTooManyQueuedTasks,
               "this API key already has " + std::to_string(limit) +
                   " tasks queued or processing (the limit); wait for some to finish"};
}

std::int64_t defer_until(std::int64_t now_ms, std::int64_t delay_ms) {
  return now_ms + std::max<std::int64_t>(0, delay_ms);
}

Status check_result(const ResultRecord& result) {
  if (result.index < 0) {
    return Error{errc::kInvalidArgument,
                 "result index must be >= 0, got " + std::to_string(result.index)};
  }
  if (result.status != "processing" && result.status != "success" && result.status != "error") {
    return Error{
        errc::kInvalidArgument,
        "result status must be processing, success or error, got " + quoted(result.status)};
  }
  return Ok{};
}

Result<bool> check_cancel(std::string_view task_uuid, TaskStatus current) {
  if (current == TaskStatus::Cancelled) return false;
  if (is_terminal(current)) {
    return Error{errc::kInvalidState, "task " + quoted(task_uuid) + " is already " +
                                          std::string(to_string(current)) +
                                          " and cannot be cancelled"};
  }
  return true;
}

Status check_claim(TaskStatus current, std::string_view holder, int attempts, const Claim& claim) {
  const auto& key = claim.key;
  if (current == TaskStatus::Cancelled) {
    return Error{errc::kCancelled, "task " + quoted(key) + " was cancelled"};
  }
  if (is_terminal(current)) {
    return Error{errc::kInvalidState, "task " + quoted(key) + " is already " + std::string(to_string(current))};
  }
  if (current != TaskStatus::Processing || holder != claim.worker_id || attempts != claim.attempt) {
    return Error{errc::kLeaseLost, "worker " + quoted(claim.worker_id) + " no longer holds task " + quoted(key) +
                                       " (attempt " + std::to_string(claim.attempt) + "; now " +
                                       std::string(to_string(current)) +
                                       (holder.empty() ? "" : ", attempt " + std::to_string(attempts) +
                                                                  " held by " + quoted(holder)) +
                                       ")"};
  }
  return Ok{};
}

Status check_provider_state(std::string_view state) {
  if (state.size() > kMaxProviderStateBytes) {
    return Error{errc::kInvalidArgument, "provider state of " + std::to_string(state.size()) +
                                             " bytes is over the limit of " +
                                             std::to_string(kMaxProviderStateBytes)};
  }
  return Ok{};
}

Error no_result(std::string_view key, int index) {
  return Error{errc::kInvalidArgument, "task " + quoted(key) + " has no result " + std::to_string(index)};
}

int clamp_progress(int percent) {
  return std::clamp(percent, 0, 100);
}

Status prepare_new_task(TaskRecord& task, std::int64_t now_ms) {
  if (task.task_uuid.empty()) return Error{errc::kInvalidArgument, "task_uuid is empty"};
  if (task.owner.empty()) return Error{errc::kInvalidArgument, "owner is empty"};
  std::sort(task.results.begin(), task.results.end(),
            [](const ResultRecord& a, const ResultRecord& b) { return a.index < b.index; });
  for (std::size_t i = 0; i < task.results.size(); ++i) {
    if (auto ok = check_result(task.results[i]); !ok) return ok;
    task.results[i].provider_state.clear();
    if (i > 0 && task.results[i].index == task.results[i - 1].index) {
      return Error{errc::kInvalidArgument,
                   "two results with index " + std::to_string(task.results[i].index)};
    }
  }
  task.status = TaskStatus::Queued;
  task.attempts = 0;
  task.error_code.clear();
  task.error_message.clear();
  task.worker_id.clear();
  task.lease_expires_ms = 0;
  task.progress = 0;
  task.not_before_ms = 0;
  task.created_ms = now_ms;
  task.updated_ms = now_ms;
  return Ok{};
}

}  // namespace rules

Result<TaskRecord> TaskRepository::get_brief(std::string_view owner, std::string_view task_uuid) {
  auto task = get(owner, task_uuid);
  if (task) task->request.clear();
  return task;
}

std::vector<Result<TaskRecord>> TaskRepository::enqueue_many(std::vector<TaskRecord> tasks) {
  std::vector<Result<TaskRecord>> results;
  results.reserve(tasks.size());
  for (auto& t : tasks) results.push_back(enqueue(std::move(t)));
  return results;
}

Claim claim_of(const TaskRecord& task) {
  return Claim{task.key, task.worker_id, task.attempts};
}

std::string scoped_task_key(std::string_view owner, std::string_view task_uuid) {
  return std::to_string(owner.size()) + ":" + std::string(owner) + ":" + std::string(task_uuid);
}

}  // namespace vidserve::store
