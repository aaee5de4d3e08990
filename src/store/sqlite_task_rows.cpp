#include "store/sqlite_task_rows.hpp"

#include <utility>

#include "store/task_rules.hpp"

namespace vidserve::store::sqlite_rows {

std::string select_task(bool with_request) {
  return std::string("SELECT task_uuid, owner, task_type, model, ") +
         (with_request ? "request" : "X'' AS request") +
         ", status, attempts, error_code, error_message, worker_id, lease_expires_ms, created_ms, "
         "updated_ms, api, external_id, progress, not_before_ms, client_uuid, request_version, "
         "webhook_url, webhook_events FROM tasks ";
}

Error corrupt_status(const std::string& text) {
  return Error{errc::kStorage, "unknown task status '" + text + "' in database"};
}

Result<TaskRecord> read_task(const Statement& s) {
  TaskRecord t;
  t.key = s.column_text(0);
  t.owner = s.column_text(1);
  t.task_type = s.column_text(2);
  t.model = s.column_text(3);
  t.request = s.column_blob(4);
  const std::string status = s.column_text(5);
  auto parsed = parse_task_status(status);
  if (!parsed) return corrupt_status(status);
  t.status = *parsed;
  t.attempts = static_cast<int>(s.column_int(6));
  t.error_code = s.column_text(7);
  t.error_message = s.column_text(8);
  t.worker_id = s.column_text(9);
  t.lease_expires_ms = s.column_int(10);
  t.created_ms = s.column_int(11);
  t.updated_ms = s.column_int(12);
  t.api = s.column_text(13);
  t.external_id = s.column_text(14);
  t.progress = static_cast<int>(s.column_int(15));
  t.not_before_ms = s.column_int(16);
  t.task_uuid = s.column_text(17);
  t.request_version = static_cast<int>(s.column_int(18));
  t.webhook_url = s.column_text(19);
  t.webhook_events = static_cast<unsigned>(s.column_int(20));
  return t;
}

namespace {

Result<std::vector<ResultRecord>> load_results(Session& s, std::string_view task_uuid) {
  auto stmt = s.prepare(
      "SELECT idx, media_uuid, status, payload, provider_state FROM task_results WHERE task_uuid = ?1 "
      "ORDER BY idx");
  if (!stmt) return stmt.error();
  stmt->text(1, task_uuid);
  std::vector<ResultRecord> out;
  for (;;) {
    auto row = stmt->step();
    if (!row) return row.error();
    if (!*row) return out;
    out.push_back(ResultRecord{static_cast<int>(stmt->column_int(0)), stmt->column_text(1),
                               stmt->column_text(2), stmt->column_blob(3), stmt->column_blob(4)});
  }
}

}  // namespace

Result<std::vector<TaskRecord>> read_task_rows(Statement& stmt) {
  std::vector<TaskRecord> tasks;
  for (;;) {
    auto row = stmt.step();
    if (!row) return row.error();
    if (!*row) return tasks;
    auto task = read_task(stmt);
    if (!task) return task.error();
    tasks.push_back(std::move(task).value());
  }
}

Result<std::vector<TaskRecord>> read_tasks(Session& s, Statement& stmt) {
  auto tasks = read_task_rows(stmt);
  if (!tasks) return tasks.error();
  for (auto& task : *tasks) {
    auto results = load_results(s, task.key);
    if (!results) return results.error();
    task.results = std::move(results).value();
  }
  return tasks;
}

namespace {

Result<std::optional<TaskRecord>> first_task(Session& s, Statement& stmt) {
  auto tasks = read_tasks(s, stmt);
  if (!tasks) return tasks.error();
  if (tasks->empty()) return std::optional<TaskRecord>{};
  return std::optional<TaskRecord>{std::move(tasks->front())};
}

}  // namespace

Result<std::optional<TaskRecord>> find_task(Session& s, std::string_view key) {
  auto stmt = s.prepare(select_task() + "WHERE task_uuid = ?1");
  if (!stmt) return stmt.error();
  stmt->text(1, key);
  return first_task(s, *stmt);
}

Result<std::optional<TaskRecord>> find_owned_task(Session& s, std::string_view owner, std::string_view task_uuid,
                                                  bool with_request) {
  auto stmt = s.prepare(select_task(with_request) + "WHERE owner = ?1 AND client_uuid = ?2");
  if (!stmt) return stmt.error();
  stmt->text(1, owner).text(2, task_uuid);
  return first_task(s, *stmt);
}

Result<std::optional<std::string>> find_key(Session& s, std::string_view owner, std::string_view task_uuid) {
  auto stmt = s.prepare("SELECT task_uuid FROM tasks WHERE owner = ?1 AND client_uuid = ?2");
  if (!stmt) return stmt.error();
  stmt->text(1, owner).text(2, task_uuid);
  auto row = stmt->step();
  if (!row) return row.error();
  if (!*row) return std::optional<std::string>{};
  return std::optional<std::string>{stmt->column_text(0)};
}

Result<std::string> choose_key(Session& s, std::string_view owner, std::string_view task_uuid) {
  auto stmt = s.prepare("SELECT 1 FROM tasks WHERE task_uuid = ?1");
  if (!stmt) return stmt.error();
  stmt->text(1, task_uuid);
  auto row = stmt->step();
  if (!row) return row.error();
  return *row ? scoped_task_key(owner, task_uuid) : std::string(task_uuid);
}

Result<TaskState> find_state(Session& s, std::string_view task_uuid) {
  auto stmt = s.prepare(
      "SELECT owner, status, worker_id, attempts, client_uuid, webhook_url, webhook_events FROM tasks "
      "WHERE task_uuid = ?1");
  if (!stmt) return stmt.error();
  stmt->text(1, task_uuid);
  auto row = stmt->step();
  if (!row) return row.error();
  if (!*row) return rules::not_found(task_uuid);
  const std::string status = stmt->column_text(1);
  auto parsed = parse_task_status(status);
  if (!parsed) return corrupt_status(status);
  return TaskState{stmt->column_text(0), *parsed, stmt->column_text(2), static_cast<int>(stmt->column_int(3)),
                   stmt->column_text(4), stmt->column_text(5), static_cast<unsigned>(stmt->column_int(6))};
}

Status upsert_result(Session& s, std::string_view task_uuid, const ResultRecord& r) {
  auto stmt = s.prepare(
      "INSERT INTO task_results (task_uuid, idx, media_uuid, status, payload) "
      "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (task_uuid, idx) DO UPDATE SET "
      "media_uuid = excluded.media_uuid, status = excluded.status, payload = excluded.payload");
  if (!stmt) return stmt.error();
  stmt->text(1, task_uuid).integer(2, r.index).text(3, r.media_uuid).text(4, r.status);
  stmt->blob(5, r.payload);
  return stmt->run();
}

Status insert_task(Session& s, const TaskRecord& t) {
  auto stmt = s.prepare(
      "INSERT INTO tasks (task_uuid, owner, task_type, model, request, status, created_ms, "
      "updated_ms, api, external_id, client_uuid, request_version, webhook_url, webhook_events) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)");
  if (!stmt) return stmt.error();
  stmt->text(13, t.webhook_url).integer(14, t.webhook_events);
  stmt->text(11, t.task_uuid).integer(12, t.request_version);
  stmt->text(1, t.key).text(2, t.owner).text(3, t.task_type).text(4, t.model);
  stmt->blob(5, t.request).text(6, to_string(t.status));
  stmt->integer(7, t.created_ms).integer(8, t.updated_ms);
  stmt->text(9, t.api).text(10, t.external_id);
  auto ok = stmt->run();
  if (!ok && ok.error().code == kSqliteConstraint) {
    // SQLite names the columns of the violated index: "tasks.owner, tasks.external_id".
    if (ok.error().message.find("tasks.external_id") != std::string::npos) {
      return rules::duplicate_external_id(t.external_id);
    }
    return rules::duplicate_task_uuid(t.task_uuid);
  }
  return ok;
}

}  // namespace vidserve::store::sqlite_rows
