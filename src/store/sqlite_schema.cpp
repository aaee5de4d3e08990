#include "store/sqlite_schema.hpp"

#include <array>
#include <string>

#include "store/task_store.hpp"

namespace vidserve::store {

namespace {

// Append only: never edit a migration that has shipped, add a new one.
constexpr std::array<const char*, 9> kMigrations = {
    // 1: tasks with their results, API keys, produced media.
    R"sql(
CREATE TABLE tasks (
  seq              INTEGER PRIMARY KEY AUTOINCREMENT,  -- enqueue order, claim tie-break
  task_uuid        TEXT NOT NULL UNIQUE,
  owner            TEXT NOT NULL,
  task_type        TEXT NOT NULL,
  model            TEXT NOT NULL,
  request          BLOB NOT NULL,
  status           TEXT NOT NULL,
  attempts         INTEGER NOT NULL DEFAULT 0,
  error_code       TEXT NOT NULL DEFAULT '',
  error_message    TEXT NOT NULL DEFAULT '',
  worker_id        TEXT NOT NULL DEFAULT '',
  lease_expires_ms INTEGER NOT NULL DEFAULT 0,
  created_ms       INTEGER NOT NULL,
  updated_ms       INTEGER NOT NULL
);
CREATE INDEX tasks_by_status ON tasks(status, created_ms, seq);
CREATE INDEX tasks_by_owner ON tasks(owner, created_ms, seq);
CREATE TABLE task_results (
  task_uuid  TEXT NOT NULL REFERENCES tasks(task_uuid) ON DELETE CASCADE,
  idx        INTEGER NOT NULL,
  media_uuid TEXT NOT NULL,
  status     TEXT NOT NULL,
  payload    BLOB NOT NULL,
  PRIMARY KEY (task_uuid, idx)
) WITHOUT ROWID;
CREATE TABLE api_keys (
  id         TEXT PRIMARY KEY,
  label      TEXT NOT NULL,
  key_hash   TEXT NOT NULL UNIQUE,  -- SHA-256 of the key, hex; the key itself is never stored
  created_ms INTEGER NOT NULL,
  revoked    INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE media (
  media_uuid   TEXT PRIMARY KEY,
  owner        TEXT NOT NULL,
  task_uuid    TEXT NOT NULL,
  path         TEXT NOT NULL,
  content_type TEXT NOT NULL,
  size_bytes   INTEGER NOT NULL,
  created_ms   INTEGER NOT NULL,
  expires_ms   INTEGER NOT NULL  -- 0 = never
);
CREATE INDEX media_by_expiry ON media(expires_ms) WHERE expires_ms > 0;
)sql",
    // 2: the front-end that created each task, and the client's own task id.
    R"sql(
ALTER TABLE tasks ADD COLUMN api TEXT NOT NULL DEFAULT '';
ALTER TABLE tasks ADD COLUMN external_id TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX tasks_by_external_id ON tasks(owner, external_id) WHERE external_id <> '';
CREATE INDEX tasks_by_owner_api ON tasks(owner, api, created_ms, seq);
)sql",
    // 3: how far each task is (0..100), written by its worker while it runs; 100 once done.
    R"sql(
ALTER TABLE tasks ADD COLUMN progress INTEGER NOT NULL DEFAULT 0;
UPDATE tasks SET progress = 100 WHERE status = 'success';
)sql",
    // 4: fair claims across owners, deferred tasks, a cap on queued tasks per owner, retention.
    // task_owners counts each owner's queued + processing tasks (kept by the triggers) and
    // numbers its latest claim, so a claim visits owners in turn instead of one global FIFO.
    R"sql(
ALTER TABLE tasks ADD COLUMN not_before_ms INTEGER NOT NULL DEFAULT 0;
CREATE INDEX tasks_claim ON tasks(owner, status, not_before_ms, created_ms, seq);
CREATE INDEX tasks_finished ON tasks(updated_ms) WHERE status IN ('success', 'error', 'cancelled');
CREATE INDEX media_by_task ON media(task_uuid);
CREATE TABLE task_owners (
  owner      TEXT PRIMARY KEY,
  active     INTEGER NOT NULL DEFAULT 0,  -- tasks queued or processing
  last_claim INTEGER NOT NULL DEFAULT 0   -- number of the owner's latest claim; 0 = never
) WITHOUT ROWID;
CREATE INDEX task_owners_by_turn ON task_owners(last_claim, owner) WHERE active > 0;
CREATE INDEX task_owners_by_claim ON task_owners(last_claim);
INSERT INTO task_owners (owner, active)
  SELECT owner, SUM(status IN ('queued', 'processing')) FROM tasks GROUP BY owner;
CREATE TRIGGER task_owners_on_insert AFTER INSERT ON tasks BEGIN
  INSERT INTO task_owners (owner, active) VALUES (NEW.owner, NEW.status IN ('queued', 'processing'))
    ON CONFLICT (owner) DO UPDATE SET active = active + excluded.active;
END;
CREATE TRIGGER task_owners_on_status AFTER UPDATE OF status ON tasks
  WHEN (OLD.status IN ('queued', 'processing')) <> (NEW.status IN ('queued', 'processing')) BEGIN
  UPDATE task_owners SET active = active + (NEW.status IN ('queued', 'processing'))
                                         - (OLD.status IN ('queued', 'processing'))
    WHERE owner = NEW.owner;
END;
CREATE TRIGGER task_owners_on_delete AFTER DELETE ON tasks
  WHEN OLD.status IN ('queued', 'processing') BEGIN
  UPDATE task_owners SET active = active - 1 WHERE owner = OLD.owner;
END;
)sql",
    // 5: taskUUIDs are unique per owner, so another owner's uuid reveals nothing. The column
    // task_uuid keeps the task's store key (TaskRecord::key: the uuid, or scoped_task_key when
    // another owner had used it first), which task_results and every worker update go by;
    // client_uuid is the client's uuid, which reads go by.
    R"sql(
