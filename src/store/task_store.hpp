#pragma once
// TaskStore: the durable queue and record of every accepted task, in two interfaces.
//
// TaskRepository (front-ends): enqueue a task (and only then acknowledge it), read it back with
// get/list, cancel it. TaskQueue (workers): claim a task under a lease, write progress, results
// and provider state, complete or fail it; every write carries the worker's Claim and is refused
// once another claim took over (fencing). TaskStore is both, for the code that wires them up.
// Request and result payloads are opaque byte strings serialised by the caller: no JSON or HTTP
// type appears here.
//
// Implementations: SqliteTaskStore (embedded default, durable), PgTaskStore (PostgreSQL, shared
// by several processes), MemoryTaskStore (fake); all pass one contract suite (tests/unit/store).
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
#include "store/error_codes.hpp"

namespace vidserve::store {

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
  // What the engine saved for this result (TaskQueue::save_provider_state), e.g. the provider's
  // task id, at most kMaxProviderStateBytes; "" when nothing was saved.
  std::string provider_state = {};

  bool operator==(const ResultRecord&) const = default;
};

struct TaskRecord {
  std::string task_uuid;  // the client's id, unique per owner (see enqueue)
  // The store's id for the task, unique across owners, set by enqueue: what a worker's Claim
  // names (see TaskQueue). Equal to task_uuid unless another owner had used that uuid first;
  // never shown to clients.
  std::string key;
  std::string owner;      // API key id; a key sees only its own tasks
  std::string task_type;
  std::string model;
  // Which front-end created the task (e.g. "runware", "kling:text2video", "apimart"), so each API
  // lists and reads back its own tasks. Opaque to the store; "" on tasks stored before it existed.
  std::string api;
  // The client's own id for the task (Kling's external_task_id); unique per owner when not "".
  std::string external_id;
  // Where the task's webhooks go ("" = none) and which of them it wants (kWebhook* bits in
  // store/webhook_outbox.hpp); set by the front-end at enqueue. The store adds an outbox row for
  // each wanted event in the transaction that reaches it (see WebhookOutbox).
  std::string webhook_url;
  unsigned webhook_events = 0;
  std::string request;  // opaque, serialised by the caller; may hold any bytes
  // The format of `request` as its writer numbers them (opaque to the store); 0 on tasks stored
  // before formats were numbered.
  int request_version = 0;
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

// What claim_next handed a worker: every TaskQueue write carries it, and the store refuses the
// write once the task is no longer Processing under this worker id and this attempt (fencing).
// A worker whose lease expired and whose task another worker (or the same worker id, later)
// claimed again thus cannot overwrite the new holder's progress, results or outcome: the new
// claim has a higher attempt.
//
// A lease that expired but that nobody has claimed again yet is still the worker's: its writes
// are accepted (renew_lease extends it again). Ownership changes only when the task is claimed
// again, deferred, requeued or cancelled; refusing the writes of a late but sole holder would only
// throw away finished work (a render whose last lease renewal came late) and run the task again.
struct Claim {
  std::string key;        // TaskRecord::key
  std::string worker_id;  // the claim_next caller
  int attempt = 0;        // TaskRecord::attempts as claim_next returned it

  bool operator==(const Claim&) const = default;
};

// The claim of a task as claim_next returned it.
Claim claim_of(const TaskRecord& task);

// The largest provider state save_provider_state accepts.
inline constexpr std::size_t kMaxProviderStateBytes = 4096;

// The worker's side of the store: claim a task, then renew, report, write results and finish it,
// each write fenced by the Claim (see Claim). Errors of every write below except claim_next:
// "notFound" (no task with claim.key), "cancelled" (cancelled while held: the worker should
// stop), "invalidState" (already Success or Error), "leaseLost" (Queued, or Processing under
// another worker id or attempt).
class TaskQueue {
 public:
  virtual ~TaskQueue() = default;

  // Atomically takes one claimable task, moves it to Processing, increments attempts, sets the
  // lease to now + lease_ms for worker_id and clears not_before_ms. nullopt when there is nothing
  // to do. Claimable: Queued with not_before_ms <= now, or Processing with an expired lease.
  // Claims are fair across owners (round-robin): among the owners with a claimable task, the one
  // whose latest claim is the oldest (an owner never claimed from comes first; between several
  // such owners, the one with the oldest claimable task), then that owner's oldest claimable task
  // (by created_ms, then enqueue order). One owner's backlog thus delays another owner's next task
  // by at most one claim per busy owner. SqliteTaskStore keeps a claim O(log n) in the number of
  // queued tasks (linear in the number of owners with tasks in flight).
  // Claims, lease renewals, deferrals, progress and put_result need not survive a power failure
  // (the task would just run again); save_provider_state, complete and fail must.
  virtual Result<std::optional<TaskRecord>> claim_next(std::string_view worker_id,
                                                       std::int64_t lease_ms) = 0;

