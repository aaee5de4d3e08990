#pragma once
// TaskStore and WebhookOutbox on PostgreSQL, for several vidserve processes (API nodes and
// workers) sharing one queue. Same contract as SqliteTaskStore (the contract suites run on both).
//
// Every operation is one PgDatabase transaction (READ COMMITTED), retried by PgDatabase through
// connection loss, serialization failures and deadlocks. Times come from the injected Clock,
// never from PostgreSQL's now(), so every node must keep its clock in sync (NTP): a lease is
// compared with the claiming node's clock.
//   - claim_next walks the owners with tasks in flight in turn order (table task_owners) and
//     locks the chosen owner's oldest claimable task with FOR UPDATE SKIP LOCKED, so concurrent
//     claimers never wait for each other's task and never take the same one (pg_task_claim.cpp).
//   - Every TaskQueue write locks the task's row (FOR NO KEY UPDATE), checks the claim (fencing:
//     worker id and attempt), then writes, in one transaction.
//   - Under a per-owner limit, enqueue locks the owner's row in task_owners, so the limit holds
//     across processes enqueueing at once; enqueue_many is one transaction, a savepoint per task.
//   - Outbox rows are written in the transaction of the task change that adds them.
// Claims, renewals, deferrals, progress and put_result commit without waiting for the WAL flush
// (synchronous_commit off for that transaction); everything else waits for it.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "store/pg_database.hpp"
#include "store/task_store.hpp"
#include "store/webhook_outbox.hpp"

namespace vidserve::store {

namespace rules {
struct TaskState;  // task_rules.hpp
}  // namespace rules

class PgTaskStore final : public TaskStore, public WebhookOutbox {
 public:
  // A store over `db` (already migrated by PgDatabase::open). `clock` must outlive the store.
  static Result<std::unique_ptr<PgTaskStore>> open(std::shared_ptr<PgDatabase> db,
                                                   const Clock& clock);

  Result<TaskRecord> enqueue(TaskRecord task) override;
  std::vector<Result<TaskRecord>> enqueue_many(std::vector<TaskRecord> tasks) override;
  Result<TaskRecord> get(std::string_view owner, std::string_view task_uuid) override;
  Result<TaskRecord> get_brief(std::string_view owner, std::string_view task_uuid) override;
  Result<std::optional<TaskRecord>> claim_next(std::string_view worker_id,
                                               std::int64_t lease_ms) override;
  Status renew_lease(const Claim& claim, std::int64_t lease_ms) override;
  Status check_held(const Claim& claim) override;
  Status defer(const Claim& claim, std::int64_t delay_ms) override;
  Status set_progress(const Claim& claim, int percent) override;
  Status put_result(const Claim& claim, ResultRecord result) override;
  Status save_provider_state(const Claim& claim, int result_index, std::string state) override;
  Status complete(const Claim& claim) override;
  Status fail(const Claim& claim, std::string_view code, std::string_view message) override;
  Status cancel(std::string_view owner, std::string_view task_uuid) override;
  Result<std::int64_t> requeue_interrupted() override;
  Result<std::vector<TaskRecord>> older_requests(int version, int limit) override;
  Status rewrite_requests(const std::vector<RequestRewrite>& rewrites) override;
  Result<std::map<TaskStatus, std::int64_t>> count_by_status() override;
  Result<TaskRecord> get_by_external_id(std::string_view owner,
                                        std::string_view external_id) override;
  Result<std::vector<FinishedTask>> finished_before(std::int64_t updated_before_ms,
                                                    std::size_t limit) override;
  Result<std::int64_t> remove_finished(const std::vector<FinishedTask>& tasks) override;
  using TaskRepository::list;
  Result<std::vector<TaskRecord>> list(std::string_view owner, const ListQuery& query) override;

  // WebhookOutbox (pg_webhook_outbox.cpp).
  Result<std::vector<OutboxMessage>> due_messages(std::int64_t now_ms, std::size_t limit,
                                                  std::int64_t lease_ms = 0) override;
  Result<std::optional<std::int64_t>> next_due() override;
  Result<OutboxMessage> outbox_message(std::string_view id) override;
  Status render(std::string_view id, const std::vector<std::string>& bodies) override;
  Result<std::int64_t> give_up_url(std::string_view url, std::string_view reason) override;
  Result<std::int64_t> outbox_backlog() override;
  Result<std::int64_t> prune_outbox(std::int64_t before_ms, std::size_t limit) override;

 private:
  PgTaskStore(std::shared_ptr<PgDatabase> db, const Clock& clock);
  // get (with_request) or get_brief.
  Result<TaskRecord> read_owned(std::string_view owner, std::string_view task_uuid, bool with_request);

  Status settle(std::string_view id, OutboxState state, std::int64_t due_ms,
                std::string_view error) override;
  // The prepared tasks[i] for each i in `todo`, in one transaction; sets refused[i] for a task
  // refused on its own (over the limit, a duplicate) while the others go in.
  Status insert_batch(std::vector<TaskRecord>& tasks, const std::vector<std::size_t>& todo,
                      std::vector<std::optional<Error>>& refused);
  // One task of an enqueue transaction: the row, its results, its outbox row. Sets task.key.
  Status insert_one(PgConnection& c, TaskRecord& task);
  // How with_held runs: only reading (no lock), or writing with or without waiting for the WAL
  // flush (pg_rows::relaxed).
  enum class Access { Read, RelaxedWrite, Write };
  // An operation on a task the caller holds: locks the row (unless Access::Read), checks the
  // claim (rules::check_claim), then runs `write` with the task's state and the time, in one
  // transaction.
  using HeldWrite = std::function<Status(PgConnection&, const rules::TaskState&, std::int64_t)>;
  Status with_held(const Claim& claim, Access access, const HeldWrite& write);
  // An UPDATE of the held task's row without waiting for the WAL flush: `sql` takes $1 =
  // value(now), $2 = now, $3 = the task's key.
  Status update_held(const Claim& claim, const char* sql,
                     const std::function<std::int64_t(std::int64_t)>& value);
  Status finish(const Claim& claim, TaskStatus to, std::string_view code, std::string_view message);

  std::shared_ptr<PgDatabase> db_;
  const Clock& clock_;
};

}  // namespace vidserve::store
