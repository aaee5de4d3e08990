#pragma once
// PgDatabase: the PostgreSQL connection pool every PostgreSQL store shares (tasks, keys, media
// index, spend ledger, task events), over libpq.
//
// open() connects, then applies the schema migrations (pg_schema.cpp) under a session advisory
// lock, so that of several nodes starting at once exactly one migrates and the others wait.
// Connections are lent one at a time and come back to the pool; a connection found
// broken is dropped and replaced on the next lease. A transaction that fails because the
// connection broke (PostgreSQL restarted, a network cut) before COMMIT was sent is run again on
// a new connection, with backoff, for at most Options::retry_for_ms: a restart of PostgreSQL
// pauses the callers instead of failing them. A transaction whose COMMIT was sent but whose answer
// never came is not run again (it may have committed): it fails with errc::kStorage.
// Serialization failures and deadlocks are retried the same way.
// On an HTTP io thread (common/thread_role.hpp) a transaction is tried at most twice, without
// waiting: a request during an outage fails at once instead of holding the io thread.
//
// Parameters go as text, except PgParam::bytes (binary, for bytea). Results come as text; read a
// bytea column with PgResult::bytes. Thread-safe; failures are values, never exceptions.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.hpp"
#include "common/result.hpp"

struct pg_conn;
struct pg_result;

namespace vidserve::store {

// One statement parameter: NULL, text, or bytes (sent in binary form, for a bytea column).
struct PgParam {
  std::optional<std::string> value;
  bool binary = false;

  static PgParam null() { return {}; }
  static PgParam text(std::string_view v) { return {std::string(v), false}; }
  static PgParam int64(std::int64_t v) { return {std::to_string(v), false}; }
  static PgParam bytes(std::string_view v) { return {std::string(v), true}; }
};
using PgParams = std::vector<PgParam>;

// A statement's result; owns the PGresult.
class PgResult {
 public:
  PgResult() = default;
  explicit PgResult(pg_result* result);
  ~PgResult();
  PgResult(PgResult&& other) noexcept;
  PgResult& operator=(PgResult&& other) noexcept;
  PgResult(const PgResult&) = delete;
  PgResult& operator=(const PgResult&) = delete;

  int rows() const;
  bool is_null(int row, int col) const;
  // The column's text ("" for NULL).
  std::string text(int row, int col) const;
  // A bigint/integer column (0 for NULL or text that is not a number).
  std::int64_t int64(int row, int col) const;
  // A bytea column, decoded.
  std::string bytes(int row, int col) const;
  // Rows an INSERT/UPDATE/DELETE touched.
  std::int64_t affected() const;

 private:
  pg_result* result_ = nullptr;
};

// One connection while it is lent out of the pool.
class PgConnection {
 public:
  explicit PgConnection(pg_conn* conn) : conn_(conn) {}
  // Runs one statement (with $1, $2, ... parameters). A failed statement is errc::kStorage with
  // PostgreSQL's message, errc::kConflict for a unique violation (SQLSTATE 23505),
  // errc::kStorageFull for a full disk (53100); a broken connection marks this connection broken.
  Result<PgResult> exec(std::string_view sql, const PgParams& params = {});
  bool broken() const;
  // The SQLSTATE of the last failed statement ("" when the last one succeeded).
  const std::string& last_sqlstate() const { return sqlstate_; }
  pg_conn* raw() const { return conn_; }

 private:
  pg_conn* conn_;
  std::string sqlstate_;
};

class PgDatabase : public std::enable_shared_from_this<PgDatabase> {
 public:
  struct Options {
    std::size_t pool_size = 8;          // connections at most
    int connect_timeout_s = 5;          // per connection attempt
    std::int64_t retry_for_ms = 60000;  // how long a transaction is retried through outages
    // Times the retries' back-off and budget (the pool's wait for a free connection is a
    // condition variable's, on the steady clock).
    const Clock* clock = &SystemClock::instance();
  };

  // Connects to `url` (a libpq URI: postgresql://user@host:port/db?options=...), migrates.
  static Result<std::shared_ptr<PgDatabase>> open(const std::string& url, Options options);
  static Result<std::shared_ptr<PgDatabase>> open(const std::string& url) {
    return open(url, Options{});
  }
  ~PgDatabase();
  PgDatabase(const PgDatabase&) = delete;
  PgDatabase& operator=(const PgDatabase&) = delete;

  // Runs `body` between BEGIN and COMMIT on a pooled connection. A body that returns an error
  // rolls back and that error is the result. Retried as the header says; `body` must therefore
  // have no effect outside the database. R is Status or Result<T>.
  template <class R>
  R transaction(const std::function<R(PgConnection&)>& body);
  // One statement in its own (auto-commit) transaction, retried like transaction().
  Result<PgResult> exec(std::string_view sql, const PgParams& params = {});

  // The URL it was opened with (for a LISTEN connection of its own).
  const std::string& url() const { return url_; }
  // The schema version after open() (number of migrations applied).
  int schema_version() const { return schema_version_; }

  // A new connection outside the pool, e.g. for LISTEN; nullptr and the reason when it fails.
  Result<std::shared_ptr<pg_conn>> connect_unpooled() const;

 private:
  PgDatabase(std::string url, Options options);
  // A connection from the pool (connecting a new one when needed); waits while all are lent.
  Result<pg_conn*> acquire();
  void release(pg_conn* conn, bool broken);
  // Runs one attempt of a transaction; `retryable` set when it may be run again.
  Status attempt(const std::function<Status(PgConnection&)>& body, bool& retryable);
  Status run_transaction(const std::function<Status(PgConnection&)>& body);
  Status migrate();

  std::string url_;
  Options options_;
  int schema_version_ = 0;
  std::mutex mutex_;
  std::condition_variable available_;
  std::vector<pg_conn*> idle_;
  std::size_t open_ = 0;  // connections lent or idle
};

template <class R>
R PgDatabase::transaction(const std::function<R(PgConnection&)>& body) {
  std::optional<R> out;
  Status status = run_transaction([&](PgConnection& conn) -> Status {
    out.emplace(body(conn));
    if (!out->ok()) return Status(out->error());
    return Ok{};
  });
  if (!status.ok()) return R(status.error());
  return std::move(*out);
}

}  // namespace vidserve::store
