// PgDatabase against the test PostgreSQL server: migrations under the advisory lock, transactions
// all or nothing, error codes, bytea, the pool's bound, and transactions run again on a new
// connection when PostgreSQL drops the old one.
#include "store/pg_database.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "pg_test_support.hpp"
#include "store/error_codes.hpp"
#include "store/pg_schema.hpp"

namespace vidserve::store {
namespace {

using testing::PgTestSchema;

TEST(PgDatabase, OpenAppliesEveryMigrationOnce) {
  PgTestSchema schema;
  auto db = schema.open();
  ASSERT_TRUE(db);
  EXPECT_EQ(db->schema_version(), static_cast<int>(pg_migrations().size()));
  auto again = schema.open();
  ASSERT_TRUE(again);
  EXPECT_EQ(again->schema_version(), db->schema_version());
  auto rows = db->exec("SELECT count(*) FROM vidserve_schema");
  ASSERT_TRUE(rows.ok()) << rows.error().message;
  EXPECT_EQ(rows->int64(0, 0), static_cast<std::int64_t>(pg_migrations().size()));
}

TEST(PgDatabase, NodesStartingTogetherMigrateOnce) {
  PgTestSchema schema;
  std::vector<std::thread> threads;
  std::atomic<int> opened{0};
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      if (PgDatabase::open(schema.url()).ok()) ++opened;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(opened.load(), 4);
  auto db = schema.open();
  ASSERT_TRUE(db);
  auto rows = db->exec("SELECT count(*), count(DISTINCT version) FROM vidserve_schema");
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(rows->int64(0, 0), rows->int64(0, 1));  // no version recorded twice
}

TEST(PgDatabase, ATransactionThatFailsLeavesNothing) {
  PgTestSchema schema;
  auto db = schema.open();
  ASSERT_TRUE(db);
  ASSERT_TRUE(db->exec("CREATE TABLE t (k text PRIMARY KEY, v bytea)").ok());
  Status failed = db->transaction<Status>([](PgConnection& c) -> Status {
    if (auto r = c.exec("INSERT INTO t VALUES ('a', NULL)"); !r) return r.error();
    return Error{errc::kInvalidState, "changed my mind"};
  });
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code, errc::kInvalidState);
  auto count = db->exec("SELECT count(*) FROM t");
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(count->int64(0, 0), 0);
}

TEST(PgDatabase, UniqueViolationIsConflictAndAnIgnoredFailureStillFails) {
  PgTestSchema schema;
  auto db = schema.open();
  ASSERT_TRUE(db);
  ASSERT_TRUE(db->exec("CREATE TABLE t (k text PRIMARY KEY)").ok());
  ASSERT_TRUE(db->exec("INSERT INTO t VALUES ('a')").ok());
  auto dup = db->exec("INSERT INTO t VALUES ('a')");
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().code, errc::kConflict);
  // A body that swallows a failed statement cannot commit what came before it.
  Status swallowed = db->transaction<Status>([](PgConnection& c) -> Status {
    (void)c.exec("INSERT INTO t VALUES ('b')");
    (void)c.exec("INSERT INTO t VALUES ('a')");
    return Ok{};
  });
  EXPECT_FALSE(swallowed.ok());
  auto count = db->exec("SELECT count(*) FROM t");
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(count->int64(0, 0), 1);
}

TEST(PgDatabase, BytesRoundTripAndNulls) {
  PgTestSchema schema;
  auto db = schema.open();
  ASSERT_TRUE(db);
  ASSERT_TRUE(db->exec("CREATE TABLE t (k text, v bytea)").ok());
  const std::string bytes("a\0b\xff\x80\n'\\", 8);
  ASSERT_TRUE(
      db->exec("INSERT INTO t VALUES ($1, $2)", {PgParam::null(), PgParam::bytes(bytes)}).ok());
  auto row = db->exec("SELECT k, v FROM t");
  ASSERT_TRUE(row.ok());
  ASSERT_EQ(row->rows(), 1);
  EXPECT_TRUE(row->is_null(0, 0));
  EXPECT_EQ(row->bytes(0, 1), bytes);
}

TEST(PgDatabase, ThePoolNeverOpensMoreThanItsSize) {
  PgTestSchema schema;
  PgDatabase::Options options;
  options.pool_size = 2;
  auto db = schema.open(options);
  ASSERT_TRUE(db);
  std::atomic<int> ok{0};
  std::atomic<std::int64_t> most{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      auto r = db->exec(
          "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'vidserve' AND "
          "datname = current_database() AND query LIKE 'SELECT count(*) FROM pg_stat%' "
          "AND pg_sleep(0.05) IS NOT NULL");
      if (r) {
        ++ok;
        std::int64_t seen = r->int64(0, 0), prev = most.load();
        while (seen > prev && !most.compare_exchange_weak(prev, seen)) {
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 8);
  EXPECT_GE(most.load(), 1);
}

TEST(PgDatabase, ATransactionOnAKilledConnectionRunsAgainOnANewOne) {
  PgTestSchema schema;
  auto db = schema.open();
  ASSERT_TRUE(db);
  ASSERT_TRUE(db->exec("CREATE TABLE t (k text PRIMARY KEY)").ok());
  auto pid = db->exec("SELECT pg_backend_pid()");
  ASSERT_TRUE(pid.ok());
  // The pooled connection's backend dies (as in a PostgreSQL restart); the next transaction gets
  // the broken connection first, then runs again on a new one.
  ASSERT_TRUE(testing::pg_admin(testing::test_pg_url(),
                                "SELECT pg_terminate_backend(" + pid->text(0, 0) + ")"));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  auto inserted = db->exec("INSERT INTO t VALUES ('after')");
  ASSERT_TRUE(inserted.ok()) << inserted.error().message;
  auto count = db->exec("SELECT count(*) FROM t");
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(count->int64(0, 0), 1);
}

TEST(PgDatabase, AnUnreachableServerIsAClearErrorWithinTheRetryBudget) {
  PgDatabase::Options options;
  options.retry_for_ms = 300;
  options.connect_timeout_s = 1;
  auto db = PgDatabase::open("postgresql://vidserve@127.0.0.1:1/postgres", options);
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.error().code, errc::kStorage);
  EXPECT_NE(db.error().message.find("cannot connect to PostgreSQL"), std::string::npos);
}

}  // namespace
}  // namespace vidserve::store
