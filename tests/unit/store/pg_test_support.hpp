#pragma once
// PostgreSQL for the store tests: the server the CTest fixture `pg_server` started
// (tests/support/pg-test-server; its URL is in the file VIDSERVE_TEST_PG_URL_FILE names), and a
// fresh schema per test, so that tests running in parallel never see each other's rows.
#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>

#include "common/uuid.hpp"
#include "store/pg_database.hpp"

namespace vidserve::store::testing {

// The test server's URL; fails the test when the fixture did not run.
inline std::string test_pg_url() {
  const char* file = std::getenv("VIDSERVE_TEST_PG_URL_FILE");
  if (!file) {
    ADD_FAILURE() << "VIDSERVE_TEST_PG_URL_FILE is not set: run through ctest (fixture pg_server)";
    return {};
  }
  std::ifstream in(file);
  std::string url;
  std::getline(in, url);
  if (url.empty()) ADD_FAILURE() << "no PostgreSQL URL in " << file;
  return url;
}

// Runs one statement on a connection of its own; false (and a test failure) when it fails.
inline bool pg_admin(const std::string& url, const std::string& sql) {
  PGconn* conn = PQconnectdb(url.c_str());
  bool ok = PQstatus(conn) == CONNECTION_OK;
  PQsetNoticeProcessor(
      conn, [](void*, const char*) {}, nullptr);  // DROP ... CASCADE notices
  if (ok) {
    PGresult* r = PQexec(conn, sql.c_str());
    ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
    if (!ok) ADD_FAILURE() << sql << ": " << PQresultErrorMessage(r);
    PQclear(r);
  } else {
    ADD_FAILURE() << "cannot connect to " << url << ": " << PQerrorMessage(conn);
  }
  PQfinish(conn);
  return ok;
}

// A schema of its own, dropped with everything in it at the end; url() reaches the same database
// with that schema first on the search path.
class PgTestSchema {
 public:
  PgTestSchema()
      : base_(test_pg_url()),
        name_("t_" + uuid::generate_v4().substr(0, 8) + uuid::generate_v4().substr(24, 12)) {
    if (!base_.empty()) created_ = pg_admin(base_, "CREATE SCHEMA " + name_);
  }
  ~PgTestSchema() {
    if (created_) pg_admin(base_, "DROP SCHEMA " + name_ + " CASCADE");
  }
  PgTestSchema(const PgTestSchema&) = delete;
  PgTestSchema& operator=(const PgTestSchema&) = delete;

  std::string url() const { return base_ + "?options=-csearch_path%3D" + name_; }
  const std::string& name() const { return name_; }

  // A new pool on this schema (migrated); fails the test when it cannot open.
  std::shared_ptr<PgDatabase> open(PgDatabase::Options options = {}) const {
    auto db = PgDatabase::open(url(), options);
    EXPECT_TRUE(db.ok()) << db.error().message;
    return db.ok() ? db.value() : nullptr;
  }

 private:
  std::string base_;
  std::string name_;
  bool created_ = false;
};

}  // namespace vidserve::store::testing
