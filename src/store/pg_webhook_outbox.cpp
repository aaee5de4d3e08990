// PgTaskStore's WebhookOutbox: the table webhook_outbox (migration 2). Rows are added by
// add_outbox inside the transactions of enqueue, claim_next, complete, fail and cancel.
#include <utility>

#include "store/pg_task_rows.hpp"
#include "store/pg_task_store.hpp"
#include "store/task_rules.hpp"

namespace vidserve::store {

using namespace pg_rows;

namespace {

constexpr const char* kSelectMessage =
    "SELECT id, owner, task_key, task_uuid, event, url, created_ms, due_ms, attempts, rendered, "
    "body, state, last_error FROM webhook_outbox ";

Result<std::vector<OutboxMessage>> read_messages(const PgResult& rows) {
  std::vector<OutboxMessage> out;
  for (int i = 0; i < rows.rows(); ++i) {
    OutboxMessage m;
    m.id = rows.text(i, 0);
    m.owner = rows.text(i, 1);
    m.task_key = rows.text(i, 2);
    m.task_uuid = rows.text(i, 3);
    m.event = rows.text(i, 4);
    m.url = rows.text(i, 5);
    m.created_ms = rows.int64(i, 6);
    m.due_ms = rows.int64(i, 7);
    m.attempts = static_cast<int>(rows.int64(i, 8));
    m.rendered = rows.text(i, 9) == "t";
    m.body = rows.bytes(i, 10);
    const auto state = parse_outbox_state(rows.text(i, 11));
    if (!state) {
      return Error{errc::kStorage, "unknown outbox state '" + rows.text(i, 11) + "' in database"};
    }
    m.state = *state;
    m.last_error = rows.text(i, 12);
    out.push_back(std::move(m));
  }
  return out;
}

Result<OutboxMessage> find_message(PgConnection& c, std::string_view id, bool lock) {
  auto rows = c.exec(std::string(kSelectMessage) + "WHERE id = $1" + (lock ? " FOR UPDATE" : ""),
                     {PgParam::text(id)});
  if (!rows) return rows.error();
  auto found = read_messages(*rows);
  if (!found) return found.error();
  if (found->empty()) return rules::no_message(id);
  return std::move(found->front());
}

Status insert_message(PgConnection& c, const OutboxMessage& m) {
  return run(c,
             "INSERT INTO webhook_outbox (id, owner, task_key, task_uuid, event, url, created_ms, "
             "due_ms, attempts, rendered, body, state) "
             "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
             {PgParam::text(m.id), PgParam::text(m.owner), PgParam::text(m.task_key),
              PgParam::text(m.task_uuid), PgParam::text(m.event), PgParam::text(m.url),
              PgParam::int64(m.created_ms), PgParam::int64(m.due_ms), PgParam::int64(m.attempts),
              PgParam::text(m.rendered ? "true" : "false"), PgParam::bytes(m.body),
              PgParam::text(to_string(m.state))});
}

}  // namespace

namespace pg_rows {

Status add_outbox(PgConnection& c, std::string_view key, const TaskState& task, unsigned event,
                  std::int64_t now_ms) {
  auto row = rules::outbox_row(task.owner, key, task.task_uuid, task.webhook_url,
                               task.webhook_events, event, now_ms);
  return row ? insert_message(c, *row) : Status(Ok{});
}

Status add_outbox(PgConnection& c, const TaskRecord& task, unsigned event, std::int64_t now_ms) {
  auto row = rules::outbox_row(task.owner, task.key, task.task_uuid, task.webhook_url,
                               task.webhook_events, event, now_ms);
  return row ? insert_message(c, *row) : Status(Ok{});
}

}  // namespace pg_rows

Result<std::vector<OutboxMessage>> PgTaskStore::due_messages(std::int64_t now_ms, std::size_t limit,
                                                             std::int64_t lease_ms) {
  if (lease_ms <= 0) {
    auto rows = db_->exec(std::string(kSelectMessage) +
                              "WHERE state = 'pending' AND due_ms <= $1 "
                              "ORDER BY due_ms, seq LIMIT $2",
                          {PgParam::int64(now_ms), count(limit)});
    if (!rows) return rows.error();
    return read_messages(*rows);
  }
  // Taken in one statement: the rows are locked (SKIP LOCKED: two nodes taking at once take
  // different messages), moved to now + lease, and returned as they were.
  auto rows = db_->exec(
      "WITH taken AS (SELECT seq, due_ms FROM webhook_outbox WHERE state = 'pending' "
      "AND due_ms <= $1 ORDER BY due_ms, seq LIMIT $2 FOR UPDATE SKIP LOCKED), "
      "moved AS (UPDATE webhook_outbox w SET due_ms = $3 FROM taken WHERE w.seq = taken.seq "
      "RETURNING w.id, w.owner, w.task_key, w.task_uuid, w.event, w.url, w.created_ms, "
      "taken.due_ms AS due_ms, w.attempts, w.rendered, w.body, w.state, w.last_error, w.seq) "
      "SELECT id, owner, task_key, task_uuid, event, url, created_ms, due_ms, attempts, "
      "rendered, body, state, last_error FROM moved ORDER BY due_ms, seq",
      {PgParam::int64(now_ms), count(limit), PgParam::int64(now_ms + lease_ms)});
  if (!rows) return rows.error();
  return read_messages(*rows);
}

Result<std::optional<std::int64_t>> PgTaskStore::next_due() {
  auto rows = db_->exec(
      "SELECT due_ms FROM webhook_outbox WHERE state = 'pending' ORDER BY due_ms, seq LIMIT 1");
  if (!rows) return rows.error();
  if (rows->rows() == 0) return std::optional<std::int64_t>{};
  return std::optional<std::int64_t>{rows->int64(0, 0)};
}

Result<OutboxMessage> PgTaskStore::outbox_message(std::string_view id) {
  return db_->transaction<Result<OutboxMessage>>(
      [&](PgConnection& c) -> Result<OutboxMessage> { return find_message(c, id, false); });
}

Status PgTaskStore::render(std::string_view id, const std::vector<std::string>& bodies) {
  if (bodies.empty()) return rules::no_bodies(id);
  return db_->transaction<Status>([&](PgConnection& c) -> Status {
    auto found = find_message(c, id, /*lock=*/true);  // two renders at once: one renders
    if (!found) return found.error();
    if (found->rendered) return Ok{};
    if (auto ok = run(c, "UPDATE webhook_outbox SET rendered = true, body = $1 WHERE id = $2",
                      {PgParam::bytes(bodies[0]), PgParam::text(id)});
        !ok) {
      return ok;
    }
    for (const auto& more : rules::further_parts(*found, bodies)) {
      if (auto ok = insert_message(c, more); !ok) return ok;
    }
    return Ok{};
  });
}

Status PgTaskStore::settle(std::string_view id, OutboxState state, std::int64_t due_ms,
                           std::string_view error) {
  auto updated = db_->exec(
      "UPDATE webhook_outbox SET attempts = attempts + 1, state = $1, "
      "due_ms = CASE WHEN $1 = 'pending' THEN $2 ELSE due_ms END, last_error = $3 "
      "WHERE id = $4 AND state = 'pending'",
      {PgParam::text(to_string(state)), PgParam::int64(due_ms), PgParam::text(error),
       PgParam::text(id)});
  if (!updated) return updated.error();
  if (updated->affected() == 0) return rules::no_message(id);
  return Ok{};
}

Result<std::int64_t> PgTaskStore::give_up_url(std::string_view url, std::string_view reason) {
  auto updated = db_->exec(
      "UPDATE webhook_outbox SET state = 'givenUp', last_error = $1 "
      "WHERE url = $2 AND state = 'pending'",
      {PgParam::text(reason), PgParam::text(url)});
  if (!updated) return updated.error();
  return updated->affected();
}

Result<std::int64_t> PgTaskStore::outbox_backlog() {
  auto rows = db_->exec("SELECT count(*) FROM webhook_outbox WHERE state = 'pending'");
  if (!rows) return rows.error();
  return rows->int64(0, 0);
}

Result<std::int64_t> PgTaskStore::prune_outbox(std::int64_t before_ms, std::size_t limit) {
  auto deleted = db_->exec(
      "DELETE FROM webhook_outbox WHERE seq IN (SELECT seq FROM webhook_outbox "
      "WHERE state <> 'pending' AND created_ms < $1 ORDER BY created_ms LIMIT $2)",
      {PgParam::int64(before_ms), count(limit)});
  if (!deleted) return deleted.error();
  return deleted->affected();
}

}  // namespace vidserve::store
