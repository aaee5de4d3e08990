#include "store/sqlite_task_store.hpp"

#include <algorithm>
#include <functional>
#include <limits>
#include <tuple>
#include <utility>

#include "store/sqlite_database.hpp"
#include "store/task_rules.hpp"

namespace vidserve::store {

namespace {

using Session = SqliteDatabase::Session;
using Mode = Transaction::Mode;

constexpr const char* kSelectTask =
    "SELECT task_uuid, owner, task_type, model, request, status, attempts, error_code, "
    "error_message, worker_id, lease_expires_ms, created_ms, updated_ms, api, external_id, progress FROM tasks ";

Error corrupt_status(const std::string& text) {
  return Error{errc::kStorage, "unknown task status '" + text + "' in database"};
}

Result<TaskRecord> read_task(const Statement& s) {
  TaskRecord t;
  t.task_uuid = s.column_text(0);
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
  return t;
}

Result<std::vector<ResultRecord>> load_results(Session& s, std::string_view task_uuid) {
  auto stmt = s.prepare(
      "SELECT idx, media_uuid, status, payload FROM task_results WHERE task_uuid = ?1 "
      "ORDER BY idx");
  if (!stmt) return stmt.error();
  stmt->text(1, task_uuid);
  std::vector<ResultRecord> out;
  for (;;) {
    auto row = stmt->step();
    if (!row) return row.error();
    if (!*row) return out;
    out.push_back(ResultRecord{static_cast<int>(stmt->column_int(0)), stmt->column_text(1),
                               stmt->column_text(2), stmt->column_blob(3)});
  }
}

// Reads all rows of a task query, then attaches each task's results.
Result<std::vector<TaskRecord>> read_tasks(Session& s, Statement& stmt) {
  std::vector<TaskRecord> tasks;
  for (;;) {
    auto row = stmt.step();
    if (!row) return row.error();
    if (!*row) break;
    auto task = read_task(stmt);
    if (!task) return task.error();
    tasks.push_back(std::move(task).value());
  }
  for (auto& task : tasks) {
    auto results = load_results(s, task.task_uuid);
    if (!results) return results.error();
    task.results = std::move(results).value();
  }
  return tasks;
}

// The task with its results, or nullopt.
Result<std::optional<TaskRecord>> find_task(Session& s, std::string_view task_uuid) {
  auto stmt = s.prepare(std::string(kSelectTask) + "WHERE task_uuid = ?1");
  if (!stmt) return stmt.error();
  stmt->text(1, task_uuid);
  auto tasks = read_tasks(s, *stmt);
  if (!tasks) return tasks.error();
  if (tasks->empty()) return std::optional<TaskRecord>{};
  return std::optional<TaskRecord>{std::move(tasks->front())};
}

// What a state transition needs to know, without reading the (possibly large) request.
struct TaskState {
  std::string owner;
  TaskStatus status = TaskStatus::Queued;
  std::string worker_id;
};

Result<TaskState> find_state(Session& s, std::string_view task_uuid) {
  auto stmt = s.prepare("SELECT owner, status, worker_id FROM tasks WHERE task_uuid = ?1");
  if (!stmt) return stmt.error();
  stmt->text(1, task_uuid);
  auto row = stmt->step();
  if (!row) return row.error();
  if (!*row) return rules::not_found(task_uuid);
  const std::string status = stmt->column_text(1);
  auto parsed = parse_task_status(status);
  if (!parsed) return corrupt_status(status);
  return TaskState{stmt->column_text(0), *parsed, stmt->column_text(2)};
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
      "updated_ms, api, external_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
  if (!stmt) return stmt.error();
  stmt->text(1, t.task_uuid).text(2, t.owner).text(3, t.task_type).text(4, t.model);
  stmt->blob(5, t.request).text(6, to_string(t.status));
  stmt->integer(7, t.created_ms).integer(8, t.updated_ms);
  stmt->text(9, t.api).text(10, t.external_id);
  auto ok = stmt->run();
  if (!ok && ok.error().code == kSqliteConstraint) {
    // SQLite names the columns of the violated index: "tasks.owner, tasks.external_id".
    if (ok.error().message.find("tasks.external_id") != std::string::npos) {
      return rules::duplicate_external_id(t.external_id);
    }
    return Error{errc::kDuplicateTaskUUID, "taskUUID '" + t.task_uuid + "' is already in use"};
  }
  return ok;
}

struct Candidate {
  std::string task_uuid;
  std::int64_t created_ms = 0, seq = 0;
};

// The first row of a "SELECT task_uuid, created_ms, seq ..." query, ?1 bound to `now` if given.
Result<std::optional<Candidate>> first_candidate(Session& s, const char* sql,
                                                 std::optional<std::int64_t> now) {
  auto stmt = s.prepare(sql);
  if (!stmt) return stmt.error();
  if (now) stmt->integer(1, *now);
  auto row = stmt->step();
  if (!row) return row.error();
  if (!*row) return std::optional<Candidate>{};
  return std::optional<Candidate>{
      Candidate{stmt->column_text(0), stmt->column_int(1), stmt->column_int(2)}};
}

// The oldest task that is Queued or Processing under an expired lease. Two index range scans
// rather than one OR query, so finished tasks piling up never slow the claim down.
Result<std::optional<Candidate>> oldest_claimable(Session& s, std::int64_t now) {
  auto queued =
      first_candidate(s,
                      "SELECT task_uuid, created_ms, seq FROM tasks WHERE status = 'queued' "
                      "ORDER BY created_ms, seq LIMIT 1",
                      std::nullopt);
  if (!queued) return queued;
  auto expired =
      first_candidate(s,
                      "SELECT task_uuid, created_ms, seq FROM tasks WHERE status = 'processing' "
                      "AND lease_expires_ms <= ?1 ORDER BY created_ms, seq LIMIT 1",
                      now);
  if (!expired) return expired;
  if (!*queued) return expired;
  if (!*expired) return queued;
  const auto& q = **queued;
  const auto& e = **expired;
  return std::tie(e.created_ms, e.seq) < std::tie(q.created_ms, q.seq) ? expired : queued;
}

std::int64_t clamp_to_int64(std::size_t n) {
  constexpr auto kMax = static_cast<std::size_t>(std::numeric_limits<std::int64_t>::max());
  return static_cast<std::int64_t>(std::min(n, kMax));
}

}  // namespace

Result<std::unique_ptr<SqliteTaskStore>> SqliteTaskStore::open(const std::string& path,
                                                               const Clock& clock) {
  auto db = SqliteDatabase::open(path);
  if (!db) return db.error();
  return std::make_unique<SqliteTaskStore>(std::move(db).value(), clock);
}

SqliteTaskStore::SqliteTaskStore(std::shared_ptr<SqliteDatabase> db, const Clock& clock)
    : db_(std::move(db)), clock_(clock) {}

Result<TaskRecord> SqliteTaskStore::enqueue(TaskRecord task) {
  if (auto ok = rules::prepare_new_task(task, clock_.now_ms()); !ok) return ok.error();
  PendingEnqueue mine{std::move(task), std::nullopt};
  std::unique_lock lock(batch_mutex_);
  pending_.push_back(&mine);
  while (!mine.result) {
    if (committing_) {
      batch_done_.wait(lock);
      continue;
    }
    committing_ = true;
    std::vector<PendingEnqueue*> batch;
    batch.swap(pending_);
    lock.unlock();
    commit_batch(batch);  // fills every result in the batch, including mine
    lock.lock();
    committing_ = false;
    batch_done_.notify_all();
  }
  return std::move(*mine.result);
}

std::vector<Result<TaskRecord>> SqliteTaskStore::enqueue_many(std::vector<TaskRecord> tasks) {
  std::vector<PendingEnqueue> items;
  items.reserve(tasks.size());
  std::vector<PendingEnqueue*> batch;
  const auto now = clock_.now_ms();
  for (auto& t : tasks) {
    auto prepared = rules::prepare_new_task(t, now);
    items.push_back({std::move(t), std::nullopt});
    if (!prepared) items.back().result = prepared.error();
  }
  for (auto& item : items) {
    if (!item.result) batch.push_back(&item);
  }
  if (!batch.empty()) commit_batch(batch);
  std::vector<Result<TaskRecord>> results;
  results.reserve(items.size());
  for (auto& item : items) results.push_back(std::move(*item.result));
  return results;
}

void SqliteTaskStore::commit_batch(const std::vector<PendingEnqueue*>& batch) {
  std::vector<Result<TaskRecord>> results;
  auto s = db_->session();
  auto tx = Transaction::begin(s, Mode::Write);
  for (auto* item : batch) {
    if (!tx) {
      results.emplace_back(tx.error());
      continue;
    }
    auto inserted = [&]() -> Status {
      if (auto ok = s.exec("SAVEPOINT enqueue"); !ok) return ok;
      if (auto ok = insert_task(s, item->task); !ok) return ok;
      for (const auto& r : item->task.results) {
        if (auto ok = upsert_result(s, item->task.task_uuid, r); !ok) return ok;
      }
      return s.exec("RELEASE enqueue");
    }();
    if (!inserted) (void)s.exec("ROLLBACK TO enqueue; RELEASE enqueue");
    results.emplace_back(inserted ? Result<TaskRecord>(item->task) : Result<TaskRecord>(inserted.error()));
  }
  if (tx) {
    if (auto committed = tx->commit(); !committed) {
      for (auto& r : results) r = committed.error();
    }
  }
  std::lock_guard lock(batch_mutex_);
  for (std::size_t i = 0; i < batch.size(); ++i) batch[i]->result = std::move(results[i]);
}

Result<TaskRecord> SqliteTaskStore::get(std::string_view owner, std::string_view task_uuid) {
  auto s = db_->session();
  auto tx = Transaction::begin(s, Mode::Read);  // task row and results from one snapshot
  if (!tx) return tx.error();
  auto task = find_task(s, task_uuid);
  if (!task) return task.error();
  if (!*task || (*task)->owner != owner) return rules::not_found(task_uuid);
  if (auto ok = tx->commit(); !ok) return ok.error();
  return std::move(**task);
}

Result<std::optional<TaskRecord>> SqliteTaskStore::claim_next(std::string_view worker_id,
                                                              std::int64_t lease_ms) {
  auto s = db_->session();
  auto tx = Transaction::begin(s, Mode::RelaxedWrite);  // a crash may lose it: see Mode
  if (!tx) return tx.error();
  const std::int64_t now = clock_.now_ms();
  auto candidate = oldest_claimable(s, now);
  if (!candidate) return candidate.error();
  if (!*candidate) return std::optional<TaskRecord>{};
  auto update = s.prepare(
      "UPDATE tasks SET status = 'processing', attempts = attempts + 1, worker_id = ?1, "
      "lease_expires_ms = ?2, updated_ms = ?3 WHERE seq = ?4");
  if (!update) return update.error();
  update->text(1, worker_id).integer(2, now + lease_ms).integer(3, now);
  update->integer(4, (*candidate)->seq);
  if (auto ok = update->run(); !ok) return ok.error();
  auto task = find_task(s, (*candidate)->task_uuid);
  if (!task) return task.error();
  if (auto ok = tx->commit(); !ok) return ok.error();
  return task;
}

// An update of a task the caller holds (Processing under worker_id), without an fsync. `sql`
// binds ?1 to `value(now)`, ?2 to now and ?3 to the task uuid.
Status SqliteTaskStore::update_held(std::string_view task_uuid, std::string_view worker_id, const char* sql,
                                    const std::function<std::int64_t(std::int64_t)>& value) {
  auto s = db_->session();
  auto tx = Transaction::begin(s, Mode::RelaxedWrite);  // a crash may lose it: see Mode
  if (!tx) return tx.error();
  auto state = find_state(s, task_uuid);
  if (!state) return state.error();
  if (auto ok = rules::check_renew(task_uuid, state->status, state->worker_id, worker_id); !ok) {
    return ok;
  }
  auto update = s.prepare(sql);
  if (!update) return update.error();
  const std::int64_t now = clock_.now_ms();
  update->integer(1, value(now)).integer(2, now).text(3, task_uuid);
  if (auto ok = update->run(); !ok) return ok;
  return tx->commit();
}

Status SqliteTaskStore::renew_lease(std::string_view task_uuid, std::string_view worker_id,
                                    std::int64_t lease_ms) {
  return update_held(task_uuid, worker_id,
                     "UPDATE tasks SET lease_expires_ms = ?1, updated_ms = ?2 WHERE task_uuid = ?3",
                     [lease_ms](std::int64_t now) { return now + lease_ms; });
}

Status SqliteTaskStore::set_progress(std::string_view task_uuid, std::string_view worker_id,
                                     int percent) {
  return update_held(task_uuid, worker_id, "UPDATE tasks SET progress = ?1, updated_ms = ?2 WHERE task_uuid = ?3",
                     [percent](std::int64_t) { return rules::clamp_progress(percent); });
}

Status SqliteTaskStore::put_result(std::string_view task_uuid, ResultRecord result) {
  auto s = db_->session();
  auto tx = Transaction::begin(s, Mode::RelaxedWrite);  // a crash may lose it: see Mode
  if (!tx) return tx.error();
  auto state = find_state(s, task_uuid);
  if (!state) return state.error();
  if (auto ok = rules::check_put_result(task_uuid, state->status, result); !ok) return ok;
  if (auto ok = upsert_result(s, task_uuid, result); !ok) return ok;
  auto touch = s.prepare("UPDATE tasks SET updated_ms = ?1 WHERE task_uuid = ?2");
  if (!touch) return touch.error();
  touch->integer(1, clock_.now_ms()).text(2, task_uuid);
  if (auto ok = touch->run(); !ok) return ok;
  return tx->commit();
}

Status SqliteTaskStore::finish(std::string_view task_uuid, TaskStatus to, std::string_view code,
                               std::string_view message) {
  auto s = db_->session();
  auto tx = Transaction::begin(s, Mode::Write);
  if (!tx) return tx.error();
  auto state = find_state(s, task_uuid);
  if (!state) return state.error();
  if (auto ok = rules::check_finish(task_uuid, state->status); !ok) return ok;
  auto update = s.prepare(
      "UPDATE tasks SET status = ?1, error_code = ?2, error_message = ?3, worker_id = '', "
      "lease_expires_ms = 0, updated_ms = ?4, progress = CASE WHEN ?1 = 'success' THEN 100 "
      "ELSE progress END WHERE task_uuid = ?5");
  if (!update) return update.error();
  update->text(1, to_string(to)).text(2, code).text(3, message);
  update->integer(4, clock_.now_ms()).text(5, task_uuid);
  if (auto ok = update->run(); !ok) return ok;
  return tx->commit();
}

Status SqliteTaskStore::complete(std::string_view task_uuid) {
  return finish(task_uuid, TaskStatus::Success, {}, {});
}

Status SqliteTaskStore::fail(std::string_view task_uuid, std::string_view code,
                             std::string_view message) {
  return finish(task_uuid, TaskStatus::Error, code, message);
}

Status SqliteTaskStore::cancel(std::string_view owner, std::string_view task_uuid) {
  auto s = db_->session();
  auto tx = Transaction::begin(s, Mode::Write);
  if (!tx) return tx.error();
  auto state = find_state(s, task_uuid);
  if (!state) return state.error();
  if (state->owner != owner) return rules::not_found(task_uuid);
  auto change = rules::check_cancel(task_uuid, state->status);
  if (!change) return change.error();
  if (!*change) return Ok{};
  auto update = s.prepare(
      "UPDATE tasks SET status = 'cancelled', worker_id = '', lease_expires_ms = 0, "
      "updated_ms = ?1 WHERE task_uuid = ?2");
  if (!update) return update.error();
  update->integer(1, clock_.now_ms()).text(2, task_uuid);
  if (auto ok = update->run(); !ok) return ok;
  return tx->commit();
}

Result<std::int64_t> SqliteTaskStore::requeue_interrupted() {
  auto s = db_->session();
  auto update = s.prepare(
      "UPDATE tasks SET status = 'queued', worker_id = '', lease_expires_ms = 0, "
      "updated_ms = ?1 WHERE status = 'processing'");
  if (!update) return update.error();
  update->integer(1, clock_.now_ms());
  if (auto ok = update->run(); !ok) return ok.error();
  return s.changes();
}

Result<std::map<TaskStatus, std::int64_t>> SqliteTaskStore::count_by_status() {
  std::map<TaskStatus, std::int64_t> counts;
  for (auto st : {TaskStatus::Queued, TaskStatus::Processing, TaskStatus::Success,
                  TaskStatus::Error, TaskStatus::Cancelled}) {
    counts[st] = 0;
  }
  auto s = db_->session();
  auto stmt = s.prepare("SELECT status, COUNT(*) FROM tasks GROUP BY status");
  if (!stmt) return stmt.error();
  for (;;) {
    auto row = stmt->step();
    if (!row) return row.error();
    if (!*row) return counts;
    const std::string status = stmt->column_text(0);
    auto parsed = parse_task_status(status);
    if (!parsed) return corrupt_status(status);
    counts[*parsed] = stmt->column_int(1);
  }
}

Result<TaskRecord> SqliteTaskStore::get_by_external_id(std::string_view owner, std::string_view external_id) {
  if (external_id.empty()) return rules::not_found(external_id);
  auto s = db_->session();
  auto tx = Transaction::begin(s, Mode::Read);
  if (!tx) return tx.error();
  auto stmt = s.prepare(std::string(kSelectTask) + "WHERE owner = ?1 AND external_id = ?2");
  if (!stmt) return stmt.error();
  stmt->text(1, owner).text(2, external_id);
  auto tasks = read_tasks(s, *stmt);
  if (!tasks) return tasks.error();
  if (tasks->empty()) return rules::not_found(external_id);
  if (auto ok = tx->commit(); !ok) return ok.error();
  return std::move(tasks->front());
}

Result<std::vector<TaskRecord>> SqliteTaskStore::list(std::string_view owner, const ListQuery& query) {
  auto s = db_->session();
  auto tx = Transaction::begin(s, Mode::Read);
  if (!tx) return tx.error();
  auto stmt = s.prepare(std::string(kSelectTask) +
                        "WHERE owner = ?1 AND (?4 = '' OR api = ?4) "
                        "ORDER BY created_ms DESC, seq DESC LIMIT ?2 OFFSET ?3");
  if (!stmt) return stmt.error();
  stmt->text(1, owner).integer(2, clamp_to_int64(query.limit)).integer(3, clamp_to_int64(query.offset));
  stmt->text(4, query.api);
  auto tasks = read_tasks(s, *stmt);
  if (!tasks) return tasks.error();
  if (auto ok = tx->commit(); !ok) return ok.error();
  return tasks;
}

}  // namespace vidserve::store
