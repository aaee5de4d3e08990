#pragma once
// TaskStore: the durable queue and record of every accepted task.
//
// The API layer enqueues a task (and only then acknowledges it), workers claim it under a lease,
// write results and complete or fail it; clients read it back with get/list. Request and result
// payloads are opaque byte strings serialised by the caller: no JSON or HTTP type appears here.
//
// Implementations: SqliteTaskStore (embedded default, durable) and MemoryTaskStore (fake for
// unit tests of other modules). Both pass the same contract suite (tests/unit/store).
// Every method is thread-safe and reports failures as values, never by throwing.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace vidserve::store {

// Stable error codes (Error::code) produced by the stores.
namespace errc {
inline constexpr const char* kNotFound = "notFound";
inline constexpr const char* kDuplicateTaskUUID = "duplicateTaskUUID";
// enqueue: the owner already has a task with this external_id.
inline constexpr const char* kDuplicateExternalId = "duplicateExternalId";
inline constexpr const char* kStorage = "storage";
// The database could not grow: the disk (or the quota) is full. Same code as io_errc::kStorageFull.
inline constexpr const char* kStorageFull = "storageFull";
// The operation is not allowed in the task's current status, e.g. completing a cancelled task.
inline constexpr const char* kInvalidState = "invalidState";
// renew_lease, set_progress: the task is no longer processing under this worker (expired and
// reclaimed).
inline constexpr const char* kLeaseLost = "leaseLost";
// renew_lease, set_progress: the task was cancelled while the worker held it; it should stop.
inline constexpr const char* kCancelled = "cancelled";
inline constexpr const char* kInvalidArgument = "invalidArgument";
// enqueue: the owner already has max_active_per_owner() tasks Queued or Processing.
inline constexpr const char* kTooManyQueuedTasks = "tooManyQueuedTasks";
}  // namespace errc

enum class TaskStatus { Queued, Processing, Success, Error, Cancelled };

// "queued", "processing", "success", "error", "cancelled".
std::string_view to_string(TaskStatus status);
std::optional<TaskStatus> parse_task_status(std::string_view text);
// Success, Error and Cancelled are final: no operation moves a task out of them.
bool is_terminal(TaskStatus status);

struct ResultRecord {
  int index = 0;           // 0-based position among the task's results (numberResults)
  std::string media_uuid;  // stable id of the produced media (e.g. videoUUID)
  std::string status;      // "processing" | "success" | "error"
  std::string payload;     // opaque, chosen by the caller (serialised result fields)

  bool operator==(const ResultRecord&) const = default;
};

struct TaskRecord {
  std::string task_uuid;  // the client's id, unique per owner (see enqueue)
  // The store's id for the task, unique across owners, set by enqueue: what a worker passes to
  // renew_lease, defer, set_progress, put_result, complete and fail. Equal to task_uuid unless
  // another owner had used that uuid first; never shown to clients.
  std::string key;
  std::string owner;      // API key id; a key sees only its own tasks
  std::string task_type;
  std::string model;
  // Which front-end created the task (e.g. "runware", "kling:text2video", "apimart"), so each API
  // lists and reads back its own tasks. Opaque to the store; "" on tasks stored before it existed.
  std::string api;
  // The client's own id for the task (Kling's external_task_id); unique per owner when not "".
  std::string external_id;
  std::string request;  // opaque, serialised by the caller; may hold any bytes
  TaskStatus status = TaskStatus::Queued;
  int attempts = 0;  // number of times a worker claimed the task
  std::string error_code, error_message;
  std::string worker_id;              // lease holder while Processing, empty otherwise
  std::int64_t lease_expires_ms = 0;  // while Processing; 0 otherwise
  std::int64_t created_ms = 0, updated_ms = 0;
  // How far the task is, 0..100: written by the worker through set_progress while it runs, 100
  // once complete. Kept as it was by claim, requeue, fail and cancel (a retried task starts from
  // the value of its previous attempt until its worker reports again). 0 when enqueued.
  int progress = 0;
  // Queued only: the task is not claimed before this time (set by defer); 0 otherwise.
  std::int64_t not_before_ms = 0;
  std::vector<ResultRecord> results;  // ordered by index

  bool operator==(const TaskRecord&) const = default;
};

// The key of a task whose uuid another owner used first: unambiguous for any owner and uuid
// (the owner's length comes first), and never a plain UUID.
std::string scoped_task_key(std::string_view owner, std::string_view task_uuid);

class TaskStore {
 public:
  virtual ~TaskStore() = default;

  // Stores a new Queued task and returns it as stored. The store stamps status=Queued,
  // attempts=0, created_ms=updated_ms=now and clears error/lease fields; `results` given here
  // are stored too (e.g. "processing" placeholders with pre-assigned media uuids).
  // Returns only once the task is durable (SqliteTaskStore: committed with synchronous=FULL).
  // task_uuid is unique per owner: reusing one of the owner's -> "duplicateTaskUUID"; another
  // owner's uuid is independent and reveals nothing (the task gets scoped_task_key as its key). When the owner
  // already has max_active_per_owner() tasks Queued or Processing -> "tooManyQueuedTasks"; the
  // count and the insert are one transaction, so concurrent enqueues never pass the limit.
  virtual Result<TaskRecord> enqueue(TaskRecord task) = 0;

