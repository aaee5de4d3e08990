#pragma once
// Owning handles for the SQLite C API: a connection and a prepared statement each live in a
// unique_ptr whose deleter closes/finalizes them, so no early return can leak one.
#include <sqlite3.h>

#include <memory>

namespace vidserve::store {

struct SqliteCloser {
  void operator()(sqlite3* db) const noexcept { sqlite3_close_v2(db); }
};

struct SqliteStmtFinalizer {
  void operator()(sqlite3_stmt* stmt) const noexcept { sqlite3_finalize(stmt); }
};

using SqliteDbPtr = std::unique_ptr<sqlite3, SqliteCloser>;
using SqliteStmtPtr = std::unique_ptr<sqlite3_stmt, SqliteStmtFinalizer>;

}  // namespace vidserve::store