ALTER TABLE tasks ADD COLUMN client_uuid TEXT NOT NULL DEFAULT '';
UPDATE tasks SET client_uuid = task_uuid;
CREATE UNIQUE INDEX tasks_by_owner_uuid ON tasks(owner, client_uuid);
)sql",
    // 6: per result, what its engine saved to resume a later attempt (e.g. the provider's task
    // id), at most 4 KiB (TaskQueue::save_provider_state); '' when nothing was saved.
    R"sql(
ALTER TABLE task_results ADD COLUMN provider_state BLOB NOT NULL DEFAULT '';
)sql",
    // 7: the format of each stored request (TaskRecord::request_version): rows written before are
    // 0, which the server converts at start-up (older_requests, through the index).
    R"sql(
ALTER TABLE tasks ADD COLUMN request_version INTEGER NOT NULL DEFAULT 0;
CREATE INDEX tasks_by_request_version ON tasks(request_version);
)sql",
    // 8: webhooks. Each task's webhook URL and the events it wants (TaskRecord::webhook_url,
    // webhook_events), and the durable outbox of deliveries (WebhookOutbox), written in the
    // transaction that moves the task. body holds the rendered bytes once rendered = 1.
    R"sql(
ALTER TABLE tasks ADD COLUMN webhook_url TEXT NOT NULL DEFAULT '';
ALTER TABLE tasks ADD COLUMN webhook_events INTEGER NOT NULL DEFAULT 0;
CREATE TABLE webhook_outbox (
  seq        INTEGER PRIMARY KEY AUTOINCREMENT,  -- insertion order, ties of due_ms
  id         TEXT NOT NULL UNIQUE,               -- the webhook-id
  owner      TEXT NOT NULL,
  task_key   TEXT NOT NULL,
  task_uuid  TEXT NOT NULL,
  event      TEXT NOT NULL,
  url        TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  due_ms     INTEGER NOT NULL,
  attempts   INTEGER NOT NULL DEFAULT 0,
  rendered   INTEGER NOT NULL DEFAULT 0,
  body       BLOB NOT NULL DEFAULT '',
  state      TEXT NOT NULL DEFAULT 'pending',    -- 'pending', 'delivered', 'givenUp'
  last_error TEXT NOT NULL DEFAULT ''
);
CREATE INDEX webhook_outbox_due ON webhook_outbox(due_ms, seq) WHERE state = 'pending';
CREATE INDEX webhook_outbox_url ON webhook_outbox(url) WHERE state = 'pending';
CREATE INDEX webhook_outbox_done ON webhook_outbox(created_ms) WHERE state <> 'pending';
ALTER TABLE api_keys ADD COLUMN webhook_secret TEXT NOT NULL DEFAULT '';  -- KeyStore::webhook_secret
-- Tasks still queued or processing keep their webhook across the upgrade: their final state is
-- announced. The URL is read from the stored request (a task spec, or an older Runware task).
UPDATE tasks SET webhook_events = 4, webhook_url = COALESCE(
    json_extract(CAST(request AS TEXT), '$.request.options.webhook_url'),
    json_extract(CAST(request AS TEXT), '$.webhookURL'))
  WHERE status IN ('queued', 'processing') AND json_valid(CAST(request AS TEXT))
    AND 'text' IN (json_type(CAST(request AS TEXT), '$.request.options.webhook_url'),
                   json_type(CAST(request AS TEXT), '$.webhookURL'));
)sql",
    // 9: per-key limits. A key's own
    // request rate and burst and its kling-engine spend cap (NULL: the server's default), and
    // the kling-engine spend of every owner (keys and VIDSERVE_API_KEYS alike), one row per task
    // that reached the kling engine, so a retried task is counted once.
    R"sql(
