// PgTaskStore: enqueue, get, and the fenced TaskQueue writes (claim_next is in
// pg_task_claim.cpp, the other reads and retention in pg_task_reads.cpp, the outbox in
// pg_webhook_outbox.cpp).
#include "store/pg_task_store.hpp"

#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include "store/pg_task_rows.hpp"
#include "store/task_rules.hpp"

namespace vidserve::store {

using namespace pg_rows;

namespace {

// An enqueue failure that belongs to one task of a batch: the others still go in.
bool refuses_only_this_task(const Error& error) {
  return error.code == errc::kDuplicateTaskUUID || error.code == errc::kDuplicateExternalId ||
         error.code == errc::kTooManyQueuedTasks;
}

// The owners an enqueue transaction adds tasks for: each one's queued + processing tasks as the
// transaction found them, and how many it added. task_owners.active is written once per owner, at
// the end (see migration 2).
class OwnerCounts {
 public:
  explicit OwnerCounts(std::int64_t limit) : limit_(limit) {}

  // Under a limit: locks the rows of these owners until the transaction ends (in one order, so
  // two batches never wait for each other) and reads their counts, so the enqueues of one owner,
  // from any process, count one after another.
  Status lock(PgConnection& c, const std::set<std::string>& owners) {
    if (limit_ <= 0) return Ok{};
    for (const auto& owner : owners) {
      auto active = c.exec(
          "INSERT INTO task_owners (owner) VALUES ($1) "
          "ON CONFLICT (owner) DO UPDATE SET owner = excluded.owner RETURNING active",
          {PgParam::text(owner)});
      if (!active) return active.error();
      counts_[owner].active = active->int64(0, 0);
    }
    return Ok{};
  }
  // Whether one more task of `owner` stays within the limit.
  Status admit(const std::string& owner) const {
    auto it = counts_.find(owner);
    if (limit_ <= 0 || it == counts_.end()) return Ok{};
    if (it->second.active + it->second.added >= limit_) return rules::too_many_queued(limit_);
    return Ok{};
  }
  void add(const std::string& owner) { ++counts_[owner].added; }
  // Adds what this transaction added to each owner's count.
  Status write(PgConnection& c) const {
    for (const auto& [owner, count] : counts_) {
      if (count.added == 0) continue;
      if (auto ok = run(c,
                        "INSERT INTO task_owners (owner, active) VALUES ($1, $2) "
                        "ON CONFLICT (owner) DO UPDATE SET active = task_owners.active + "
                        "excluded.active",
                        {PgParam::text(owner), PgParam::int64(count.added)});
          !ok) {
        return ok;
      }
    }
    return Ok{};
  }

