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
  };
  return steps;
}

}  // namespace vidserve::store
