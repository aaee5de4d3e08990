#include "store/sqlite_database.hpp"

#include <utility>

#include "store/sqlite_schema.hpp"
#include "store/task_store.hpp"

namespace vidserve::store {

namespace {

// "constraint" for a violated constraint, "storageFull" when the disk is full, else "storage".
const char* code_for(int rc) {
  if ((rc & 0xff) == SQLITE_CONSTRAINT) return kSqliteConstraint;
  return (rc & 0xff) == SQLITE_FULL ? errc::kStorageFull : errc::kStorage;
}

Error sqlite_error(sqlite3* db, int rc, std::string_view what) {
  const char* detail = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  return Error{code_for(rc), "sqlite: " + std::string(what) + ": " + detail};
}

// sqlite3_bind_* treat a null pointer as SQL NULL; an empty view must still bind '' / x''.
const char* non_null(std::string_view s) {
  return s.data() != nullptr ? s.data() : "";
}

}  // namespace

// ---- Statement ----

Statement::Statement(sqlite3* db, sqlite3_stmt* stmt, bool* in_use)
    : db_(db), stmt_(stmt), in_use_(in_use) {
  *in_use_ = true;
}

Statement::Statement(sqlite3* db, SqliteStmtPtr owned)
    : db_(db), stmt_(owned.get()), owned_(std::move(owned)) {}

Statement::Statement(Statement&& other) noexcept
    : db_(other.db_),
      stmt_(other.stmt_),
      owned_(std::move(other.owned_)),
      in_use_(other.in_use_),
      bind_rc_(other.bind_rc_) {
  other.stmt_ = nullptr;
  other.in_use_ = nullptr;
}

Statement::~Statement() {
  if (stmt_ == nullptr) return;
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  if (in_use_ != nullptr) *in_use_ = false;
}

Statement& Statement::text(int index, std::string_view value) {
  const int rc = sqlite3_bind_text64(stmt_, index, non_null(value), value.size(), SQLITE_TRANSIENT,
                                     SQLITE_UTF8);
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  return *this;
}

Statement& Statement::blob(int index, std::string_view bytes) {
  const int rc = sqlite3_bind_blob64(stmt_, index, non_null(bytes), bytes.size(), SQLITE_TRANSIENT);
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  return *this;
}

Statement& Statement::integer(int index, std::int64_t value) {
  const int rc = sqlite3_bind_int64(stmt_, index, value);
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  return *this;
}

Statement& Statement::real(int index, double value) {
  const int rc = sqlite3_bind_double(stmt_, index, value);
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  return *this;
}

Statement& Statement::null(int index) {
  const int rc = sqlite3_bind_null(stmt_, index);
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  return *this;
}

Result<bool> Statement::step() {
  if (bind_rc_ != SQLITE_OK) return sqlite_error(db_, bind_rc_, "bind");
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return sqlite_error(db_, rc, sqlite3_sql(stmt_));
}

Status Statement::run() {
  for (;;) {
    auto row = step();
    if (!row) return row.error();
    if (!*row) return Ok{};
  }
}

std::string Statement::column_text(int column) const {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
  const int n = sqlite3_column_bytes(stmt_, column);
  return p == nullptr ? std::string() : std::string(p, static_cast<std::size_t>(n));
}

std::string Statement::column_blob(int column) const {
  const auto* p = static_cast<const char*>(sqlite3_column_blob(stmt_, column));
  const int n = sqlite3_column_bytes(stmt_, column);
  return p == nullptr ? std::string() : std::string(p, static_cast<std::size_t>(n));
}

std::int64_t Statement::column_int(int column) const {
  return sqlite3_column_int64(stmt_, column);
}

double Statement::column_real(int column) const { return sqlite3_column_double(stmt_, column); }

bool Statement::column_null(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }

// ---- SqliteDatabase ----

Result<std::shared_ptr<SqliteDatabase>> SqliteDatabase::open(const std::string& path) {
  sqlite3* raw = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  SqliteDbPtr db(raw);  // closes the handle even when opening failed
  if (rc != SQLITE_OK) return sqlite_error(raw, rc, "cannot open '" + path + "'");
  sqlite3_extended_result_codes(db.get(), 1);
  sqlite3_busy_timeout(db.get(), kSqliteBusyTimeoutMs);
  std::shared_ptr<SqliteDatabase> database(new SqliteDatabase(path, std::move(db)));
  if (auto ok = database->configure(); !ok) {
    return Error{ok.error().code, "database '" + path + "': " + ok.error().message};
  }
  return database;
}

Status SqliteDatabase::configure() {
  Session s = session();
  // WAL: readers do not block the writer. synchronous=FULL: every commit fsyncs the WAL, so a
  // task acknowledged after enqueue() survives power loss, not only a process crash (NORMAL
  // would only guarantee the latter). journal_mode is a no-op for ":memory:".
  for (const char* pragma :
       {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL", "PRAGMA foreign_keys=ON"}) {
    if (auto ok = s.exec(pragma); !ok) return ok;
  }
  return apply_migrations(s);
}

Result<Statement> SqliteDatabase::Session::prepare(std::string_view sql) {
  auto it = db_.cache_.find(sql);
  if (it == db_.cache_.end() || it->second.in_use) {
    sqlite3_stmt* raw = nullptr;
    const int rc = sqlite3_prepare_v3(db_.db_.get(), sql.data(), static_cast<int>(sql.size()),
                                      SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
    SqliteStmtPtr stmt(raw);
    if (rc != SQLITE_OK) return sqlite_error(db_.db_.get(), rc, "prepare " + std::string(sql));
    if (it != db_.cache_.end()) {
      // The cached copy is in use further up the stack (a nested query with the same text):
      // this use gets its own statement, finalized when it goes out of scope.
      return Statement(db_.db_.get(), std::move(stmt));
    }
    it = db_.cache_.emplace(std::string(sql), CachedStatement{std::move(stmt), false}).first;
  }
  return Statement(db_.db_.get(), it->second.stmt.get(), &it->second.in_use);
}

Status SqliteDatabase::Session::exec(const std::string& sql) {
  char* message = nullptr;
  const int rc = sqlite3_exec(db_.db_.get(), sql.c_str(), nullptr, nullptr, &message);
  if (rc == SQLITE_OK) return Ok{};
  std::string detail = message != nullptr ? message : sqlite3_errstr(rc);
  sqlite3_free(message);
  return Error{code_for(rc), "sqlite: " + sql + ": " + detail};
}

std::int64_t SqliteDatabase::Session::changes() const {
  return sqlite3_changes64(db_.db_.get());
}

// ---- Transaction ----

Result<Transaction> Transaction::begin(SqliteDatabase::Session& session, Mode mode) {
  const bool relaxed = mode == Mode::RelaxedWrite;
  // The setting is per connection and read at COMMIT; the session holds the connection alone
  // until the transaction ends and puts it back.
  if (relaxed) {
    if (auto ok = session.exec("PRAGMA synchronous=NORMAL"); !ok) return ok.error();
  }
  if (auto ok = session.exec(mode == Mode::Read ? "BEGIN" : "BEGIN IMMEDIATE"); !ok) {
    if (relaxed) (void)session.exec("PRAGMA synchronous=FULL");
    return ok.error();
  }
  return Transaction(session, relaxed);
}

Transaction::~Transaction() {
  if (session_ != nullptr) end("ROLLBACK");
}

void Transaction::end(const char* sql) {
  (void)session_->exec(sql);
  if (relaxed_) (void)session_->exec("PRAGMA synchronous=FULL");
}

Status Transaction::commit() {
  if (session_ == nullptr) return Error{errc::kStorage, "transaction already finished"};
  auto ok = session_->exec("COMMIT");
  if (!ok) return ok;  // the destructor rolls back
  if (relaxed_) (void)session_->exec("PRAGMA synchronous=FULL");
  session_ = nullptr;
  return ok;
}

}  // namespace vidserve::store
