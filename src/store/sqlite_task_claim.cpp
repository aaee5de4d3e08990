// SqliteTaskStore::claim_next: fair claims across owners (see TaskStore::claim_next).
//
// task_owners (schema version 4) holds, per owner, how many of its tasks are queued or processing
// (kept by triggers) and the number of its latest claim. A claim walks the owners that have tasks
// in flight in the order of their latest claim (index task_owners_by_turn) and takes the first one
// with a claimable task; each owner's oldest claimable task is an index lookup on tasks_claim
// (owner, status, not_before_ms, created_ms, seq). So a claim costs O(log n) in the number of
// queued tasks, plus one lookup per owner whose tasks are all running or deferred. The queries
// name their index (INDEXED BY): for the processing query SQLite would otherwise pick
// tasks_by_owner to avoid a small sort and walk the owner's whole backlog (38 ms a claim with
// 100 000 queued tasks instead of 0.3 ms).
#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "store/sqlite_database.hpp"
#include "store/sqlite_task_rows.hpp"
#include "store/sqlite_task_store.hpp"

namespace vidserve::store {

namespace {

using namespace sqlite_rows;

struct Candidate {
  std::string task_uuid;
  std::int64_t created_ms = 0, seq = 0;
};

// The first row of a "SELECT task_uuid, created_ms, seq ..." query with ?1 = owner, ?2 = now.
Result<std::optional<Candidate>> first_candidate(Session& s, const char* sql,
                                                 std::string_view owner, std::int64_t now) {
  auto stmt = s.prepare(sql);
  if (!stmt) return stmt.error();
  stmt->text(1, owner).integer(2, now);
  auto row = stmt->step();
  if (!row) return row.error();
  if (!*row) return std::optional<Candidate>{};
  return std::optional<Candidate>{
      Candidate{stmt->column_text(0), stmt->column_int(1), stmt->column_int(2)}};
}

// The owner's oldest claimable task. Three index range scans rather than one OR query: queued
// tasks that were never deferred (equality on not_before_ms = 0, then in claim order), deferred
// tasks whose time has come (few), and processing tasks under an expired lease (few).
Result<std::optional<Candidate>> oldest_claimable(Session& s, std::string_view owner,
                                                  std::int64_t now) {
  // Each query binds ?1 and ?2; the first has no use for `now` ("?2 = ?2" consumes it).
  static constexpr const char* kQueries[] = {
      "SELECT task_uuid, created_ms, seq FROM tasks INDEXED BY tasks_claim "
      "WHERE owner = ?1 AND status = 'queued' AND not_before_ms = 0 AND ?2 = ?2 "
      "ORDER BY created_ms, seq LIMIT 1",
      "SELECT task_uuid, created_ms, seq FROM tasks INDEXED BY tasks_claim "
      "WHERE owner = ?1 AND status = 'queued' AND not_before_ms > 0 AND not_before_ms <= ?2 "
      "ORDER BY created_ms, seq LIMIT 1",
      "SELECT task_uuid, created_ms, seq FROM tasks INDEXED BY tasks_claim "
      "WHERE owner = ?1 AND status = 'processing' AND lease_expires_ms <= ?2 "
      "ORDER BY created_ms, seq LIMIT 1",
  };
  std::optional<Candidate> best;
  for (const char* sql : kQueries) {
    auto found = first_candidate(s, sql, owner, now);
    if (!found) return found;
    if (*found && (!best || std::tie((*found)->created_ms, (*found)->seq) <
                                std::tie(best->created_ms, best->seq))) {
      best = std::move(*found);
    }
  }
  return best;
}

struct Choice {
  std::string owner;
  Candidate task;
};

// Owners with tasks in flight, in turn order; the first with a claimable task wins. Owners never
// claimed from share turn 0: among them the oldest claimable task wins.
Result<std::optional<Choice>> next_choice(Session& s, std::int64_t now) {
  auto owners = s.prepare(
      "SELECT owner, last_claim FROM task_owners WHERE active > 0 ORDER BY last_claim, owner");
  if (!owners) return owners.error();
  std::optional<Choice> chosen;
  std::int64_t chosen_turn = 0;
  for (;;) {
    auto row = owners->step();
    if (!row) return row.error();
    if (!*row) break;
    const std::int64_t turn = owners->column_int(1);
    if (chosen && turn != chosen_turn) break;
    const std::string owner = owners->column_text(0);
    auto candidate = oldest_claimable(s, owner, now);
    if (!candidate) return candidate.error();
    if (!*candidate) continue;
    const auto& c = **candidate;
    if (!chosen ||
        std::tie(c.created_ms, c.seq) < std::tie(chosen->task.created_ms, chosen->task.seq)) {
      chosen = Choice{owner, c};
      chosen_turn = turn;
    }
  }
  return chosen;
}

Status take_turn(Session& s, std::string_view owner) {
  auto update = s.prepare(
      "UPDATE task_owners SET last_claim = (SELECT MAX(last_claim) FROM task_owners) + 1 WHERE "
      "owner = ?1");
  if (!update) return update.error();
  update->text(1, owner);
  return update->run();
}

}  // namespace

Result<std::optional<TaskRecord>> SqliteTaskStore::claim_next(std::string_view worker_id,
                                                              std::int64_t lease_ms) {
  auto s = db_->session();
  auto tx =
      Transaction::begin(s, Transaction::Mode::RelaxedWrite);  // a crash may lose it: see Mode
  if (!tx) return tx.error();
  const std::int64_t now = clock_.now_ms();
  auto choice = next_choice(s, now);
  if (!choice) return choice.error();
  if (!*choice) return std::optional<TaskRecord>{};
  auto update = s.prepare(
      "UPDATE tasks SET status = 'processing', attempts = attempts + 1, worker_id = ?1, "
      "lease_expires_ms = ?2, updated_ms = ?3, not_before_ms = 0 WHERE seq = ?4");
  if (!update) return update.error();
  update->text(1, worker_id).integer(2, now + lease_ms).integer(3, now);
  update->integer(4, (*choice)->task.seq);
  if (auto ok = update->run(); !ok) return ok.error();
  if (auto ok = take_turn(s, (*choice)->owner); !ok) return ok.error();
  auto task = find_task(s, (*choice)->task.task_uuid);
  if (!task) return task.error();
  // The first move to Processing is announced (Kling's "processing" callback); a retry is not.
  if (*task && (**task).attempts == 1) {
    if (auto ok = add_outbox(s, **task, kWebhookProcessing, now); !ok) return ok.error();
  }
  if (auto ok = tx->commit(); !ok) return ok.error();
  return task;
}

}  // namespace vidserve::store
