#include "store/pg_database.hpp"

#include <libpq-fe.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <thread>

#include "common/thread_role.hpp"
#include "store/error_codes.hpp"
#include "store/pg_schema.hpp"

namespace vidserve::store {

namespace {

// SQLSTATEs after which a transaction is run again: it did not commit and a new attempt may pass.
bool retryable_state(const std::string& state) {
  return state == "40001"                                              // serialization_failure
         || state == "40P01"                                           // deadlock_detected
         || state.rfind("08", 0) == 0                                  // connection exception
         || state == "57P01" || state == "57P02" || state == "57P03";  // shutdown, starting up
}

// Any advisory lock key unlikely to collide with an application's: "vidsrvmg" in ASCII.
constexpr std::int64_t kMigrationLock = 0x7669647372766d67;

std::string connection_message(pg_conn* conn) {
  std::string m = conn ? PQerrorMessage(conn) : "out of memory";
  while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
  return m;
}

}  // namespace

// ---- PgResult ----

PgResult::PgResult(pg_result* result) : result_(result) {}
PgResult::~PgResult() {
  if (result_) PQclear(result_);
}
PgResult::PgResult(PgResult&& other) noexcept : result_(std::exchange(other.result_, nullptr)) {}
PgResult& PgResult::operator=(PgResult&& other) noexcept {
  if (this != &other) {
    if (result_) PQclear(result_);
    result_ = std::exchange(other.result_, nullptr);
  }
  return *this;
}
int PgResult::rows() const {
  return result_ ? PQntuples(result_) : 0;
}
bool PgResult::is_null(int row, int col) const {
  return !result_ || PQgetisnull(result_, row, col) != 0;
}
std::string PgResult::text(int row, int col) const {
  if (is_null(row, col)) return {};
  return std::string(PQgetvalue(result_, row, col),
                     static_cast<std::size_t>(PQgetlength(result_, row, col)));
}
std::int64_t PgResult::int64(int row, int col) const {
  if (is_null(row, col)) return 0;
  const char* v = PQgetvalue(result_, row, col);
  std::int64_t out = 0;
  std::from_chars(v, v + PQgetlength(result_, row, col), out);
  return out;
}
std::string PgResult::bytes(int row, int col) const {
  if (is_null(row, col)) return {};
  std::size_t length = 0;
  unsigned char* raw = PQunescapeBytea(
      reinterpret_cast<const unsigned char*>(PQgetvalue(result_, row, col)), &length);
  if (!raw) return {};
  std::string out(reinterpret_cast<const char*>(raw), length);
  PQfreemem(raw);
  return out;
}
std::int64_t PgResult::affected() const {
  if (!result_) return 0;
  const char* n = PQcmdTuples(result_);
  std::int64_t out = 0;
  std::from_chars(n, n + std::strlen(n), out);
  return out;
}

// ---- PgConnection ----

Result<PgResult> PgConnection::exec(std::string_view sql, const PgParams& params) {
  std::vector<const char*> values(params.size());
  std::vector<int> lengths(params.size()), formats(params.size());
  for (std::size_t i = 0; i < params.size(); ++i) {
    values[i] = params[i].value ? params[i].value->data() : nullptr;
    lengths[i] = params[i].value ? static_cast<int>(params[i].value->size()) : 0;
    formats[i] = params[i].binary ? 1 : 0;
  }
  const std::string statement(sql);
  pg_result* raw = PQexecParams(conn_, statement.c_str(), static_cast<int>(params.size()), nullptr,
                                values.data(), lengths.data(), formats.data(), 0);
  PgResult result(raw);
  const ExecStatusType status = raw ? PQresultStatus(raw) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
    sqlstate_.clear();
    return result;
  }
  const char* state = raw ? PQresultErrorField(raw, PG_DIAG_SQLSTATE) : nullptr;
  // No SQLSTATE: libpq's own failure, the connection is gone ("08006" connection_failure).
  sqlstate_ = state ? state : "08006";
  std::string message = raw ? PQresultErrorMessage(raw) : "";
  if (message.empty()) message = connection_message(conn_);
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  if (sqlstate_ == "23505") return Error{errc::kConflict, "PostgreSQL: " + message};
  // disk_full: the task runner waits for space instead of failing the task, as on SQLite.
  if (sqlstate_ == "53100") return Error{errc::kStorageFull, "PostgreSQL: " + message};
  return Error{errc::kStorage, "PostgreSQL: " + message};
}

