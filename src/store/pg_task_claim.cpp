// PgTaskStore::claim_next: fair claims across owners (see TaskStore::claim_next), safe with many
// claimers in many processes.
//
// task_owners holds, per owner, how many of its tasks are queued or processing (kept by a
// trigger) and the number of its latest claim (from the sequence task_claim_turns; 0 = never).
// A claim first tries the owners never claimed from, by their oldest claimable task, then the
// others in the order of their latest claim (index task_owners_by_turn), keeping to the owners
// that have a claimable task. For each candidate owner it locks that owner's oldest claimable
// task with FOR NO KEY UPDATE SKIP LOCKED: a task another claimer is taking right now is skipped,
// never waited for and never taken twice (PostgreSQL re-checks the row's conditions when it locks
// it). The lookups are index range scans on the partial indexes tasks_queued, tasks_deferred and
// tasks_leased, so a claim costs O(log n) in the number of queued tasks, plus the owners visited.
#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <utility>

#include "store/pg_task_rows.hpp"
#include "store/pg_task_store.hpp"

namespace vidserve::store {

namespace {

using namespace pg_rows;

// Owners per page of the walk.
constexpr std::int64_t kOwnerPage = 16;

struct Candidate {
  std::int64_t seq = 0, created_ms = 0;
};

// An owner's claimable tasks, three kinds, each oldest first: queued and never deferred, deferred
// and due ($2 = now), processing under an expired lease ($2 = now).
struct Lookup {
  const char* sql;
  bool uses_now;
};
constexpr Lookup kClaimable[] = {
    {"SELECT seq, created_ms FROM tasks WHERE owner = $1 AND status = 'queued' "
     "AND not_before_ms = 0 ORDER BY created_ms, seq LIMIT 1",
     false},
    {"SELECT seq, created_ms FROM tasks WHERE owner = $1 AND status = 'queued' "
     "AND not_before_ms > 0 AND not_before_ms <= $2 ORDER BY created_ms, seq LIMIT 1",
     true},
    {"SELECT seq, created_ms FROM tasks WHERE owner = $1 AND status = 'processing' "
     "AND lease_expires_ms <= $2 ORDER BY created_ms, seq LIMIT 1",
     true},
};

// Locks the owner's oldest claimable task that no other transaction holds; nullopt when none.
// (When two kinds both have one, the younger stays locked until the claim commits: the other
// claimers skip it meanwhile.)
Result<std::optional<Candidate>> lock_oldest_claimable(PgConnection& c, const std::string& owner,
                                                       std::int64_t now) {
  std::optional<Candidate> best;
  for (const auto& lookup : kClaimable) {
    PgParams params = {PgParam::text(owner)};
    if (lookup.uses_now) params.push_back(PgParam::int64(now));
    auto rows = c.exec(std::string(lookup.sql) + " FOR NO KEY UPDATE SKIP LOCKED", params);
    if (!rows) return rows.error();
    if (rows->rows() == 0) continue;
    Candidate found{rows->int64(0, 0), rows->int64(0, 1)};
    if (!best || std::tie(found.created_ms, found.seq) < std::tie(best->created_ms, best->seq)) {
      best = found;
    }
  }
  return best;
}

// Whether owner o has a claimable task ($2 = now), locks aside.
constexpr const char* kHasClaimable =
    "(EXISTS (SELECT 1 FROM tasks t WHERE t.owner = o.owner AND t.status = 'queued' "
    "AND t.not_before_ms = 0) "
    "OR EXISTS (SELECT 1 FROM tasks t WHERE t.owner = o.owner AND t.status = 'queued' "
    "AND t.not_before_ms > 0 AND t.not_before_ms <= $2) "
    "OR EXISTS (SELECT 1 FROM tasks t WHERE t.owner = o.owner AND t.status = 'processing' "
    "AND t.lease_expires_ms <= $2))";

// The owners never claimed from that have a claimable task, by their oldest one ($2 = now,
// $1 = 0, $3 = limit, $4 = offset).
constexpr const char* kNewOwners =
    "SELECT o.owner FROM task_owners o CROSS JOIN LATERAL ("
    "(SELECT created_ms, seq FROM tasks t WHERE t.owner = o.owner AND t.status = 'queued' "
    "AND t.not_before_ms = 0 ORDER BY created_ms, seq LIMIT 1) "
    "UNION ALL (SELECT created_ms, seq FROM tasks t WHERE t.owner = o.owner "
    "AND t.status = 'queued' AND t.not_before_ms > 0 AND t.not_before_ms <= $2 "
    "ORDER BY created_ms, seq LIMIT 1) "
    "UNION ALL (SELECT created_ms, seq FROM tasks t WHERE t.owner = o.owner "
    "AND t.status = 'processing' AND t.lease_expires_ms <= $2 ORDER BY created_ms, seq LIMIT 1) "
    "ORDER BY created_ms, seq LIMIT 1) c "
    "WHERE o.active > 0 AND o.last_claim = $1 ORDER BY c.created_ms, c.seq LIMIT $3 OFFSET $4";

struct Choice {
  std::string owner;
  Candidate task;
};

// Tries each owner of a page in order; the first whose claimable task can be locked wins.
Result<std::optional<Choice>> first_lockable(PgConnection& c, const PgResult& owners,
                                             std::int64_t now) {
  for (int i = 0; i < owners.rows(); ++i) {
    std::string owner = owners.text(i, 0);
    auto task = lock_oldest_claimable(c, owner, now);
    if (!task) return task.error();
    if (*task) return std::optional<Choice>{Choice{std::move(owner), **task}};
  }
  return std::optional<Choice>{};
}

Result<std::optional<Choice>> choose(PgConnection& c, std::int64_t now) {
  // Owners never claimed from come first.
  for (std::int64_t offset = 0;; offset += kOwnerPage) {
    auto owners = c.exec(kNewOwners, {PgParam::int64(0), PgParam::int64(now),
                                      PgParam::int64(kOwnerPage), PgParam::int64(offset)});
    if (!owners) return owners.error();
    auto chosen = first_lockable(c, *owners, now);
    if (!chosen || *chosen) return chosen;
    if (owners->rows() < kOwnerPage) break;
  }
  // Then the others, the one whose latest claim is the oldest first.
  std::int64_t after_turn = 0;
  for (;;) {
    auto owners =
        c.exec(std::string("SELECT o.owner, o.last_claim FROM task_owners o "
                           "WHERE o.active > 0 AND o.last_claim > $1 AND ") +
                   kHasClaimable + " ORDER BY o.last_claim LIMIT $3",
               {PgParam::int64(after_turn), PgParam::int64(now), PgParam::int64(kOwnerPage)});
    if (!owners) return owners.error();
    auto chosen = first_lockable(c, *owners, now);
    if (!chosen || *chosen || owners->rows() < kOwnerPage) return chosen;
    after_turn = owners->int64(owners->rows() - 1, 1);
  }
}

}  // namespace

Result<std::optional<TaskRecord>> PgTaskStore::claim_next(std::string_view worker_id,
                                                          std::int64_t lease_ms) {
  using Out = Result<std::optional<TaskRecord>>;
  return db_->transaction<Out>([&](PgConnection& c) -> Out {
    if (auto ok = relaxed(c); !ok) return ok.error();  // a crash may lose a claim: see TaskQueue
    const std::int64_t now = clock_.now_ms();
    auto choice = choose(c, now);
    if (!choice) return choice.error();
    if (!*choice) return std::optional<TaskRecord>{};
    auto claimed =
        c.exec(std::string("UPDATE tasks SET status = 'processing', attempts = attempts "
                           "+ 1, worker_id = $1, lease_expires_ms = $2, updated_ms = $3, "
                           "not_before_ms = 0 WHERE seq = $4 RETURNING ") +
                   kTaskColumns,
               {PgParam::text(worker_id), PgParam::int64(now + lease_ms), PgParam::int64(now),
                PgParam::int64((*choice)->task.seq)});
    if (!claimed) return claimed.error();
    auto tasks = read_task_rows(*claimed);
    if (!tasks) return tasks.error();
    if (tasks->size() != 1) return Error{errc::kStorage, "the claimed task vanished"};
    if (auto ok = attach_results(c, *tasks); !ok) return ok.error();
    if (auto ok = run(c,
                      "UPDATE task_owners SET last_claim = nextval('task_claim_turns') "
                      "WHERE owner = $1",
                      {PgParam::text((*choice)->owner)});
        !ok) {
      return ok.error();
    }
    // The first move to Processing is announced (Kling's "processing" callback); a retry is not.
    const TaskRecord& task = tasks->front();
    if (task.attempts == 1) {
      if (auto ok = add_outbox(c, task, kWebhookProcessing, now); !ok) return ok.error();
    }
    return std::optional<TaskRecord>{std::move(tasks->front())};
  });
}

}  // namespace vidserve::store
