// PgTaskStore::claim_next: fair claims across owners (see TaskStore::claim_next), safe with many
// claimers in many processes.
//
// task_owners holds, per owner, how many of its tasks are queued or processing and the number of
// its latest claim (from the sequence task_claim_turns; 0 = never). A claim first tries the
// owners never claimed from, by their oldest claimable task, then the others in the order of
// their latest claim (index task_owners_by_turn), keeping to the owners that have a claimable
// task. For each candidate owner one statement (take_sql) locks the owner's oldest claimable task
// of each kind with FOR NO KEY UPDATE SKIP LOCKED, takes the oldest of those and gives the owner
// its turn: a task another claimer is taking right now is skipped, never waited for and never
// taken twice (PostgreSQL re-checks a row's conditions when it locks it). The lookups are index
// scans on the partial indexes tasks_queued, tasks_deferred and tasks_leased, so a claim costs
// O(log n) in the number of queued tasks, plus the owners visited.
#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "store/pg_task_rows.hpp"
#include "store/pg_task_store.hpp"

namespace vidserve::store {

namespace {

using namespace pg_rows;

// Owners per page of the walk.
constexpr std::int64_t kOwnerPage = 16;

// Whether owner o has a claimable task ($2 = now), locks aside: each kind one index lookup. (The
// ORDER BY ... LIMIT 1 makes PostgreSQL take the index; a plain EXISTS may read the tasks table
// from the start, expecting an early match, when most rows are one owner's.)
constexpr const char* kHasClaimable =
    "((SELECT 1 FROM tasks t WHERE t.owner = o.owner AND t.status = 'queued' "
    "AND t.not_before_ms = 0 ORDER BY t.created_ms, t.seq LIMIT 1) IS NOT NULL "
    "OR (SELECT t.not_before_ms FROM tasks t WHERE t.owner = o.owner AND t.status = 'queued' "
    "AND t.not_before_ms > 0 ORDER BY t.not_before_ms LIMIT 1) <= $2 "
    "OR (SELECT t.lease_expires_ms FROM tasks t WHERE t.owner = o.owner "
    "AND t.status = 'processing' ORDER BY t.lease_expires_ms LIMIT 1) <= $2)";

// The owners never claimed from that have a claimable task, by their oldest one ($1 = 0,
// $2 = now, $3 = limit, $4 = offset).
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

// The other owners with a claimable task, in turn order ($1 = the last turn seen, $2 = now,
// $3 = limit).
std::string turn_owners_sql() {
  return std::string(
             "SELECT o.owner, o.last_claim FROM task_owners o WHERE o.active > 0 "
             "AND o.last_claim > $1 AND ") +
         kHasClaimable + " ORDER BY o.last_claim LIMIT $3";
}

PgParams new_owners_params(std::int64_t now, std::int64_t offset) {
  return {PgParam::int64(0), PgParam::int64(now), PgParam::int64(kOwnerPage),
          PgParam::int64(offset)};
}

PgParams turn_owners_params(std::int64_t after_turn, std::int64_t now) {
  return {PgParam::int64(after_turn), PgParam::int64(now), PgParam::int64(kOwnerPage)};
}

// Claims owner $1's oldest claimable task that no other transaction holds, at $2 = now, for
// worker $3 until $4: locks the oldest task of each kind (queued and never deferred, deferred
// and due, processing under an expired lease), takes the oldest of those, and gives the owner its
// turn. Returns the task's columns, or no row. (When two kinds both have a task, the younger
// stays locked until the claim commits: other claimers skip it meanwhile.)
std::string take_sql() {
  return std::string(
             "WITH queued AS (SELECT seq, created_ms FROM tasks WHERE owner = $1 "
             "AND status = 'queued' AND not_before_ms = 0 ORDER BY created_ms, seq LIMIT 1 "
             "FOR NO KEY UPDATE SKIP LOCKED), "
             "deferred AS (SELECT seq, created_ms FROM tasks WHERE owner = $1 "
             "AND status = 'queued' AND not_before_ms > 0 AND not_before_ms <= $2 "
             "ORDER BY created_ms, seq LIMIT 1 FOR NO KEY UPDATE SKIP LOCKED), "
             "leased AS (SELECT seq, created_ms FROM tasks WHERE owner = $1 "
             "AND status = 'processing' AND lease_expires_ms <= $2 "
             "ORDER BY created_ms, seq LIMIT 1 FOR NO KEY UPDATE SKIP LOCKED), "
             "pick AS (SELECT seq AS picked FROM (SELECT seq, created_ms FROM queued "
             "UNION ALL SELECT seq, created_ms FROM deferred "
             "UNION ALL SELECT seq, created_ms FROM leased) k ORDER BY created_ms, seq LIMIT 1), "
             "turn AS (UPDATE task_owners SET last_claim = nextval('task_claim_turns') "
             "WHERE owner = $1 AND EXISTS (SELECT 1 FROM pick)) "
             "UPDATE tasks SET status = 'processing', attempts = attempts + 1, worker_id = $3, "
             "lease_expires_ms = $4, updated_ms = $2, not_before_ms = 0 "
             "FROM pick WHERE seq = pick.picked RETURNING ") +
         task_columns();
}

PgParams take_params(std::string_view owner, std::int64_t now, std::string_view worker_id,
                     std::int64_t lease_ms) {
  return {PgParam::text(owner), PgParam::int64(now), PgParam::text(worker_id),
          PgParam::int64(now + lease_ms)};
}

struct Take {
  std::int64_t now;
  std::string_view worker_id;
  std::int64_t lease_ms;
};

// Tries each owner of a page in order; the first with a task to take gives it.
Result<std::optional<TaskRecord>> take_first(PgConnection& c, const PgResult& owners,
                                             const Take& take) {
  for (int i = 0; i < owners.rows(); ++i) {
    auto taken =
        c.exec(take_sql(), take_params(owners.text(i, 0), take.now, take.worker_id, take.lease_ms));
    if (!taken) return taken.error();
    if (taken->rows() == 0) continue;
    auto tasks = read_task_rows(*taken);
    if (!tasks) return tasks.error();
    return std::optional<TaskRecord>{std::move(tasks->front())};
  }
  return std::optional<TaskRecord>{};
}

Result<std::optional<TaskRecord>> take_next(PgConnection& c, const Take& take) {
  // Owners never claimed from come first.
  for (std::int64_t offset = 0;; offset += kOwnerPage) {
    auto owners = c.exec(kNewOwners, new_owners_params(take.now, offset));
    if (!owners) return owners.error();
    auto taken = take_first(c, *owners, take);
    if (!taken || *taken) return taken;
    if (owners->rows() < kOwnerPage) break;
  }
  // Then the others, the one whose latest claim is the oldest first.
  std::int64_t after_turn = 0;
  for (;;) {
    auto owners = c.exec(turn_owners_sql(), turn_owners_params(after_turn, take.now));
    if (!owners) return owners.error();
    auto taken = take_first(c, *owners, take);
    if (!taken || *taken || owners->rows() < kOwnerPage) return taken;
    after_turn = owners->int64(owners->rows() - 1, 1);
  }
}

}  // namespace

std::vector<pg_rows::Statement> pg_rows::claim_statements(std::string_view owner,
                                                          std::int64_t now) {
  return {{kNewOwners, new_owners_params(now, 0)},
          {turn_owners_sql(), turn_owners_params(0, now)},
          {take_sql(), take_params(owner, now, "w", 1000)}};
}

Result<std::optional<TaskRecord>> PgTaskStore::claim_next(std::string_view worker_id,
                                                          std::int64_t lease_ms) {
  using Out = Result<std::optional<TaskRecord>>;
  return db_->transaction<Out>([&](PgConnection& c) -> Out {
    if (auto ok = relaxed(c); !ok) return ok.error();  // a crash may lose a claim: see TaskQueue
    const std::int64_t now = clock_.now_ms();
    auto taken = take_next(c, Take{now, worker_id, lease_ms});
    if (!taken || !*taken) return taken;
    std::vector<TaskRecord> tasks;
    tasks.push_back(std::move(**taken));
    if (auto ok = attach_results(c, tasks); !ok) return ok.error();
    // The first move to Processing is announced (Kling's "processing" callback); a retry is not.
    if (tasks.front().attempts == 1) {
      if (auto ok = add_outbox(c, tasks.front(), kWebhookProcessing, now); !ok) return ok.error();
    }
    return std::optional<TaskRecord>{std::move(tasks.front())};
  });
}

}  // namespace vidserve::store