bool PgConnection::broken() const {
  return PQstatus(conn_) != CONNECTION_OK;
}

}  // namespace vidserve::store

// ---- PgDatabase ----

namespace vidserve::store {

namespace {

void finish(pg_conn* conn) {
  if (conn) PQfinish(conn);
}

// A new connection to `url`, or why not. Statements are bounded (statement_timeout) and dead
// peers noticed (TCP keepalives), so a hung server never holds a caller for ever.
Result<pg_conn*> connect(const std::string& url, int connect_timeout_s) {
  const std::string timeout = std::to_string(std::max(1, connect_timeout_s));
  const char* keys[] = {"dbname",          "connect_timeout",     "application_name", "keepalives",
                        "keepalives_idle", "keepalives_interval", "keepalives_count", nullptr};
  const char* values[] = {url.c_str(), timeout.c_str(), "vidserve", "1", "10", "5", "3", nullptr};
  pg_conn* conn = PQconnectdbParams(keys, values, /*expand_dbname=*/1);
  if (!conn || PQstatus(conn) != CONNECTION_OK) {
    std::string message = connection_message(conn);
    finish(conn);
    return Error{errc::kStorage, "cannot connect to PostgreSQL: " + message};
  }
  // Notices (e.g. of DROP ... CASCADE) would go to stderr; nothing here needs them.
  PQsetNoticeProcessor(
      conn, [](void*, const char*) {}, nullptr);
  PgResult set(PQexec(conn, "SET statement_timeout = 60000; SET lock_timeout = 30000"));
  return conn;
}

}  // namespace

PgDatabase::PgDatabase(std::string url, Options options) : url_(std::move(url)), options_(options) {
  options_.pool_size = std::max<std::size_t>(1, options_.pool_size);
}

PgDatabase::~PgDatabase() {
  std::lock_guard lock(mutex_);
  for (pg_conn* conn : idle_) finish(conn);
  idle_.clear();
}

Result<std::shared_ptr<PgDatabase>> PgDatabase::open(const std::string& url, Options options) {
  std::shared_ptr<PgDatabase> db(new PgDatabase(url, options));
  if (auto migrated = db->migrate(); !migrated) return migrated.error();
  return db;
}

Result<std::shared_ptr<pg_conn>> PgDatabase::connect_unpooled() const {
  auto conn = connect(url_, options_.connect_timeout_s);
  if (!conn) return conn.error();
  return std::shared_ptr<pg_conn>(*conn, finish);
}

Result<pg_conn*> PgDatabase::acquire() {
  std::unique_lock lock(mutex_);
  // An io thread waits for a free connection at most 2 s (see run_transaction).
  const auto wait = thread_role::is_io_thread()
                        ? std::min<std::int64_t>(options_.retry_for_ms, 2000)
                        : options_.retry_for_ms;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(wait);
  while (idle_.empty() && open_ >= options_.pool_size) {
    if (available_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() &&
        open_ >= options_.pool_size) {
      return Error{errc::kStorage, "no PostgreSQL connection became free in time"};
    }
  }
  if (!idle_.empty()) {
    pg_conn* conn = idle_.back();
    idle_.pop_back();
    return conn;
  }
  ++open_;
  lock.unlock();
  auto conn = connect(url_, options_.connect_timeout_s);
  if (!conn) {
    lock.lock();
    --open_;
    available_.notify_one();
  }
  return conn;
}

void PgDatabase::release(pg_conn* conn, bool broken) {
  if (!broken && PQtransactionStatus(conn) != PQTRANS_IDLE) {
    PgResult rollback(PQexec(conn, "ROLLBACK"));
    broken = PQtransactionStatus(conn) != PQTRANS_IDLE;
  }
  std::lock_guard lock(mutex_);
  if (broken || PQstatus(conn) != CONNECTION_OK) {
    finish(conn);
    --open_;
  } else {
    idle_.push_back(conn);
  }
  available_.notify_one();
}

Status PgDatabase::attempt(const std::function<Status(PgConnection&)>& body, bool& retryable) {
  retryable = false;
  auto raw = acquire();
  if (!raw) {
    retryable = true;  // PostgreSQL unreachable: it may be restarting
    return raw.error();
  }
  PgConnection conn(*raw);
  auto fail = [&](Error error) -> Status {
    retryable = retryable_state(conn.last_sqlstate());
    release(*raw, conn.broken());
    return error;
  };
  if (auto begin = conn.exec("BEGIN"); !begin) return fail(begin.error());
  if (Status done = body(conn); !done) return fail(done.error());
  if (PQtransactionStatus(*raw) == PQTRANS_INERROR) {
    return fail(Error{errc::kStorage, "a statement failed inside the transaction"});
  }
  auto commit = conn.exec("COMMIT");
  if (!commit) {
    const bool lost = conn.broken() || conn.last_sqlstate().rfind("08", 0) == 0;
    Error error = commit.error();
    if (lost) error.message = "the connection to PostgreSQL broke during COMMIT; outcome unknown";
    Status out = fail(std::move(error));
    if (lost) retryable = false;  // it may have committed: never run it twice
    return out;
  }
  release(*raw, false);
  return Ok{};
}

Status PgDatabase::run_transaction(const std::function<Status(PgConnection&)>& body) {
  const auto deadline =
      options_.clock->monotonic() + std::chrono::milliseconds(options_.retry_for_ms);
  auto backoff = std::chrono::milliseconds(50);
  int io_attempts = 0;
  for (;;) {
    bool retryable = false;
    Status done = attempt(body, retryable);
    if (done || !retryable) return done;
    // An io thread never waits out an outage: one more attempt at once (a pooled connection
    // that went stale with a restart is replaced), then the error.
    if (thread_role::is_io_thread()) {
      if (++io_attempts > 1) return done;
      continue;
    }
    if (options_.clock->monotonic() + backoff > deadline) return done;
    options_.clock->sleep_for(backoff);
    backoff = std::min(backoff * 2, std::chrono::milliseconds(2000));
  }
}

Result<PgResult> PgDatabase::exec(std::string_view sql, const PgParams& params) {
  return transaction<Result<PgResult>>(
      [&](PgConnection& conn) -> Result<PgResult> { return conn.exec(sql, params); });
}

Status PgDatabase::migrate() {
  auto conn = connect_unpooled();
  if (!conn) return conn.error();
  PgConnection c(conn->get());
  // A session lock: other nodes starting now wait here until this one has migrated.
  if (auto locked = c.exec("SELECT pg_advisory_lock($1)", {PgParam::int64(kMigrationLock)});
      !locked) {
    return locked.error();
  }
  if (auto made = c.exec("CREATE TABLE IF NOT EXISTS vidserve_schema (version integer NOT NULL)");
      !made) {
    return made.error();
  }
  auto current = c.exec("SELECT coalesce(max(version), 0) FROM vidserve_schema");
  if (!current) return current.error();
  int version = static_cast<int>(current->int64(0, 0));
  const auto& steps = pg_migrations();
  if (version > static_cast<int>(steps.size())) {
    return Error{errc::kStorage, "the PostgreSQL schema is version " + std::to_string(version) +
                                     ", newer than this vidserve (" + std::to_string(steps.size()) +
                                     "): upgrade vidserve"};
  }
  for (; version < static_cast<int>(steps.size()); ++version) {
    // PQexec runs the migration's several statements; BEGIN/COMMIT make it all or nothing.
    const std::string script = std::string("BEGIN;\n") + steps[version] +
                               "\nINSERT INTO vidserve_schema VALUES (" +
                               std::to_string(version + 1) + ");\nCOMMIT;";
    PgResult applied(PQexec(conn->get(), script.c_str()));
    if (PQtransactionStatus(conn->get()) != PQTRANS_IDLE) {
      std::string message = connection_message(conn->get());
      PgResult rollback(PQexec(conn->get(), "ROLLBACK"));
      return Error{errc::kStorage,
                   "PostgreSQL migration " + std::to_string(version + 1) + " failed: " + message};
    }
    if (auto check = c.exec("SELECT max(version) FROM vidserve_schema");
        !check || check->int64(0, 0) != version + 1) {
      return Error{errc::kStorage, "PostgreSQL migration " + std::to_string(version + 1) +
                                       " failed: " + connection_message(conn->get())};
    }
  }
  schema_version_ = version;
  (void)c.exec("SELECT pg_advisory_unlock($1)", {PgParam::int64(kMigrationLock)});
  return Ok{};
}

}  // namespace vidserve::store
