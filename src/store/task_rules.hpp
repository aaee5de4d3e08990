#pragma once
// The task state machine as checks shared by every TaskStore implementation, so the SQLite store
// and the in-memory fake agree on which operation is allowed in which status.
#include <cstdint>
#include <string_view>

#include "common/result.hpp"
#include "store/task_store.hpp"

namespace vidserve::store::rules {

Error not_found(std::string_view task_uuid);
Error duplicate_external_id(std::string_view external_id);
// enqueue over TaskStore::max_active_per_owner().
Error too_many_queued(std::int64_t limit);
// defer: the task's not_before_ms (a negative delay counts as 0).
std::int64_t defer_until(std::int64_t now_ms, std::int64_t delay_ms);

// A result may be written while the task is not final; index >= 0 and a known status.
Status check_result(const ResultRecord& result);
Status check_put_result(std::string_view task_uuid, TaskStatus current, const ResultRecord& result);

// complete/fail: only from a non-final status.
Status check_finish(std::string_view task_uuid, TaskStatus current);

// cancel: true = move to Cancelled, false = already Cancelled (nothing to do).
Result<bool> check_cancel(std::string_view task_uuid, TaskStatus current);

// renew_lease, set_progress: the task must still be Processing under `worker_id`.
Status check_renew(std::string_view task_uuid, TaskStatus current, std::string_view holder,
                   std::string_view worker_id);

// set_progress: the stored value, 0..100.
int clamp_progress(int percent);

// enqueue: checks identifiers and results, then stamps the fields the store owns
// (status, attempts, lease, error, timestamps) and sorts the results by index.
Status prepare_new_task(TaskRecord& task, std::int64_t now_ms);

}  // namespace vidserve::store::rules