  // Extends the lease to now + lease_ms.
  virtual Status renew_lease(const Claim& claim, std::int64_t lease_ms) = 0;

  // Whether the claim still holds the task, with the errors of a write ("cancelled" once a client
  // cancelled it), but only reading: what a worker asks a few times a second while it renders
  // without writing, to stop soon after a cancel. Changes nothing.
  virtual Status check_held(const Claim& claim) = 0;

  // Processing -> Queued, not claimable before now + delay_ms (a negative delay counts as 0): for
  // a task that cannot run now but will later, e.g. while the disk is full. Lease cleared;
  // attempts, progress, results and provider states kept. The claim ends here.
  virtual Status defer(const Claim& claim, std::int64_t delay_ms) = 0;

  // Stores the task's progress, clamped to 0..100. Stamps updated_ms, leaves the lease alone.
  virtual Status set_progress(const Claim& claim, int percent) = 0;

  // Inserts or replaces the result with the same index (its provider_state is kept: only
  // save_provider_state writes it). "invalidArgument" for a negative index or unknown status.
  virtual Status put_result(const Claim& claim, ResultRecord result) = 0;

  // Stores the engine's state for one result (ResultRecord::provider_state), e.g. a provider's
  // task id right after the provider accepted the job, so that a later attempt of the task reads
  // it back with the claimed record and resumes instead of starting over. "invalidArgument" when
  // the task has no result with this index or the state is over kMaxProviderStateBytes.
  virtual Status save_provider_state(const Claim& claim, int result_index, std::string state) = 0;

  // Processing -> Success / Error. complete() also sets progress to 100; fail() keeps it.
  virtual Status complete(const Claim& claim) = 0;
  virtual Status fail(const Claim& claim, std::string_view code, std::string_view message) = 0;
};

// The clients' side of the store: accept tasks, read them back, cancel them, retention.
class TaskRepository {
 public:
  virtual ~TaskRepository() = default;

  // Stores a new Queued task and returns it as stored. The store stamps status=Queued,
  // attempts=0, created_ms=updated_ms=now and clears error/lease fields; `results` given here
  // are stored too (e.g. "processing" placeholders with pre-assigned media uuids), without a
  // provider state.
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
  // The same without the task's `request` (left empty): what a poll needs. A request holds the
  // inputs a client sent inline (data URIs, base64), which may be megabytes, and a client may
  // poll every second. The default reads everything, then drops the request.
  virtual Result<TaskRecord> get_brief(std::string_view owner, std::string_view task_uuid);

  // Queued|Processing -> Cancelled (idempotent when already Cancelled); "invalidState" after
  // Success/Error; "notFound" for another owner's task. Durable. The worker holding it learns
  // it from its next write ("cancelled").
  virtual Status cancel(std::string_view owner, std::string_view task_uuid) = 0;

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
    std::optional<TaskStatus> status = {};  // only tasks in this status; none = all
  };
  // The owner's tasks, newest first, without their requests (each `request` empty: a page of up
  // to 500 tasks must not carry every task's inline inputs).
  virtual Result<std::vector<TaskRecord>> list(std::string_view owner, const ListQuery& query) = 0;
  Result<std::vector<TaskRecord>> list(std::string_view owner, std::size_t limit, std::size_t offset) {
    return list(owner, ListQuery{limit, offset, {}});
  }

 private:
  std::atomic<std::int64_t> max_active_per_owner_{0};
};

// Both sides over one storage, as the implementations provide them; what the server wires up.
// Workers need only the TaskQueue, front-ends only the TaskRepository.
class TaskStore : public TaskQueue, public TaskRepository {
 public:
  // A start-up step of a server that is the only process working this store, taken explicitly
  // by whoever starts it (ServerApp::start) before any worker claims: every Processing task goes
  // back to Queued (lease cleared; attempts, progress, results and provider states kept), since
  // whoever held it died with the previous process. Returns how many. With several worker
  // processes on one store never call it (it would take tasks from live workers): rely on lease
  // expiry instead.
  virtual Result<std::int64_t> requeue_interrupted() = 0;

  // Another start-up step: up to `limit` tasks of any status and owner whose request_version is
  // below `version`, for converting stored requests to a new format (app/request_upgrade).
  // Results are not loaded.
  virtual Result<std::vector<TaskRecord>> older_requests(int version, int limit) = 0;
  // Replaces the request and request_version of each task (by key), whatever its status, in one
  // transaction; keys that do not exist are skipped.
  struct RequestRewrite {
    std::string key, request;
    int version = 0;
  };
  virtual Status rewrite_requests(const std::vector<RequestRewrite>& rewrites) = 0;
};

}  // namespace vidserve::store