 private:
  struct Count {
    std::int64_t active = 0, added = 0;
  };
  std::int64_t limit_;
  std::map<std::string, Count> counts_;
};

// A task leaves the queued + processing count of its owner.
Status count_finished(PgConnection& c, const std::string& owner) {
  return run(c, "UPDATE task_owners SET active = active - 1 WHERE owner = $1",
             {PgParam::text(owner)});
}

}  // namespace

Result<std::unique_ptr<PgTaskStore>> PgTaskStore::open(std::shared_ptr<PgDatabase> db,
                                                       const Clock& clock) {
  if (!db) return Error{errc::kInvalidArgument, "PgTaskStore needs a database"};
  return std::unique_ptr<PgTaskStore>(new PgTaskStore(std::move(db), clock));
}

PgTaskStore::PgTaskStore(std::shared_ptr<PgDatabase> db, const Clock& clock)
    : db_(std::move(db)), clock_(clock) {}

Status PgTaskStore::insert_one(PgConnection& c, TaskRecord& task) {
  if (auto ok = insert_task(c, task); !ok) return ok;
  for (const auto& r : task.results) {
    if (auto ok = upsert_result(c, task.key, r); !ok) return ok;
  }
  return add_outbox(c, task, kWebhookSubmitted, task.created_ms);
}

Result<TaskRecord> PgTaskStore::enqueue(TaskRecord task) {
  std::vector<TaskRecord> one;
  one.push_back(std::move(task));
  return std::move(enqueue_many(std::move(one)).front());
}

Status PgTaskStore::insert_batch(std::vector<TaskRecord>& tasks,
                                 const std::vector<std::size_t>& todo,
                                 std::vector<std::optional<Error>>& refused) {
  std::set<std::string> owners;
  for (std::size_t i : todo) owners.insert(tasks[i].owner);
  // Several tasks: each in a savepoint, so a duplicate fails only itself. Any other failure fails
  // them all (and PgDatabase may run the whole transaction again), as does a lone task's.
  const bool savepoints = todo.size() > 1;
  return db_->transaction<Status>([&](PgConnection& c) -> Status {
    OwnerCounts counts(max_active_per_owner());
    if (auto ok = counts.lock(c, owners); !ok) return ok;
    for (std::size_t i : todo) {
      refused[i] = std::nullopt;
      if (auto ok = counts.admit(tasks[i].owner); !ok) {
        refused[i] = ok.error();
        continue;
      }
      if (savepoints) {
        if (auto ok = run(c, "SAVEPOINT enqueue"); !ok) return ok;
      }
      auto inserted = insert_one(c, tasks[i]);
      if (!inserted && (!savepoints || !refuses_only_this_task(inserted.error()))) return inserted;
      if (inserted) counts.add(tasks[i].owner);
      if (!inserted) refused[i] = inserted.error();
      if (savepoints) {
        if (auto ok = run(c, inserted ? "RELEASE enqueue" : "ROLLBACK TO enqueue"); !ok) return ok;
      }
    }
    return counts.write(c);
  });
}

std::vector<Result<TaskRecord>> PgTaskStore::enqueue_many(std::vector<TaskRecord> tasks) {
  const auto now = clock_.now_ms();
  // Per task: the error that refused it, or nullopt once it is stored.
  std::vector<std::optional<Error>> refused(tasks.size());
  std::vector<std::size_t> todo;
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    if (auto ok = rules::prepare_new_task(tasks[i], now); !ok) {
      refused[i] = ok.error();
    } else {
      todo.push_back(i);
    }
  }
  const Status stored = todo.empty() ? Status(Ok{}) : insert_batch(tasks, todo, refused);
  std::vector<Result<TaskRecord>> results;
  results.reserve(tasks.size());
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    if (refused[i]) {
      results.emplace_back(std::move(*refused[i]));
    } else if (!stored) {
      results.emplace_back(stored.error());
    } else {
      results.emplace_back(std::move(tasks[i]));
    }
  }
  return results;
}

Result<TaskRecord> PgTaskStore::get(std::string_view owner, std::string_view task_uuid) {
  return read_owned(owner, task_uuid, true);
}

Result<TaskRecord> PgTaskStore::get_brief(std::string_view owner, std::string_view task_uuid) {
  return read_owned(owner, task_uuid, false);
}

Result<TaskRecord> PgTaskStore::read_owned(std::string_view owner, std::string_view task_uuid,
                                           bool with_request) {
  return db_->transaction<Result<TaskRecord>>([&](PgConnection& c) -> Result<TaskRecord> {
    if (auto ok = snapshot(c); !ok) return ok.error();  // the row and its results together
    auto task = find_owned_task(c, owner, task_uuid, with_request);
    if (!task) return task.error();
    if (!*task) return rules::not_found(task_uuid);
    return std::move(**task);
  });
}

Status PgTaskStore::with_held(const Claim& claim, Access access, const HeldWrite& write) {
  return db_->transaction<Status>([&](PgConnection& c) -> Status {
    if (access == Access::RelaxedWrite) {
      if (auto ok = relaxed(c); !ok) return ok;
    }
    auto state = find_state(c, claim.key, access != Access::Read);
    if (!state) return state.error();
    if (auto ok = rules::check_claim(state->status, state->worker_id, state->attempts, claim);
        !ok) {
      return ok;
    }
    return write(c, *state, clock_.now_ms());
  });
}

Status PgTaskStore::update_held(const Claim& claim, const char* sql,
                                const std::function<std::int64_t(std::int64_t)>& value) {
  return with_held(
      claim, Access::RelaxedWrite,
      [&](PgConnection& c, const TaskState&, std::int64_t now) -> Status {
        return run(c, sql,
                   {PgParam::int64(value(now)), PgParam::int64(now), PgParam::text(claim.key)});
      });
}

Status PgTaskStore::renew_lease(const Claim& claim, std::int64_t lease_ms) {
  return update_held(claim,
                     "UPDATE tasks SET lease_expires_ms = $1, updated_ms = $2 WHERE task_key = $3",
                     [lease_ms](std::int64_t now) { return now + lease_ms; });
}

Status PgTaskStore::check_held(const Claim& claim) {
  return with_held(claim, Access::Read,
                   [](PgConnection&, const TaskState&, std::int64_t) -> Status { return Ok{}; });
}

