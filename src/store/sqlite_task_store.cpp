#include "store/sqlite_task_store.hpp"

#include <algorithm>
#include <functional>
#include <limits>
#include <tuple>
#include <utility>

#include "store/sqlite_database.hpp"
#include "store/sqlite_task_rows.hpp"
#include "store/task_rules.hpp"

namespace vidserve::store {

namespace {

using namespace sqlite_rows;
using Mode = Transaction::Mode;

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
    auto inserted = insert_one(s, item->task);
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

Status SqliteTaskStore::insert_one(Session& s, TaskRecord& task) {
  if (auto ok = s.exec("SAVEPOINT enqueue"); !ok) return ok;
  if (const auto limit = max_active_per_owner(); limit > 0) {
    // Counted inside the batch's write transaction: the triggers of the inserts before this one
    // have already updated it, and no other writer can interleave.
    auto count = s.prepare("SELECT active FROM task_owners WHERE owner = ?1");
    if (!count) return count.error();
    count->text(1, task.owner);
    auto row = count->step();
    if (!row) return row.error();
    if (*row && count->column_int(0) >= limit) return rules::too_many_queued(limit);
  }
  auto key = choose_key(s, task.owner, task.task_uuid);
  if (!key) return key.error();
  task.key = std::move(key).value();
  if (auto ok = insert_task(s, task); !ok) return ok;
  for (const auto& r : task.results) {
    if (auto ok = upsert_result(s, task.key, r); !ok) return ok;
  }
  if (auto ok = add_outbox(s, task, kWebhookSubmitted, task.created_ms); !ok) return ok;
  return s.exec("RELEASE enqueue");
}

Result<TaskRecord> SqliteTaskStore::get(std::string_view owner, std::string_view task_uuid) {
  return read_owned(owner, task_uuid, true);
}

Result<TaskRecord> SqliteTaskStore::get_brief(std::string_view owner, std::string_view task_uuid) {
  return read_owned(owner, task_uuid, false);
}

Result<TaskRecord> SqliteTaskStore::read_owned(std::string_view owner, std::string_view task_uuid,
                                               bool with_request) {
  auto s = db_->session();
  auto tx = Transaction::begin(s, Mode::Read);  // task row and results from one snapshot
  if (!tx) return tx.error();
  auto task = find_owned_task(s, owner, task_uuid, with_request);
  if (!task) return task.error();
  if (!*task) return rules::not_found(task_uuid);
  if (auto ok = tx->commit(); !ok) return ok.error();
  return std::move(**task);
}

// A write to a task the caller holds: checks the claim (rules::check_claim), then runs `write`
// with the time, in one transaction of `mode`.
Status SqliteTaskStore::with_held(const Claim& claim, Transaction::Mode mode,
                                  const std::function<Status(Session&, std::int64_t now)>& write) {
  auto s = db_->session();
  auto tx = Transaction::begin(s, mode);
  if (!tx) return tx.error();
  auto state = find_state(s, claim.key);
  if (!state) return state.error();
  if (auto ok = rules::check_claim(state->status, state->worker_id, state->attempts, claim); !ok) return ok;
  if (auto ok = write(s, clock_.now_ms()); !ok) return ok;
  return tx->commit();
}

// An update of the held task's row, without an fsync (a crash may lose it: see Mode). `sql`
// binds ?1 to `value(now)`, ?2 to now and ?3 to the task's key.
Status SqliteTaskStore::update_held(const Claim& claim, const char* sql,
                                    const std::function<std::int64_t(std::int64_t)>& value) {
  return with_held(claim, Mode::RelaxedWrite, [&](Session& s, std::int64_t now) -> Status {
    auto update = s.prepare(sql);
    if (!update) return update.error();
    update->integer(1, value(now)).integer(2, now).text(3, claim.key);
    return update->run();
  });
}

Status SqliteTaskStore::renew_lease(const Claim& claim, std::int64_t lease_ms) {
  return update_held(claim, "UPDATE tasks SET lease_expires_ms = ?1, updated_ms = ?2 WHERE task_uuid = ?3",
                     [lease_ms](std::int64_t now) { return now + lease_ms; });
}

Status SqliteTaskStore::check_held(const Claim& claim) {
  return with_held(claim, Mode::Read, [](Session&, std::int64_t) -> Status { return Ok{}; });
}

Status SqliteTaskStore::defer(const Claim& claim, std::int64_t delay_ms) {
  return update_held(claim,
                     "UPDATE tasks SET status = 'queued', worker_id = '', lease_expires_ms = 0, "
                     "not_before_ms = ?1, updated_ms = ?2 WHERE task_uuid = ?3",
                     [delay_ms](std::int64_t now) { return rules::defer_until(now, delay_ms); });
}

Status SqliteTaskStore::set_progress(const Claim& claim, int percent) {
  return update_held(claim, "UPDATE tasks SET progress = ?1, updated_ms = ?2 WHERE task_uuid = ?3",
                     [percent](std::int64_t) { return rules::clamp_progress(percent); });
}

namespace {

Status touch(Session& s, std::string_view key, std::int64_t now) {
  auto touch = s.prepare("UPDATE tasks SET updated_ms = ?1 WHERE task_uuid = ?2");
  if (!touch) return touch.error();
  touch->integer(1, now).text(2, key);
  return touch->run();
}

}  // namespace

Status SqliteTaskStore::put_result(const Claim& claim, ResultRecord result) {
  if (auto ok = rules::check_result(result); !ok) return ok;
  return with_held(claim, Mode::RelaxedWrite, [&](Session& s, std::int64_t now) -> Status {
    if (auto ok = upsert_result(s, claim.key, result); !ok) return ok;
    return touch(s, claim.key, now);
  });
}

Status SqliteTaskStore::save_provider_state(const Claim& claim, int result_index, std::string state) {
  if (auto ok = rules::check_provider_state(state); !ok) return ok;
  // Durable: what it saves is usually worth money (a provider task that a lost id would create
  // and bill again), and it is written once per result.
  return with_held(claim, Mode::Write, [&](Session& s, std::int64_t now) -> Status {
    auto update = s.prepare("UPDATE task_results SET provider_state = ?1 WHERE task_uuid = ?2 AND idx = ?3");
    if (!update) return update.error();
    update->blob(1, state).text(2, claim.key).integer(3, result_index);
    if (auto ok = update->run(); !ok) return ok;
    if (s.changes() == 0) return rules::no_result(claim.key, result_index);
    return touch(s, claim.key, now);
  });
}

Status SqliteTaskStore::finish(const Claim& claim, TaskStatus to, std::string_view code,
                               std::string_view message) {
  return with_held(claim, Mode::Write, [&](Session& s, std::int64_t now) -> Status {
    auto update = s.prepare(
        "UPDATE tasks SET status = ?1, error_code = ?2, error_message = ?3, worker_id = '', "
        "lease_expires_ms = 0, updated_ms = ?4, progress = CASE WHEN ?1 = 'success' THEN 100 "
        "ELSE progress END WHERE task_uuid = ?5");
    if (!update) return update.error();
    update->text(1, to_string(to)).text(2, code).text(3, message);
    update->integer(4, now).text(5, claim.key);
    if (auto ok = update->run(); !ok) return ok;
    auto state = find_state(s, claim.key);
    if (!state) return state.error();
    return add_outbox(s, claim.key, *state, kWebhookFinal, now);
  });
}

Status SqliteTaskStore::complete(const Claim& claim) {
  return finish(claim, TaskStatus::Success, {}, {});
}

Status SqliteTaskStore::fail(const Claim& claim, std::string_view code, std::string_view message) {
  return finish(claim, TaskStatus::Error, code, message);
}

Status SqliteTaskStore::cancel(std::string_view owner, std::string_view task_uuid) {
  auto s = db_->session();
  auto tx = Transaction::begin(s, Mode::Write);
  if (!tx) return tx.error();
  auto key = find_key(s, owner, task_uuid);
  if (!key) return key.error();
  if (!*key) return rules::not_found(task_uuid);
  auto state = find_state(s, **key);
  if (!state) return state.error();
  auto change = rules::check_cancel(task_uuid, state->status);
  if (!change) return change.error();
  if (!*change) return Ok{};
  auto update = s.prepare(
      "UPDATE tasks SET status = 'cancelled', worker_id = '', lease_expires_ms = 0, "
      "updated_ms = ?1 WHERE task_uuid = ?2");
  if (!update) return update.error();
  const auto now = clock_.now_ms();
  update->integer(1, now).text(2, **key);
  if (auto ok = update->run(); !ok) return ok;
  if (auto ok = add_outbox(s, **key, *state, kWebhookFinal, now); !ok) return ok;
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

Result<std::vector<TaskRecord>> SqliteTaskStore::older_requests(int version, int limit) {
  auto s = db_->session();
  auto stmt = s.prepare(select_task() +
                        "INDEXED BY tasks_by_request_version WHERE request_version < ?1 LIMIT ?2");
  if (!stmt) return stmt.error();
  stmt->integer(1, version).integer(2, limit);
  return read_task_rows(*stmt);
}

Status SqliteTaskStore::rewrite_requests(const std::vector<RequestRewrite>& rewrites) {
  auto s = db_->session();
  auto tx = Transaction::begin(s, Mode::Write);
  if (!tx) return tx.error();
  for (const auto& r : rewrites) {
    auto update = s.prepare("UPDATE tasks SET request = ?1, request_version = ?2 WHERE task_uuid = ?3");
    if (!update) return update.error();
    update->blob(1, r.request).integer(2, r.version).text(3, r.key);
    if (auto ok = update->run(); !ok) return ok;
  }
  return tx->commit();
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
  auto stmt = s.prepare(select_task() + "WHERE owner = ?1 AND external_id = ?2");
  if (!stmt) return stmt.error();
  stmt->text(1, owner).text(2, external_id);
  auto tasks = read_tasks(s, *stmt);
  if (!tasks) return tasks.error();
  if (tasks->empty()) return rules::not_found(external_id);
  if (auto ok = tx->commit(); !ok) return ok.error();
  return std::move(tasks->front());
}

Result<std::vector<TaskRepository::FinishedTask>> SqliteTaskStore::finished_before(std::int64_t updated_before_ms,
                                                                              std::size_t limit) {
  auto s = db_->session();
  // Through the partial index tasks_finished (its WHERE clause repeated), so only finished rows
  // are read, already in updated_ms order; SQLite would otherwise pick tasks_by_status and sort.
  auto stmt = s.prepare(
      "SELECT owner, client_uuid FROM tasks INDEXED BY tasks_finished "
      "WHERE status IN ('success', 'error', 'cancelled') "
      "AND updated_ms < ?1 ORDER BY updated_ms LIMIT ?2");
  if (!stmt) return stmt.error();
  stmt->integer(1, updated_before_ms).integer(2, clamp_to_int64(limit));
  std::vector<FinishedTask> out;
  for (;;) {
    auto row = stmt->step();
    if (!row) return row.error();
    if (!*row) return out;
    out.push_back({stmt->column_text(0), stmt->column_text(1)});
  }
}

Result<std::int64_t> SqliteTaskStore::remove_finished(const std::vector<FinishedTask>& tasks) {
  auto s = db_->session();
  auto tx = Transaction::begin(s, Mode::Write);
  if (!tx) return tx.error();
  std::int64_t removed = 0;
  for (const auto& task : tasks) {
    auto key = find_key(s, task.owner, task.task_uuid);
    if (!key) return key.error();
    if (!*key) continue;
    auto remove = s.prepare(
        "DELETE FROM tasks WHERE task_uuid = ?1 AND status IN ('success', 'error', 'cancelled')");
    if (!remove) return remove.error();
    remove->text(1, **key);
    if (auto ok = remove->run(); !ok) return ok.error();
    if (s.changes() == 0) continue;
    ++removed;
    auto results = s.prepare("DELETE FROM task_results WHERE task_uuid = ?1");
    if (!results) return results.error();
    results->text(1, **key);
    if (auto ok = results->run(); !ok) return ok.error();
  }
  if (auto ok = tx->commit(); !ok) return ok.error();
  return removed;
}

Result<std::vector<TaskRecord>> SqliteTaskStore::list(std::string_view owner, const ListQuery& query) {
  auto s = db_->session();
  auto tx = Transaction::begin(s, Mode::Read);
  if (!tx) return tx.error();
  auto stmt = s.prepare(select_task(false) +
                        "WHERE owner = ?1 AND (?4 = '' OR api = ?4) AND (?5 = '' OR status = ?5) "
                        "ORDER BY created_ms DESC, seq DESC LIMIT ?2 OFFSET ?3");
  if (!stmt) return stmt.error();
  stmt->text(1, owner).integer(2, clamp_to_int64(query.limit)).integer(3, clamp_to_int64(query.offset));
  stmt->text(4, query.api);
  stmt->text(5, query.status ? to_string(*query.status) : std::string_view());
  auto tasks = read_tasks(s, *stmt);
  if (!tasks) return tasks.error();
  if (auto ok = tx->commit(); !ok) return ok.error();
  return tasks;
}

}  // namespace vidserve::store
