// SqliteTaskStore's WebhookOutbox: the table webhook_outbox (schema version 8). Rows are added by
// add_outbox inside the transactions of enqueue, claim_next, complete, fail and cancel.
#include <limits>

#include "store/sqlite_task_rows.hpp"
#include "store/sqlite_task_store.hpp"
#include "store/task_rules.hpp"

namespace vidserve::store {

using namespace sqlite_rows;
using Mode = Transaction::Mode;

namespace {

constexpr const char* kSelectMessage =
    "SELECT id, owner, task_key, task_uuid, event, url, created_ms, due_ms, attempts, rendered, "
    "body, state, "
    "last_error FROM webhook_outbox ";

Result<std::vector<OutboxMessage>> read_messages(Statement& stmt) {
  std::vector<OutboxMessage> out;
  for (;;) {
    auto row = stmt.step();
    if (!row) return row.error();
    if (!*row) return out;
    OutboxMessage m;
    m.id = stmt.column_text(0);
    m.owner = stmt.column_text(1);
    m.task_key = stmt.column_text(2);
    m.task_uuid = stmt.column_text(3);
    m.event = stmt.column_text(4);
    m.url = stmt.column_text(5);
    m.created_ms = stmt.column_int(6);
    m.due_ms = stmt.column_int(7);
    m.attempts = static_cast<int>(stmt.column_int(8));
    m.rendered = stmt.column_int(9) != 0;
    m.body = stmt.column_blob(10);
    const auto state = parse_outbox_state(stmt.column_text(11));
    if (!state)
      return Error{errc::kStorage,
                   "unknown outbox state '" + stmt.column_text(11) + "' in database"};
    m.state = *state;
    m.last_error = stmt.column_text(12);
    out.push_back(std::move(m));
  }
}

Result<OutboxMessage> find_message(Session& s, std::string_view id) {
  auto stmt = s.prepare(std::string(kSelectMessage) + "WHERE id = ?1");
  if (!stmt) return stmt.error();
  stmt->text(1, id);
  auto found = read_messages(*stmt);
  if (!found) return found.error();
  if (found->empty()) return rules::no_message(id);
  return std::move(found->front());
}

Status insert_message(Session& s, const OutboxMessage& m) {
  auto stmt = s.prepare(
      "INSERT INTO webhook_outbox (id, owner, task_key, task_uuid, event, url, created_ms, due_ms, "
      "attempts, "
      "rendered, body, state) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)");
  if (!stmt) return stmt.error();
  stmt->text(1, m.id)
      .text(2, m.owner)
      .text(3, m.task_key)
      .text(4, m.task_uuid)
      .text(5, m.event)
      .text(6, m.url);
  stmt->integer(7, m.created_ms)
      .integer(8, m.due_ms)
      .integer(9, m.attempts)
      .integer(10, m.rendered ? 1 : 0);
  stmt->blob(11, m.body).text(12, to_string(m.state));
  return stmt->run();
}

std::int64_t clamp_limit(std::size_t n) {
  constexpr auto kMax = static_cast<std::size_t>(std::numeric_limits<std::int64_t>::max());
  return static_cast<std::int64_t>(n < kMax ? n : kMax);
}

}  // namespace

namespace sqlite_rows {

Status add_outbox(Session& s, std::string_view key, const TaskState& task, unsigned event,
                  std::int64_t now_ms) {
  auto row = rules::outbox_row(task.owner, key, task.task_uuid, task.webhook_url,
                               task.webhook_events, event, now_ms);
  return row ? insert_message(s, *row) : Status(Ok{});
}

Status add_outbox(Session& s, const TaskRecord& task, unsigned event, std::int64_t now_ms) {
  TaskState state;
  state.owner = task.owner;
  state.task_uuid = task.task_uuid;
  state.webhook_url = task.webhook_url;
  state.webhook_events = task.webhook_events;
  return add_outbox(s, task.key, state, event, now_ms);
}

}  // namespace sqlite_rows

Result<std::vector<OutboxMessage>> SqliteTaskStore::due_messages(std::int64_t now_ms,
                                                                 std::size_t limit,
                                                                 std::int64_t lease_ms) {
  auto s = db_->session();
  // A lease lost in a crash only makes the message due again at once: RelaxedWrite.
  auto tx = Transaction::begin(s, lease_ms > 0 ? Mode::RelaxedWrite : Mode::Read);
  if (!tx) return tx.error();
  const std::string due_rows =
      "WHERE state = 'pending' AND due_ms <= ?1 ORDER BY due_ms, seq LIMIT ?2";
  Result<std::vector<OutboxMessage>> due = std::vector<OutboxMessage>{};
  {
    auto stmt = s.prepare(std::string(kSelectMessage) + due_rows);
    if (!stmt) return stmt.error();
    stmt->integer(1, now_ms).integer(2, clamp_limit(limit));
    due = read_messages(*stmt);
  }
  if (!due || lease_ms <= 0 || due->empty()) return due;
  auto lease = s.prepare("UPDATE webhook_outbox SET due_ms = ?3 WHERE id IN (SELECT id FROM "
                         "webhook_outbox " + due_rows + ")");
  if (!lease) return lease.error();
  lease->integer(1, now_ms).integer(2, clamp_limit(limit)).integer(3, now_ms + lease_ms);
  if (auto ok = lease->run(); !ok) return ok.error();
  if (auto ok = tx->commit(); !ok) return ok.error();
  return due;
}

Result<std::optional<std::int64_t>> SqliteTaskStore::next_due() {
  auto s = db_->session();
  auto stmt = s.prepare(
      "SELECT due_ms FROM webhook_outbox WHERE state = 'pending' ORDER BY due_ms LIMIT 1");
  if (!stmt) return stmt.error();
  auto row = stmt->step();
  if (!row) return row.error();
  if (!*row) return std::optional<std::int64_t>{};
  return std::optional<std::int64_t>{stmt->column_int(0)};
}

Result<OutboxMessage> SqliteTaskStore::outbox_message(std::string_view id) {
  auto s = db_->session();
  return find_message(s, id);
}

Status SqliteTaskStore::render(std::string_view id, const std::vector<std::string>& bodies) {
  if (bodies.empty()) return rules::no_bodies(id);
  auto s = db_->session();
  auto tx = Transaction::begin(s, Mode::Write);
  if (!tx) return tx.error();
  auto found = find_message(s, id);
  if (!found) return found.error();
  if (found->rendered) return Ok{};
  auto update = s.prepare("UPDATE webhook_outbox SET rendered = 1, body = ?1 WHERE id = ?2");
  if (!update) return update.error();
  update->blob(1, bodies[0]).text(2, id);
  if (auto ok = update->run(); !ok) return ok;
  for (const auto& more : rules::further_parts(*found, bodies)) {
    if (auto ok = insert_message(s, more); !ok) return ok;
  }
  return tx->commit();
}

// One attempt's outcome on a Pending message.
Status SqliteTaskStore::settle(std::string_view id, OutboxState state, std::int64_t due_ms,
                               std::string_view error) {
  auto s = db_->session();
  auto stmt = s.prepare(
      "UPDATE webhook_outbox SET attempts = attempts + 1, state = ?1, "
      "due_ms = CASE WHEN ?1 = 'pending' THEN ?2 ELSE due_ms END, last_error = ?3 "
      "WHERE id = ?4 AND state = 'pending'");
  if (!stmt) return stmt.error();
  stmt->text(1, to_string(state)).integer(2, due_ms).text(3, error).text(4, id);
  if (auto ok = stmt->run(); !ok) return ok;
  if (s.changes() == 0) return rules::no_message(id);
  return Ok{};
}

Result<std::int64_t> SqliteTaskStore::give_up_url(std::string_view url, std::string_view reason) {
  auto s = db_->session();
  auto stmt = s.prepare(
      "UPDATE webhook_outbox SET state = 'givenUp', last_error = ?1 WHERE url = ?2 AND state = "
      "'pending'");
  if (!stmt) return stmt.error();
  stmt->text(1, reason).text(2, url);
  if (auto ok = stmt->run(); !ok) return ok.error();
  return s.changes();
}

Result<std::int64_t> SqliteTaskStore::outbox_backlog() {
  auto s = db_->session();
  auto stmt = s.prepare("SELECT COUNT(*) FROM webhook_outbox WHERE state = 'pending'");
  if (!stmt) return stmt.error();
  auto row = stmt->step();
  if (!row) return row.error();
  return *row ? stmt->column_int(0) : 0;
}

Result<std::int64_t> SqliteTaskStore::prune_outbox(std::int64_t before_ms, std::size_t limit) {
  auto s = db_->session();
  auto stmt = s.prepare(
      "DELETE FROM webhook_outbox WHERE seq IN (SELECT seq FROM webhook_outbox INDEXED BY "
      "webhook_outbox_done "
      "WHERE state <> 'pending' AND created_ms < ?1 ORDER BY created_ms LIMIT ?2)");
  if (!stmt) return stmt.error();
  stmt->integer(1, before_ms).integer(2, clamp_limit(limit));
  if (auto ok = stmt->run(); !ok) return ok.error();
  return s.changes();
}

}  // namespace vidserve::store