Status PgTaskStore::defer(const Claim& claim, std::int64_t delay_ms) {
  return update_held(claim,
                     "UPDATE tasks SET status = 'queued', worker_id = '', lease_expires_ms = 0, "
                     "not_before_ms = $1, updated_ms = $2 WHERE task_key = $3",
                     [delay_ms](std::int64_t now) { return rules::defer_until(now, delay_ms); });
}

Status PgTaskStore::set_progress(const Claim& claim, int percent) {
  return update_held(claim, "UPDATE tasks SET progress = $1, updated_ms = $2 WHERE task_key = $3",
                     [percent](std::int64_t) { return rules::clamp_progress(percent); });
}

namespace {

Status touch(PgConnection& c, std::string_view key, std::int64_t now) {
  return run(c, "UPDATE tasks SET updated_ms = $1 WHERE task_key = $2",
             {PgParam::int64(now), PgParam::text(key)});
}

}  // namespace

Status PgTaskStore::put_result(const Claim& claim, ResultRecord result) {
  if (auto ok = rules::check_result(result); !ok) return ok;
  return with_held(claim, Access::RelaxedWrite,
                   [&](PgConnection& c, const TaskState&, std::int64_t now) -> Status {
                     if (auto ok = upsert_result(c, claim.key, result); !ok) return ok;
                     return touch(c, claim.key, now);
                   });
}

Status PgTaskStore::save_provider_state(const Claim& claim, int result_index, std::string state) {
  if (auto ok = rules::check_provider_state(state); !ok) return ok;
  // Durable: what it saves is usually worth money (a provider task that a lost id would create
  // and bill again), and it is written once per result.
  return with_held(
      claim, Access::Write, [&](PgConnection& c, const TaskState&, std::int64_t now) -> Status {
        auto updated = c.exec(
            "UPDATE task_results SET provider_state = $1 "
            "WHERE task_key = $2 AND idx = $3",
            {PgParam::bytes(state), PgParam::text(claim.key), PgParam::int64(result_index)});
        if (!updated) return updated.error();
        if (updated->affected() == 0) return rules::no_result(claim.key, result_index);
        return touch(c, claim.key, now);
      });
}

Status PgTaskStore::finish(const Claim& claim, TaskStatus to, std::string_view code,
                           std::string_view message) {
  return with_held(
      claim, Access::Write,
      [&](PgConnection& c, const TaskState& state, std::int64_t now) -> Status {
        const auto status = to_string(to);
        if (auto ok = run(c,
                          "UPDATE tasks SET status = $1, error_code = $2, error_message = $3, "
                          "worker_id = '', lease_expires_ms = 0, updated_ms = $4, progress = "
                          "CASE WHEN $1 = 'success' THEN 100 ELSE progress END WHERE task_key = $5",
                          {PgParam::text(status), PgParam::text(code), PgParam::text(message),
                           PgParam::int64(now), PgParam::text(claim.key)});
            !ok) {
          return ok;
        }
        if (auto ok = count_finished(c, state.owner); !ok) return ok;
        return add_outbox(c, claim.key, state, kWebhookFinal, now);
      });
}

Status PgTaskStore::complete(const Claim& claim) {
  return finish(claim, TaskStatus::Success, {}, {});
}

Status PgTaskStore::fail(const Claim& claim, std::string_view code, std::string_view message) {
  return finish(claim, TaskStatus::Error, code, message);
}

Status PgTaskStore::cancel(std::string_view owner, std::string_view task_uuid) {
  return db_->transaction<Status>([&](PgConnection& c) -> Status {
    auto key = find_key(c, owner, task_uuid);
    if (!key) return key.error();
    if (!*key) return rules::not_found(task_uuid);
    auto state = find_state(c, **key, /*lock=*/true);
    if (!state) return state.error();
    auto change = rules::check_cancel(task_uuid, state->status);
    if (!change) return change.error();
    if (!*change) return Ok{};
    const auto now = clock_.now_ms();
    if (auto ok = run(c,
                      "UPDATE tasks SET status = 'cancelled', worker_id = '', "
                      "lease_expires_ms = 0, updated_ms = $1 WHERE task_key = $2",
                      {PgParam::int64(now), PgParam::text(**key)});
        !ok) {
      return ok;
    }
    if (auto ok = count_finished(c, state->owner); !ok) return ok;
    return add_outbox(c, **key, *state, kWebhookFinal, now);
  });
}

}  // namespace vidserve::store
