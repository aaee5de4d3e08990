// PgTaskStore: the TaskRepository reads (list, get_by_external_id, count_by_status), retention,
// and the start-up steps of TaskStore (requeue_interrupted, older_requests, rewrite_requests).
#include <utility>

#include "store/pg_task_rows.hpp"
#include "store/pg_task_store.hpp"
#include "store/task_rules.hpp"

namespace vidserve::store {

using namespace pg_rows;

Result<std::int64_t> PgTaskStore::requeue_interrupted() {
  auto updated = db_->exec(
      "UPDATE tasks SET status = 'queued', worker_id = '', lease_expires_ms = 0, updated_ms = $1 "
      "WHERE status = 'processing'",
      {PgParam::int64(clock_.now_ms())});
  if (!updated) return updated.error();
  return updated->affected();
}

Result<std::vector<TaskRecord>> PgTaskStore::older_requests(int version, int limit) {
  // A negative limit means no limit, as in SQLite (LIMIT NULL is LIMIT ALL).
  auto rows =
      db_->exec(select_tasks("WHERE request_version < $1 ORDER BY request_version LIMIT $2"),
                {PgParam::int64(version), limit < 0 ? PgParam::null() : PgParam::int64(limit)});
  if (!rows) return rows.error();
  return read_task_rows(*rows);
}

Status PgTaskStore::rewrite_requests(const std::vector<RequestRewrite>& rewrites) {
  return db_->transaction<Status>([&](PgConnection& c) -> Status {
    for (const auto& r : rewrites) {
      if (auto ok =
              run(c, "UPDATE tasks SET request = $1, request_version = $2 WHERE task_key = $3",
                  {PgParam::bytes(r.request), PgParam::int64(r.version), PgParam::text(r.key)});
          !ok) {
        return ok;
      }
    }
    return Ok{};
  });
}

Result<std::map<TaskStatus, std::int64_t>> PgTaskStore::count_by_status() {
  std::map<TaskStatus, std::int64_t> counts;
  for (auto st : {TaskStatus::Queued, TaskStatus::Processing, TaskStatus::Success,
                  TaskStatus::Error, TaskStatus::Cancelled}) {
    counts[st] = 0;
  }
  auto rows = db_->exec("SELECT status, count(*) FROM tasks GROUP BY status");
  if (!rows) return rows.error();
  for (int i = 0; i < rows->rows(); ++i) {
    const std::string status = rows->text(i, 0);
    auto parsed = parse_task_status(status);
    if (!parsed) return Error{errc::kStorage, "unknown task status '" + status + "' in database"};
    counts[*parsed] = rows->int64(i, 1);
  }
  return counts;
}

Result<TaskRecord> PgTaskStore::get_by_external_id(std::string_view owner,
                                                   std::string_view external_id) {
  if (external_id.empty()) return rules::not_found(external_id);
  return db_->transaction<Result<TaskRecord>>([&](PgConnection& c) -> Result<TaskRecord> {
    if (auto ok = snapshot(c); !ok) return ok.error();
    auto tasks = read_tasks(c, select_tasks("WHERE owner = $1 AND external_id = $2"),
                            {PgParam::text(owner), PgParam::text(external_id)});
    if (!tasks) return tasks.error();
    if (tasks->empty()) return rules::not_found(external_id);
    return std::move(tasks->front());
  });
}

Result<std::vector<TaskRepository::FinishedTask>> PgTaskStore::finished_before(
    std::int64_t updated_before_ms, std::size_t limit) {
  // The partial index tasks_finished holds only finished rows, in updated_ms order.
  auto rows = db_->exec(
      "SELECT owner, task_uuid FROM tasks WHERE status IN ('success', 'error', 'cancelled') "
      "AND updated_ms < $1 ORDER BY updated_ms LIMIT $2",
      {PgParam::int64(updated_before_ms), count(limit)});
  if (!rows) return rows.error();
  std::vector<FinishedTask> out;
  for (int i = 0; i < rows->rows(); ++i) out.push_back({rows->text(i, 0), rows->text(i, 1)});
  return out;
}

Result<std::int64_t> PgTaskStore::remove_finished(const std::vector<FinishedTask>& tasks) {
  return db_->transaction<Result<std::int64_t>>([&](PgConnection& c) -> Result<std::int64_t> {
    std::int64_t removed = 0;
    for (const auto& task : tasks) {
      // Its results go with it (ON DELETE CASCADE).
      auto deleted = c.exec(
          "DELETE FROM tasks WHERE owner = $1 AND task_uuid = $2 "
          "AND status IN ('success', 'error', 'cancelled')",
          {PgParam::text(task.owner), PgParam::text(task.task_uuid)});
      if (!deleted) return deleted.error();
      removed += deleted->affected();
    }
    return removed;
  });
}

Result<std::vector<TaskRecord>> PgTaskStore::list(std::string_view owner, const ListQuery& query) {
  // The api condition only when asked, so that each statement uses its index (tasks_by_owner,
  // tasks_by_owner_api); a status condition filters within it.
  std::string where = "WHERE owner = $1";
  PgParams params = {PgParam::text(owner), count(query.limit), count(query.offset)};
  if (!query.api.empty()) {
    params.push_back(PgParam::text(query.api));
    where += " AND api = $" + std::to_string(params.size());
  }
  if (query.status) {
    params.push_back(PgParam::text(to_string(*query.status)));
    where += " AND status = $" + std::to_string(params.size());
  }
  const std::string sql =
      select_tasks(where + " ORDER BY created_ms DESC, seq DESC LIMIT $2 OFFSET $3", false);
  return db_->transaction<Result<std::vector<TaskRecord>>>(
      [&](PgConnection& c) -> Result<std::vector<TaskRecord>> {
        if (auto ok = snapshot(c); !ok) return ok.error();
        return read_tasks(c, sql, params);
      });
}

}  // namespace vidserve::store
