#pragma once
// One SQLite connection shared by the SQLite-backed stores (tasks, keys, media index).
//
// Opening applies the connection settings (WAL, synchronous=FULL, busy_timeout, foreign keys)
// and the schema migrations. All access goes through a Session, which holds the connection's
// mutex, so one connection serves many threads; other processes on the same file are
// serialised by SQLite's own locking (writes use BEGIN IMMEDIATE, readers wait up to the busy
// timeout). Prepared statements are cached per SQL text and owned by RAII handles.
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "common/result.hpp"
#include "store/sqlite_handles.hpp"

namespace vidserve::store {

// Error::code of a failed constraint (UNIQUE, PRIMARY KEY, NOT NULL) before a store maps it to
// its own code such as "duplicateTaskUUID"; every other SQLite failure is "storage".
inline constexpr const char* kSqliteConstraint = "constraint";

// How long a statement waits for another process's lock before failing with "storage".
inline constexpr int kSqliteBusyTimeoutMs = 10000;

// A cached prepared statement borrowed for one use: bind, step, read columns. Resets the
// statement and clears its bindings when it goes out of scope. Binds copy their arguments.
class Statement {
 public:
  // A cached statement; `in_use` is its cache flag, set for the lifetime of this object.
  Statement(sqlite3* db, sqlite3_stmt* stmt, bool* in_use);
  // A one-off statement owned by this object.
  Statement(sqlite3* db, SqliteStmtPtr owned);
  Statement(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  Statement& operator=(Statement&&) = delete;
  ~Statement();

  // Parameters are 1-based, as in SQL "?1".
  Statement& text(int index, std::string_view value);
  Statement& blob(int index, std::string_view bytes);
  Statement& integer(int index, std::int64_t value);
  Statement& real(int index, double value);
  Statement& null(int index);

  // true: a row is available; false: the statement is done.
  Result<bool> step();
  // Steps to completion; for statements that return no rows.
  Status run();

  // Columns are 0-based.
  std::string column_text(int column) const;
  std::string column_blob(int column) const;
  std::int64_t column_int(int column) const;
  double column_real(int column) const;
  bool column_null(int column) const;

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_;
  SqliteStmtPtr owned_;
  bool* in_use_ = nullptr;
  int bind_rc_ = 0;  // first failed bind, reported by step()
};

class SqliteDatabase {
 public:
  // Opens (creating if needed) and migrates the database at `path`; ":memory:" gives a private
  // in-memory database.
  static Result<std::shared_ptr<SqliteDatabase>> open(const std::string& path);

  // Exclusive use of the connection for the Session's lifetime.
  class Session {
   public:
    Result<Statement> prepare(std::string_view sql);
    // Runs one or more statements without parameters (schema, PRAGMA, BEGIN/COMMIT).
    Status exec(const std::string& sql);
    // Rows changed by the last INSERT/UPDATE/DELETE on this connection.
    std::int64_t changes() const;

   private:
    friend class SqliteDatabase;
    explicit Session(SqliteDatabase& db) : db_(db), lock_(db.mutex_) {}
    SqliteDatabase& db_;
    std::unique_lock<std::mutex> lock_;
  };
  Session session() { return Session(*this); }

  const std::string& path() const { return path_; }

 private:
  struct CachedStatement {
    SqliteStmtPtr stmt;
    bool in_use = false;
  };
  SqliteDatabase(std::string path, SqliteDbPtr db) : path_(std::move(path)), db_(std::move(db)) {}
  Status configure();

  std::string path_;
  std::mutex mutex_;
  SqliteDbPtr db_;
  // Declared after db_ so that the statements are finalized before the connection closes.
  std::map<std::string, CachedStatement, std::less<>> cache_;
};

// A transaction on a Session; rolls back unless commit() succeeded.
// Write transactions take the write lock up front (BEGIN IMMEDIATE), so a read-then-update such
// as claiming a task cannot interleave with another process doing the same.
class Transaction {
 public:
  // RelaxedWrite commits without waiting for the disk (synchronous=NORMAL for this transaction):
  // for bookkeeping a crash may lose without harm (a claim, a lease, a result the task will
  // redo). The next Write commit makes it durable too: it fsyncs the whole write-ahead log.
  enum class Mode { Read, Write, RelaxedWrite };
  static Result<Transaction> begin(SqliteDatabase::Session& session, Mode mode);
  Transaction(Transaction&& other) noexcept : session_(other.session_), relaxed_(other.relaxed_) {
    other.session_ = nullptr;
  }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction();

  Status commit();

 private:
  Transaction(SqliteDatabase::Session& session, bool relaxed) : session_(&session), relaxed_(relaxed) {}
  void end(const char* sql);
  SqliteDatabase::Session* session_;
  bool relaxed_ = false;
};

}  // namespace vidserve::store