ALTER TABLE api_keys ADD COLUMN rate_per_s REAL;
ALTER TABLE api_keys ADD COLUMN rate_burst INTEGER;
ALTER TABLE api_keys ADD COLUMN spend_cap_micros INTEGER;
CREATE TABLE owner_spend (
  owner TEXT PRIMARY KEY,
  spent_micros INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE TABLE spend_charges (
  task_key TEXT PRIMARY KEY,
  owner TEXT NOT NULL,
  micros INTEGER NOT NULL
) WITHOUT ROWID;
)sql",
};

Result<int> user_version(SqliteDatabase::Session& session) {
  auto stmt = session.prepare("PRAGMA user_version");
  if (!stmt) return stmt.error();
  auto row = stmt->step();
  if (!row) return row.error();
  return *row ? static_cast<int>(stmt->column_int(0)) : 0;
}

// Applies migration `target` unless another process got there first.
Status migrate_to(SqliteDatabase::Session& session, int target) {
  auto tx = Transaction::begin(session, Transaction::Mode::Write);
  if (!tx) return tx.error();
  auto current = user_version(session);  // re-read under the write lock
  if (!current) return current.error();
  if (*current >= target) return Ok{};
  if (auto ok = session.exec(kMigrations[static_cast<std::size_t>(target - 1)]); !ok) return ok;
  if (auto ok = session.exec("PRAGMA user_version=" + std::to_string(target)); !ok) return ok;
  return tx->commit();
}

}  // namespace

int latest_schema_version() {
  return static_cast<int>(kMigrations.size());
}

Status apply_migrations(SqliteDatabase::Session& session) {
  auto current = user_version(session);
  if (!current) return current.error();
  if (*current > latest_schema_version()) {
    return Error{errc::kStorage, "schema version " + std::to_string(*current) +
                                     " is newer than this build supports (" +
                                     std::to_string(latest_schema_version()) + ")"};
  }
  for (int target = *current + 1; target <= latest_schema_version(); ++target) {
    if (auto ok = migrate_to(session, target); !ok) return ok;
  }
  return Ok{};
}

}  // namespace vidserve::store
