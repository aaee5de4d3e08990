#pragma once
// Old schemas for the SQLite migration tests: databases as earlier vidserve versions left them.
#include <sqlite3.h>

#include <string>

#include "store/sqlite_handles.hpp"

namespace vidserve::store::testing {

// The tables of schema version 1, as it shipped.
inline const std::string kVersionOneTables =
    "CREATE TABLE tasks (seq INTEGER PRIMARY KEY AUTOINCREMENT, task_uuid TEXT NOT NULL UNIQUE, "
    "owner TEXT NOT NULL, task_type TEXT NOT NULL, model TEXT NOT NULL, request BLOB NOT NULL, "
    "status TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, error_code TEXT NOT NULL DEFAULT "
    "'', "
    "error_message TEXT NOT NULL DEFAULT '', worker_id TEXT NOT NULL DEFAULT '', "
    "lease_expires_ms INTEGER NOT NULL DEFAULT 0, created_ms INTEGER NOT NULL, updated_ms INTEGER "
    "NOT NULL);"
    "CREATE TABLE task_results (task_uuid TEXT NOT NULL, idx INTEGER NOT NULL, media_uuid TEXT NOT "
    "NULL, "
    "status TEXT NOT NULL, payload BLOB NOT NULL, PRIMARY KEY (task_uuid, idx)) WITHOUT ROWID;"
    "CREATE TABLE api_keys (id TEXT PRIMARY KEY, label TEXT NOT NULL, key_hash TEXT NOT NULL "
    "UNIQUE, "
    "created_ms INTEGER NOT NULL, revoked INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE media (media_uuid TEXT PRIMARY KEY, owner TEXT NOT NULL, task_uuid TEXT NOT "
    "NULL, "
    "path TEXT NOT NULL, content_type TEXT NOT NULL, size_bytes INTEGER NOT NULL, created_ms "
    "INTEGER NOT NULL, "
    "expires_ms INTEGER NOT NULL);";

// Writes `sql` into a fresh database file, as an older vidserve would have left it.
inline bool write_database(const std::string& path, const std::string& sql) {
  sqlite3* raw = nullptr;
  if (sqlite3_open(path.c_str(), &raw) != SQLITE_OK) return false;
  SqliteDbPtr db(raw);
  return sqlite3_exec(db.get(), sql.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK;
}

// Schema version 3 as it shipped: version 1, then the api/external_id columns (2), then progress
// (3).
inline const std::string kVersionThreeTables =
    kVersionOneTables +
    "ALTER TABLE tasks ADD COLUMN api TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE tasks ADD COLUMN external_id TEXT NOT NULL DEFAULT '';"
    "CREATE UNIQUE INDEX tasks_by_external_id ON tasks(owner, external_id) WHERE external_id <> '';"
    "CREATE INDEX tasks_by_status ON tasks(status, created_ms, seq);"
    "ALTER TABLE tasks ADD COLUMN progress INTEGER NOT NULL DEFAULT 0;";

}  // namespace vidserve::store::testing
