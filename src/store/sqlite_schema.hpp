#pragma once
// Schema of the SQLite database shared by the task store, key store and media index,
// versioned with PRAGMA user_version: migration N moves the schema from version N-1 to N.
#include "common/result.hpp"
#include "store/sqlite_database.hpp"

namespace vidserve::store {

// Version a fully migrated database has.
int latest_schema_version();

// Applies the missing migrations, each in its own write transaction. Fails with "storage" when
// the file was written by a newer vidserve (user_version above latest_schema_version()).
Status apply_migrations(SqliteDatabase::Session& session);

}  // namespace vidserve::store
