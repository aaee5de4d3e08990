#include "store/pg_task_rows.hpp"

#include <algorithm>
#include <limits>
#include <map>
#include <utility>

#include "store/error_codes.hpp"
#include "store/task_rules.hpp"

namespace vidserve::store::pg_rows {

std::string task_columns(bool with_request) {
  return std::string("task_key, task_uuid, owner, task_type, model, ") +
         (with_request ? "request" : "''::bytea AS request") +
         ", status, attempts, error_code, error_message, worker_id, lease_expires_ms, created_ms, "
         "updated_ms, api, external_id, progress, not_before_ms, request_version, webhook_url, "
         "webhook_events ";
}

std::string select_tasks(std::string_view rest, bool with_request) {
  return "SELECT " + task_columns(with_request) + "FROM tasks " + std::string(rest);
}

Status run(PgConnection& c, std::string_view sql, const PgParams& params) {
  auto r = c.exec(sql, params);
  if (!r) return r.error();
  return Ok{};
}

PgParam count(std::size_t n) {
  constexpr auto kMax = static_cast<std::size_t>(std::numeric_limits<std::int64_t>::max());
  return PgParam::int64(static_cast<std::int64_t>(std::min(n, kMax)));
}

namespace {

Error corrupt_status(const std::string& text) {
  return Error{errc::kStorage, "unknown task status '" + text + "' in database"};
}

int int_at(const PgResult& r, int row, int col) {
  return static_cast<int>(r.int64(row, col));
}

Result<TaskRecord> read_task(const PgResult& r, int row) {
  TaskRecord t;
  t.key = r.text(row, 0);
  t.task_uuid = r.text(row, 1);
  t.owner = r.text(row, 2);
  t.task_type = r.text(row, 3);
  t.model = r.text(row, 4);
  t.request = r.bytes(row, 5);
  const std::string status = r.text(row, 6);
  auto parsed = parse_task_status(status);
  if (!parsed) return corrupt_status(status);
  t.status = *parsed;
  t.attempts = int_at(r, row, 7);
  t.error_code = r.text(row, 8);
  t.error_message = r.text(row, 9);
  t.worker_id = r.text(row, 10);
  t.lease_expires_ms = r.int64(row, 11);
  t.created_ms = r.int64(row, 12);
  t.updated_ms = r.int64(row, 13);
  t.api = r.text(row, 14);
  t.external_id = r.text(row, 15);
  t.progress = int_at(r, row, 16);
  t.not_before_ms = r.int64(row, 17);
  t.request_version = int_at(r, row, 18);
  t.webhook_url = r.text(row, 19);
  t.webhook_events = static_cast<unsigned>(r.int64(row, 20));
  return t;
}

// A PostgreSQL text[] literal of `items`: {"a","b"}, each element quoted and escaped.
std::string text_array(const std::vector<std::string>& items) {
  std::string out = "{";
  for (const auto& item : items) {
    if (out.size() > 1) out += ',';
    out += '"';
    for (char ch : item) {
      if (ch == '"' || ch == '\\') out += '\\';
      out += ch;
    }
    out += '"';
  }
  return out + "}";
}

Result<std::optional<TaskRecord>> first_task(PgConnection& c, const std::string& sql,
                                             const PgParams& params) {
  auto tasks = read_tasks(c, sql, params);
  if (!tasks) return tasks.error();
  if (tasks->empty()) return std::optional<TaskRecord>{};
  return std::optional<TaskRecord>{std::move(tasks->front())};
}

}  // namespace

Result<std::vector<TaskRecord>> read_task_rows(const PgResult& rows) {
  std::vector<TaskRecord> tasks;
  tasks.reserve(static_cast<std::size_t>(rows.rows()));
  for (int i = 0; i < rows.rows(); ++i) {
    auto task = read_task(rows, i);
    if (!task) return task.error();
    tasks.push_back(std::move(task).value());
  }
  return tasks;
}

Status attach_results(PgConnection& c, std::vector<TaskRecord>& tasks) {
  if (tasks.empty()) return Ok{};
  std::vector<std::string> keys;
  std::map<std::string, TaskRecord*, std::less<>> by_key;
  for (auto& t : tasks) {
    keys.push_back(t.key);
    by_key[t.key] = &t;
  }
  auto rows = c.exec(
      "SELECT task_key, idx, media_uuid, status, payload, provider_state FROM task_results "
      "WHERE task_key = ANY($1::text[]) ORDER BY task_key, idx",
      {PgParam::text(text_array(keys))});
  if (!rows) return rows.error();
  for (int i = 0; i < rows->rows(); ++i) {
    auto owner = by_key.find(rows->text(i, 0));
    if (owner == by_key.end()) continue;
    owner->second->results.push_back(ResultRecord{int_at(*rows, i, 1), rows->text(i, 2),
                                                  rows->text(i, 3), rows->bytes(i, 4),
                                                  rows->bytes(i, 5)});
  }
  return Ok{};
}

Result<std::vector<TaskRecord>> read_tasks(PgConnection& c, const std::string& sql,
                                           const PgParams& params) {
  auto rows = c.exec(sql, params);
  if (!rows) return rows.error();
  auto tasks = read_task_rows(*rows);
  if (!tasks) return tasks.error();
  if (auto ok = attach_results(c, *tasks); !ok) return ok.error();
  return tasks;
}

Result<std::optional<TaskRecord>> find_task(PgConnection& c, std::string_view key) {
  return first_task(c, select_tasks("WHERE task_key = $1"), {PgParam::text(key)});
}

Result<std::optional<TaskRecord>> find_owned_task(PgConnection& c, std::string_view owner,
                                                  std::string_view task_uuid, bool with_request) {
  return first_task(c, select_tasks("WHERE owner = $1 AND task_uuid = $2", with_request),
                    {PgParam::text(owner), PgParam::text(task_uuid)});
}

Result<std::optional<std::string>> find_key(PgConnection& c, std::string_view owner,
                                            std::string_view task_uuid) {
  auto rows = c.exec("SELECT task_key FROM tasks WHERE owner = $1 AND task_uuid = $2",
                     {PgParam::text(owner), PgParam::text(task_uuid)});
  if (!rows) return rows.error();
  if (rows->rows() == 0) return std::optional<std::string>{};
  return std::optional<std::string>{rows->text(0, 0)};
}

Result<TaskState> find_state(PgConnection& c, std::string_view key, bool lock) {
  std::string sql =
      "SELECT owner, status, worker_id, attempts, task_uuid, webhook_url, webhook_events "
      "FROM tasks WHERE task_key = $1";
  if (lock) sql += " FOR NO KEY UPDATE";
  auto rows = c.exec(sql, {PgParam::text(key)});
  if (!rows) return rows.error();
  if (rows->rows() == 0) return rules::not_found(key);
  const std::string status = rows->text(0, 1);
  auto parsed = parse_task_status(status);
  if (!parsed) return corrupt_status(status);
  return TaskState{rows->text(0, 0),
                   *parsed,
                   rows->text(0, 2),
                   int_at(*rows, 0, 3),
                   rows->text(0, 4),
                   rows->text(0, 5),
                   static_cast<unsigned>(rows->int64(0, 6))};
}

Status upsert_result(PgConnection& c, std::string_view key, const ResultRecord& r) {
  return run(c,
             "INSERT INTO task_results (task_key, idx, media_uuid, status, payload) "
             "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (task_key, idx) DO UPDATE SET "
             "media_uuid = excluded.media_uuid, status = excluded.status, "
             "payload = excluded.payload",
             {PgParam::text(key), PgParam::int64(r.index), PgParam::text(r.media_uuid),
              PgParam::text(r.status), PgParam::bytes(r.payload)});
}

namespace {

// Inserts the row under `key`; false when a task already has that key.
Result<bool> insert_under(PgConnection& c, const TaskRecord& t, const std::string& key) {
  auto inserted = c.exec(
      "INSERT INTO tasks (task_key, task_uuid, owner, task_type, model, api, external_id, "
      "webhook_url, webhook_events, request, request_version, status, created_ms, updated_ms) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) "
      "ON CONFLICT (task_key) DO NOTHING",
      {PgParam::text(key), PgParam::text(t.task_uuid), PgParam::text(t.owner),
       PgParam::text(t.task_type), PgParam::text(t.model), PgParam::text(t.api),
       PgParam::text(t.external_id), PgParam::text(t.webhook_url), PgParam::int64(t.webhook_events),
       PgParam::bytes(t.request), PgParam::int64(t.request_version),
       PgParam::text(to_string(t.status)), PgParam::int64(t.created_ms),
       PgParam::int64(t.updated_ms)});
  if (inserted) return inserted->affected() == 1;
  if (c.last_sqlstate() == "23505") {
    // The other unique indexes: PostgreSQL names the violated one in its message.
    if (inserted.error().message.find("tasks_by_external_id") != std::string::npos) {
      return rules::duplicate_external_id(t.external_id);
    }
    return rules::duplicate_task_uuid(t.task_uuid);
  }
  return inserted.error();
}

}  // namespace

Status insert_task(PgConnection& c, TaskRecord& t) {
  // The uuid is the key unless another owner's task has it (or the owner's own: then the scoped
  // insert below breaks tasks_by_owner_uuid). A concurrent insert of the same key makes this one
  // wait for it, then see the conflict: no race between the check and the insert.
  for (std::string key : {t.task_uuid, scoped_task_key(t.owner, t.task_uuid)}) {
    auto inserted = insert_under(c, t, key);
    if (!inserted) return inserted.error();
    if (*inserted) {
      t.key = std::move(key);
      return Ok{};
    }
  }
  return rules::duplicate_task_uuid(t.task_uuid);
}

Status relaxed(PgConnection& c) {
  return run(c, "SET LOCAL synchronous_commit = off");
}

Status snapshot(PgConnection& c) {
  return run(c, "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
}

}  // namespace vidserve::store::pg_rows
