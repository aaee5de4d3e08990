#pragma once
// TaskStore on SQLite: the embedded default. Durable (WAL + synchronous=FULL), safe for many
// threads in this process (one connection behind a mutex) and for several processes on the
// same file (claims run in BEGIN IMMEDIATE transactions).
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "store/sqlite_database.hpp"
#include "store/task_store.hpp"
#include "store/webhook_outbox.hpp"

namespace vidserve::store {

class SqliteTaskStore final : public TaskStore, public WebhookOutbox {
 public:
  // Opens or creates the database file (":memory:" for a private in-memory one) and migrates it.
  // `clock` must outlive the store.
  static Result<std::unique_ptr<SqliteTaskStore>> open(const std::string& path, const Clock& clock);
  // Shares a connection with the other SQLite stores (keys, media index).
  SqliteTaskStore(std::shared_ptr<SqliteDatabase> db, const Clock& clock);

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
  Result<TaskRecord> get_by_external_id(std::string_view owner, std::string_view external_id) override;
  Result<std::vector<FinishedTask>> finished_before(std::int64_t updated_before_ms,
                                                    std::size_t limit) override;
  Result<std::int64_t> remove_finished(const std::vector<FinishedTask>& tasks) override;
  using TaskRepository::list;
  Result<std::vector<TaskRecord>> list(std::string_view owner, const ListQuery& query) override;

  // WebhookOutbox (sqlite_webhook_outbox.cpp).
  Result<std::vector<OutboxMessage>> due_messages(std::int64_t now_ms, std::size_t limit,
                                                  std::int64_t lease_ms) override;
  Result<std::optional<std::int64_t>> next_due() override;
  Result<OutboxMessage> outbox_message(std::string_view id) override;
  Status render(std::string_view id, const std::vector<std::string>& bodies) override;
  Result<std::int64_t> give_up_url(std::string_view url, std::string_view reason) override;
  Result<std::int64_t> outbox_backlog() override;
  Result<std::int64_t> prune_outbox(std::int64_t before_ms, std::size_t limit) override;

 private:
  Status settle(std::string_view id, OutboxState state, std::int64_t due_ms, std::string_view error) override;
  // get (with_request) or get_brief.
  Result<TaskRecord> read_owned(std::string_view owner, std::string_view task_uuid, bool with_request);
  // Group commit: concurrent enqueues share one transaction and one fsync. The first caller to
  // find no commit in progress becomes the leader and commits everything pending; the others wait
  // for their own result. Each task gets its own savepoint, so a duplicate fails only itself.
  struct PendingEnqueue {
    TaskRecord task;
    std::optional<Result<TaskRecord>> result;
  };
  void commit_batch(const std::vector<PendingEnqueue*>& batch);
  // One task of a batch, inside its savepoint: the per-owner limit, the row, its results.
  // Sets task.key.
  Status insert_one(SqliteDatabase::Session& s, TaskRecord& task);

  Status finish(const Claim& claim, TaskStatus to, std::string_view code, std::string_view message);
  Status with_held(const Claim& claim, Transaction::Mode mode,
                   const std::function<Status(SqliteDatabase::Session&, std::int64_t now)>& write);
  Status update_held(const Claim& claim, const char* sql, const std::function<std::int64_t(std::int64_t)>& value);

  std::shared_ptr<SqliteDatabase> db_;
  const Clock& clock_;
  std::mutex batch_mutex_;
  std::condition_variable batch_done_;
  std::vector<PendingEnqueue*> pending_;
  bool committing_ = false;
};

}  // namespace vidserve::store
