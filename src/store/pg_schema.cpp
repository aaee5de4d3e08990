#include "store/pg_schema.hpp"

namespace vidserve::store {

// Append only: never edit a migration that has shipped, add a new one. Times are epoch ms
// (bigint) written by the stores from their Clock, never PostgreSQL's now().
const std::vector<const char*>& pg_migrations() {
  static const std::vector<const char*> steps = {
      // 1: API keys with their limits and webhook secrets, produced media, kling-engine spend.
      R"sql(
CREATE TABLE api_keys (
  id               text PRIMARY KEY,
  seq              bigserial NOT NULL,    -- creation order
  label            text NOT NULL,
  key_hash         text NOT NULL UNIQUE,  -- SHA-256 of the key, hex; the key itself is never stored
  created_ms       bigint NOT NULL,
  revoked          boolean NOT NULL DEFAULT false,
  webhook_secret   text NOT NULL DEFAULT '',
  rate_per_s       double precision,      -- NULL: the server's default
  rate_burst       integer,
  spend_cap_micros bigint
);
CREATE TABLE media (
  media_uuid   text PRIMARY KEY,
  owner        text NOT NULL,
  task_uuid    text NOT NULL,
  path         text NOT NULL,  -- a file path or an object key
  content_type text NOT NULL,
  size_bytes   bigint NOT NULL,
  created_ms   bigint NOT NULL,
  expires_ms   bigint NOT NULL  -- 0 = never
);
CREATE INDEX media_by_expiry ON media(expires_ms) WHERE expires_ms > 0;
CREATE INDEX media_by_task ON media(owner, task_uuid);
CREATE TABLE owner_spend (
  owner        text PRIMARY KEY,
  spent_micros bigint NOT NULL DEFAULT 0
);
CREATE TABLE spend_charges (
  task_key text PRIMARY KEY,
  owner    text NOT NULL,
  micros   bigint NOT NULL
);
)sql",
      // 2: tasks with their results, the per-owner counts and turns of fair claims, and the
      // webhook outbox (PgTaskStore). tasks.task_key is the store's key (TaskRecord::key),
      // task_uuid the client's uuid, unique per owner. task_owners.active counts each owner's
      // queued + processing tasks, written by PgTaskStore in the transactions that change it,
      // once per owner and transaction (a trigger per row would update one row many times in a
      // batch, and PostgreSQL slows down with every version of a row one transaction makes);
      // last_claim is the number of the owner's latest claim (from the sequence
      // task_claim_turns; 0 = never), so claims visit owners in turn. The partial indexes
      // tasks_queued, tasks_deferred and tasks_leased make each owner's oldest claimable task
      // one index lookup.
      R"sql(
CREATE TABLE tasks (
  seq              bigserial NOT NULL UNIQUE,  -- enqueue order, claim tie-break
  task_key         text PRIMARY KEY,
  task_uuid        text NOT NULL,
  owner            text NOT NULL,
  task_type        text NOT NULL,
  model            text NOT NULL,
  api              text NOT NULL DEFAULT '',
  external_id      text NOT NULL DEFAULT '',
  webhook_url      text NOT NULL DEFAULT '',
  webhook_events   integer NOT NULL DEFAULT 0,
  request          bytea NOT NULL,
  request_version  integer NOT NULL DEFAULT 0,
  status           text NOT NULL,
  attempts         integer NOT NULL DEFAULT 0,
  error_code       text NOT NULL DEFAULT '',
  error_message    text NOT NULL DEFAULT '',
  worker_id        text NOT NULL DEFAULT '',
  lease_expires_ms bigint NOT NULL DEFAULT 0,
  created_ms       bigint NOT NULL,
  updated_ms       bigint NOT NULL,
  progress         integer NOT NULL DEFAULT 0,
  not_before_ms    bigint NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX tasks_by_owner_uuid ON tasks(owner, task_uuid);
CREATE UNIQUE INDEX tasks_by_external_id ON tasks(owner, external_id) WHERE external_id <> '';
CREATE INDEX tasks_by_owner ON tasks(owner, created_ms, seq);
CREATE INDEX tasks_by_owner_api ON tasks(owner, api, created_ms, seq);
CREATE INDEX tasks_queued ON tasks(owner, created_ms, seq)
  WHERE status = 'queued' AND not_before_ms = 0;
CREATE INDEX tasks_deferred ON tasks(owner, not_before_ms)
  WHERE status = 'queued' AND not_before_ms > 0;
CREATE INDEX tasks_leased ON tasks(owner, lease_expires_ms) WHERE status = 'processing';
CREATE INDEX tasks_finished ON tasks(updated_ms) WHERE status IN ('success', 'error', 'cancelled');
CREATE INDEX tasks_by_request_version ON tasks(request_version);
CREATE TABLE task_results (
  task_key       text NOT NULL REFERENCES tasks(task_key) ON DELETE CASCADE,
  idx            integer NOT NULL,
  media_uuid     text NOT NULL,
  status         text NOT NULL,
  payload        bytea NOT NULL,
  provider_state bytea NOT NULL DEFAULT '',
  PRIMARY KEY (task_key, idx)
);
CREATE TABLE task_owners (
  owner      text PRIMARY KEY,
  active     bigint NOT NULL DEFAULT 0,  -- tasks queued or processing
  last_claim bigint NOT NULL DEFAULT 0   -- number of the owner's latest claim; 0 = never
);
CREATE INDEX task_owners_by_turn ON task_owners(last_claim, owner) WHERE active > 0;
CREATE SEQUENCE task_claim_turns;
CREATE TABLE webhook_outbox (
  seq        bigserial PRIMARY KEY,   -- insertion order, ties of due_ms
  id         text NOT NULL UNIQUE,    -- the webhook-id
  owner      text NOT NULL,
  task_key   text NOT NULL,
  task_uuid  text NOT NULL,
  event      text NOT NULL,
  url        text NOT NULL,
  created_ms bigint NOT NULL,
  due_ms     bigint NOT NULL,
  attempts   integer NOT NULL DEFAULT 0,
  rendered   boolean NOT NULL DEFAULT false,
  body       bytea NOT NULL DEFAULT '',
  state      text NOT NULL DEFAULT 'pending',  -- 'pending', 'delivered', 'givenUp'
  last_error text NOT NULL DEFAULT ''
);
CREATE INDEX webhook_outbox_due ON webhook_outbox(due_ms, seq) WHERE state = 'pending';
CREATE INDEX webhook_outbox_url ON webhook_outbox(url) WHERE state = 'pending';
CREATE INDEX webhook_outbox_done ON webhook_outbox(created_ms) WHERE state <> 'pending';
)sql",
  };
  return steps;
}

}  // namespace vidserve::store
