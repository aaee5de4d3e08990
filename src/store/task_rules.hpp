#pragma once
// The task state machine as checks shared by every TaskStore implementation, so the SQLite store
// and the in-memory fake agree on which operation is allowed in which status.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "store/task_store.hpp"
#include "store/webhook_outbox.hpp"

namespace vidserve::store::rules {

Error not_found(std::string_view task_uuid);
Error duplicate_external_id(std::string_view external_id);
// enqueue: the owner already has a task with this uuid.
Error duplicate_task_uuid(std::string_view task_uuid);
// enqueue over TaskStore::max_active_per_owner().
Error too_many_queued(std::int64_t limit);
// defer: the task's not_before_ms (a negative delay counts as 0).
std::int64_t defer_until(std::int64_t now_ms, std::int64_t delay_ms);

// What a state transition needs to know about a stored task, without reading the (possibly
// large) request: what the database stores read before they write.
struct TaskState {
  std::string owner;
  TaskStatus status = TaskStatus::Queued;
  std::string worker_id;
  int attempts = 0;
  std::string task_uuid;  // the client's uuid
  std::string webhook_url;
  unsigned webhook_events = 0;
};

// A result's index >= 0 and a known status.
Status check_result(const ResultRecord& result);

// cancel: true = move to Cancelled, false = already Cancelled (nothing to do).
Result<bool> check_cancel(std::string_view task_uuid, TaskStatus current);

// Every TaskQueue write: the task must still be Processing under this claim's worker id and
// attempt (see Claim). "cancelled", "invalidState" (Success/Error) or "leaseLost" otherwise.
Status check_claim(TaskStatus current, std::string_view holder, int attempts, const Claim& claim);

// save_provider_state: at most kMaxProviderStateBytes.
Status check_provider_state(std::string_view state);
// save_provider_state of a result index the task does not have.
Error no_result(std::string_view key, int index);

// set_progress: the stored value, 0..100.
int clamp_progress(int percent);

// enqueue: checks identifiers and results, then stamps the fields the store owns
// (status, attempts, lease, error, timestamps) and sorts the results by index.
Status prepare_new_task(TaskRecord& task, std::int64_t now_ms);

// The outbox row a task gets when it reaches `event` (a kWebhook* bit), or nullopt when it has no
// webhook URL or does not want that event. Due now, with a new id ("msg_" + uuid).
std::optional<OutboxMessage> outbox_row(std::string_view owner, std::string_view key, std::string_view task_uuid,
                                        std::string_view url, unsigned wanted, unsigned event, std::int64_t now_ms);
// render() without bodies.
Error no_bodies(std::string_view id);
// render() of `message` into several bodies: the messages after it, one per bodies[i] for i >= 1,
// each rendered, with the id `message.id + "_" + i`, due at once (due_ms = its created_ms).
std::vector<OutboxMessage> further_parts(const OutboxMessage& message,
                                         const std::vector<std::string>& bodies);
// An outbox message that does not exist.
Error no_message(std::string_view id);

}  // namespace vidserve::store::rules
