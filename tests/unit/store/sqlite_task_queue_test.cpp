// What only the SQLite store promises about its queue: the claim stays an index lookup with a
// deep backlog, its queries use the indexes meant for them, and a database of schema version 3
// migrates with its queued tasks still claimed (fairly).
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "sqlite_test_support.hpp"
#include "store/sqlite_database.hpp"
#include "store/sqlite_schema.hpp"
#include "store/sqlite_task_store.hpp"
#include "store_test_support.hpp"

namespace vidserve::store {
namespace {

using testing::make_task;
using testing::TempDir;

// SQLite's plan for `sql`, one line per step ("SEARCH tasks USING INDEX ...").
std::string query_plan(SqliteDatabase& db, const std::string& sql) {
  auto s = db.session();
  auto stmt = s.prepare("EXPLAIN QUERY PLAN " + sql);
  EXPECT_TRUE(stmt.ok());
  std::string plan;
  while (stmt.ok() && *stmt->step()) plan += stmt->column_text(3) + "\n";
  return plan;
}

// No claim or retention query reads the tasks table from end to end: each goes through an index.
TEST(SqliteTaskQueue, QueueQueriesUseTheirIndexes) {
  auto db = SqliteDatabase::open(":memory:");
  ASSERT_TRUE(db.ok());
  const std::string queued = query_plan(
      **db,
      "SELECT task_uuid, created_ms, seq FROM tasks INDEXED BY tasks_claim WHERE owner = 'a' "
      "AND status = 'queued' AND not_before_ms = 0 AND 1 = 1 ORDER BY created_ms, seq LIMIT 1");
  EXPECT_NE(queued.find("USING INDEX tasks_claim (owner=? AND status=? AND not_before_ms=?)"),
            std::string::npos)
      << queued;
  EXPECT_EQ(queued.find("TEMP B-TREE"), std::string::npos) << queued;  // no sort of the backlog
  const std::string owners = query_plan(
      **db,
      "SELECT owner, last_claim FROM task_owners WHERE active > 0 ORDER BY last_claim, owner");
  EXPECT_NE(owners.find("task_owners_by_turn"), std::string::npos) << owners;
  const std::string finished =
      query_plan(**db,
                 "SELECT owner, task_uuid FROM tasks INDEXED BY tasks_finished WHERE status IN "
                 "('success', 'error', 'cancelled') "
                 "AND updated_ms < 5 ORDER BY updated_ms LIMIT 10");
  EXPECT_NE(finished.find("USING INDEX tasks_finished"), std::string::npos) << finished;
  EXPECT_EQ(finished.find("TEMP B-TREE"), std::string::npos) << finished;
}

// The finding: one key with a deep backlog. A claim for another key's single task comes next,
// and a claim costs about the same with 100 000 queued tasks as with a few. The time is printed
// (a figure, not a pass criterion beyond a generous bound).
TEST(SqliteTaskQueue, ClaimStaysCheapBehindAHundredThousandQueuedTasks) {
  TempDir dir;
  FakeClock clock;
  auto store = SqliteTaskStore::open(dir.file("tasks.db"), clock);
  ASSERT_TRUE(store.ok()) << store.error().message;
  constexpr int kQueued = 100'000;
  std::vector<TaskRecord> batch;
  for (int i = 0; i < kQueued; ++i) {
    batch.push_back(make_task("a" + std::to_string(i), "key_flood"));
    if (batch.size() == 5000) {
      for (auto& r : (*store)->enqueue_many(std::move(batch)))
        ASSERT_TRUE(r.ok()) << r.error().message;
      batch.clear();
      clock.advance_ms(1);
    }
  }
  ASSERT_EQ((*store)->count_by_status()->at(TaskStatus::Queued), kQueued);
  ASSERT_EQ((**(*store)->claim_next("w", 60'000)).task_uuid, "a0");
  ASSERT_TRUE((*store)->enqueue(make_task("b0", "key_other")).ok());
  ASSERT_EQ((**(*store)->claim_next("w", 60'000)).task_uuid, "b0");

  // Only the claims are timed: complete() waits for an fsync, which measures the disk.
  constexpr int kClaims = 200;
  std::chrono::steady_clock::duration claiming{};
  for (int i = 0; i < kClaims; ++i) {
    const auto start = std::chrono::steady_clock::now();
    auto claimed = (*store)->claim_next("w", 60'000);
    claiming += std::chrono::steady_clock::now() - start;
    ASSERT_TRUE(claimed.ok() && claimed->has_value());
    ASSERT_TRUE((*store)->complete(claim_of(**claimed)).ok());
  }
  const double per_claim_us = std::chrono::duration<double, std::micro>(claiming).count() / kClaims;
  std::printf("claim_next with %d queued tasks of one key: %.0f us each (mean of %d)\n", kQueued,
              per_claim_us, kClaims);
  EXPECT_LT(per_claim_us, 20'000);  // generous: a scan of 100k rows per claim is in this range
}

// A database at schema version 3 with queued and running tasks of two keys: after migrating, the
// per-key counts are right (the limit applies), every task is claimed, keys in turn, and the
// uuids are scoped per key (schema 5).
TEST(SqliteTaskQueue, MigratesAVersionThreeDatabaseWithItsQueue) {
  TempDir dir;
  const std::string path = dir.file("tasks.db");
  ASSERT_TRUE(testing::write_database(
      path,
      testing::kVersionThreeTables +
          "INSERT INTO tasks (task_uuid, owner, task_type, model, request, status, worker_id, "
          "lease_expires_ms, "
          "created_ms, updated_ms) VALUES "
          "('a1', 'key_a', 'videoInference', 'klingai:3@1', 'r', 'queued', '', 0, 1, 1),"
          "('a2', 'key_a', 'videoInference', 'klingai:3@1', 'r', 'queued', '', 0, 2, 2),"
          "('a3', 'key_a', 'videoInference', 'klingai:3@1', 'r', 'processing', 'w0', 50, 3, 3),"
          "('b1', 'key_b', 'videoInference', 'klingai:3@1', 'r', 'queued', '', 0, 4, 4),"
          "('a0', 'key_a', 'videoInference', 'klingai:3@1', 'r', 'success', '', 0, 0, 0);"
          "INSERT INTO task_results VALUES ('a1', 0, 'm1', 'processing', '');"
          "PRAGMA user_version=3;"));
  FakeClock clock(100);
  auto store = SqliteTaskStore::open(path, clock);
  ASSERT_TRUE(store.ok()) << store.error().message;
  auto& s = **store;
  s.set_max_active_per_owner(3);
  auto refused = s.enqueue(make_task("a4", "key_a"));  // a1, a2, a3 are in flight
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, errc::kTooManyQueuedTasks);
  s.set_max_active_per_owner(0);
  auto a1 = s.get("key_a", "a1");
  ASSERT_TRUE(a1.ok()) << a1.error().message;
  EXPECT_EQ(a1->not_before_ms, 0);
  std::vector<std::string> order;
  for (;;) {
    auto next = s.claim_next("w1", 60'000);
    ASSERT_TRUE(next.ok()) << next.error().message;
    if (!next->has_value()) break;
    order.push_back((**next).task_uuid);
  }
  // a3's lease (50) expired before now (100), so it is claimable again, in key_a's order.
  EXPECT_EQ(order, (std::vector<std::string>{"a1", "b1", "a2", "a3"}));
  ASSERT_EQ(s.get("key_a", "a1")->results.size(), 1u);
  // The migrated uuids are each key's own: key_a cannot reuse one, key_b can.
  EXPECT_EQ(s.enqueue(make_task("a1", "key_a")).error().code, errc::kDuplicateTaskUUID);
  auto b_a1 = s.enqueue(make_task("a1", "key_b"));
  ASSERT_TRUE(b_a1.ok()) << b_a1.error().message;
  EXPECT_NE(b_a1->key, "a1");
  EXPECT_EQ(s.get("key_a", "a1")->status, TaskStatus::Processing);
}

// A database that cannot grow (a full disk; here its page limit) fails writes with "storageFull",
// which the task runner treats as "wait for space", not as a failed task.
TEST(SqliteTaskQueue, AFullDatabaseIsStorageFull) {
  auto db = SqliteDatabase::open(":memory:");
  ASSERT_TRUE(db.ok());
  FakeClock clock;
  SqliteTaskStore store(*db, clock);
  ASSERT_TRUE(store.enqueue(make_task("a1", "key_a")).ok());
  {
    auto s = (*db)->session();
    auto pages = s.prepare("PRAGMA page_count");
    ASSERT_TRUE(pages.ok() && *pages->step());
    ASSERT_TRUE(s.exec("PRAGMA max_page_count = " + std::to_string(pages->column_int(0))).ok());
  }
  TaskRecord big = make_task("a2", "key_a");
  big.request = std::string(1 << 20, 'x');
  auto refused = store.enqueue(big);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, errc::kStorageFull) << refused.error().message;
}

}  // namespace
}  // namespace vidserve::store