  // Stores several tasks at once; each gets its own result, in order, as enqueue() would give it.
  // SqliteTaskStore commits them in one transaction (one fsync). The default calls enqueue().
  virtual std::vector<Result<TaskRecord>> enqueue_many(std::vector<TaskRecord> tasks);

  // "notFound" when the task does not exist or belongs to another owner.
  virtual Result<TaskRecord> get(std::string_view owner, std::string_view task_uuid) = 0;

  // Atomically takes one claimable task, moves it to Processing, increments attempts, sets the
  // lease to now + lease_ms for worker_id and clears not_before_ms. nullopt when there is nothing
  // to do. Claimable: Queued with not_before_ms <= now, or Processing with an expired lease.
  // Claims are fair across owners (round-robin): among the owners with a claimable task, the one
  // whose latest claim is the oldest (an owner never claimed from comes first; between several
  // such owners, the one with the oldest claimable task), then that owner's oldest claimable task
  // (by created_ms, then enqueue order). One owner's backlog thus delays another owner's next task
  // by at most one claim per busy owner. SqliteTaskStore keeps a claim O(log n) in the number of
  // queued tasks (linear in the number of owners with tasks in flight).
  // Claims, lease renewals, deferrals and put_result need not survive a power failure (the task
  // would just run again); enqueue, complete, fail and cancel must.
  virtual Result<std::optional<TaskRecord>> claim_next(std::string_view worker_id,
                                                       std::int64_t lease_ms) = 0;

  // Extends the lease to now + lease_ms. "leaseLost" when the task is not Processing under
  // worker_id any more, "cancelled" when it was cancelled (the worker should stop).
  virtual Status renew_lease(std::string_view key, std::string_view worker_id,
                             std::int64_t lease_ms) = 0;

  // Processing under worker_id -> Queued, not claimable before now + delay_ms (a negative delay
  // counts as 0): for a task that cannot run now but will later, e.g. while the disk is full.
  // Lease cleared; attempts, progress and results kept. Same checks as renew_lease ("leaseLost",
  // "cancelled", "notFound").
  virtual Status defer(std::string_view key, std::string_view worker_id,
                       std::int64_t delay_ms) = 0;

  // Stores the task's progress, clamped to 0..100. Same checks as renew_lease: "leaseLost" unless
  // the task is Processing under worker_id, "cancelled" when it was cancelled. Like a lease
  // renewal it need not survive a power failure. Stamps updated_ms, leaves the lease alone.
  virtual Status set_progress(std::string_view key, std::string_view worker_id,
                              int percent) = 0;

  // Inserts or replaces the result with the same index. Allowed while Queued or Processing.
  virtual Status put_result(std::string_view key, ResultRecord result) = 0;

  // Queued|Processing -> Success / Error; "invalidState" from a final status. complete() also
  // sets progress to 100; fail() keeps it.
  virtual Status complete(std::string_view key) = 0;
  virtual Status fail(std::string_view key, std::string_view code,
                      std::string_view message) = 0;

  // Queued|Processing -> Cancelled (idempotent when already Cancelled); "invalidState" after
  // Success/Error; "notFound" for another owner's task.
  virtual Status cancel(std::string_view owner, std::string_view task_uuid) = 0;

  // At start-up of the only process working this store: every Processing task goes back to
  // Queued (lease cleared; attempts, progress and already written results kept). Returns how many.
  // With several worker processes on one store rely on lease expiry instead.
  virtual Result<std::int64_t> requeue_interrupted() = 0;

  // Number of tasks per status; every status is present (0 when none).
  virtual Result<std::map<TaskStatus, std::int64_t>> count_by_status() = 0;

  // "notFound" unless the owner has a task with this (non-empty) external_id.
  virtual Result<TaskRecord> get_by_external_id(std::string_view owner, std::string_view external_id) = 0;

  // Retention. A finished task (Success, Error, Cancelled) last updated before a cutoff.
  struct FinishedTask {
    std::string owner, task_uuid;
    bool operator==(const FinishedTask&) const = default;
  };
  // Up to `limit` finished tasks with updated_ms < updated_before_ms, least recently updated
  // first. The caller deletes what belongs to them elsewhere (media), then remove_finished().
  virtual Result<std::vector<FinishedTask>> finished_before(std::int64_t updated_before_ms,
                                                            std::size_t limit) = 0;
  // Deletes these tasks with their results; a task that is missing, belongs to another owner or
  // is not finished is skipped. Returns how many were deleted. Durable, like complete().
  virtual Result<std::int64_t> remove_finished(const std::vector<FinishedTask>& tasks) = 0;

  // At most this many Queued + Processing tasks per owner; enqueue refuses more with
  // "tooManyQueuedTasks". 0 (the default) means no limit.
  void set_max_active_per_owner(std::int64_t limit) { max_active_per_owner_.store(limit); }
  std::int64_t max_active_per_owner() const { return max_active_per_owner_.load(); }

  struct ListQuery {
    std::size_t limit = 30;
    std::size_t offset = 0;
    std::string api;  // only tasks created through this front-end; "" = all
  };
  // The owner's tasks, newest first.
  virtual Result<std::vector<TaskRecord>> list(std::string_view owner, const ListQuery& query) = 0;
  Result<std::vector<TaskRecord>> list(std::string_view owner, std::size_t limit, std::size_t offset) {
    return list(owner, ListQuery{limit, offset, {}});
  }

 private:
  std::atomic<std::int64_t> max_active_per_owner_{0};
};

}  // namespace vidserve::store
