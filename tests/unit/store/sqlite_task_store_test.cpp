// What only the SQLite task store promises: durability across reopen and process kill, the
// connection settings, schema versioning, several connections on one file.
#include "store/sqlite_task_store.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <set>
#include <thread>

#include "common/clock.hpp"
#include "store/sqlite_database.hpp"
#include "store/sqlite_key_store.hpp"
#include "store/sqlite_media_index.hpp"
#include "store/sqlite_schema.hpp"
#include "sqlite_test_support.hpp"
#include "store_test_support.hpp"

namespace vidserve::store {
namespace {

using testing::kVersionOneTables;
using testing::TempDir;
using testing::write_database;

TaskRecord make_task(const std::string& uuid) {
  TaskRecord t;
  t.task_uuid = uuid;
  t.owner = "key_a";
  t.task_type = "videoInference";
  t.model = "klingai:5@3";
  t.request = "{\"positivePrompt\":\"" + uuid + "\"}";
  return t;
}

std::unique_ptr<SqliteTaskStore> open_store(const std::string& path, const Clock& clock) {
  auto store = SqliteTaskStore::open(path, clock);
  EXPECT_TRUE(store.ok()) << store.error().message;
  return store.ok() ? std::move(store).value() : nullptr;
}

// Claims and completes until nothing is left; returns the uuids in claim order.
std::vector<std::string> drain(TaskStore& store) {
  std::vector<std::string> done;
  for (;;) {
    auto next = store.claim_next("drainer", 60'000);
    if (!next.ok() || !next->has_value()) return done;
    done.push_back((*next)->task_uuid);
    EXPECT_TRUE(store.complete(claim_of(**next)).ok());
  }
}

// Group commit: many threads enqueue at once; each gets its own answer, a duplicate fails alone,
// and everything acknowledged is on disk after reopening.
TEST(SqliteTaskStore, ConcurrentEnqueuesShareCommitsButNotFailures) {
  TempDir dir;
  const auto path = dir.file("group.db");
  FakeClock clock;
  constexpr int kThreads = 16, kPerThread = 25;
  {
    auto store = open_store(path, clock);
    ASSERT_TRUE(store->enqueue(make_task("dup")).ok());
    std::atomic<int> ok{0}, duplicates{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kPerThread; ++i) {
          const bool dup = i == 0;  // every thread also tries the taken uuid once
          auto r = store->enqueue(make_task(dup ? "dup" : "t" + std::to_string(t) + "-" + std::to_string(i)));
          if (r.ok()) {
            ++ok;
          } else if (r.error().code == errc::kDuplicateTaskUUID) {
            ++duplicates;
          }
        }
      });
    }
    for (auto& th : threads) th.join();
    EXPECT_EQ(ok.load(), kThreads * (kPerThread - 1));
    EXPECT_EQ(duplicates.load(), kThreads);
  }
  auto reopened = open_store(path, clock);
  EXPECT_EQ(drain(*reopened).size(), static_cast<std::size_t>(kThreads * (kPerThread - 1) + 1));
}

TEST(SqliteTaskStore, UsesWalAndFullSync) {
  TempDir dir;
  auto db = SqliteDatabase::open(dir.file("x.db"));
  ASSERT_TRUE(db.ok()) << db.error().message;
  auto s = (*db)->session();
  auto mode = s.prepare("PRAGMA journal_mode");
  ASSERT_TRUE(mode.ok() && *mode->step());
  EXPECT_EQ(mode->column_text(0), "wal");
  auto sync = s.prepare("PRAGMA synchronous");
  ASSERT_TRUE(sync.ok() && *sync->step());
  EXPECT_EQ(sync->column_int(0), 2);  // FULL
  auto version = s.prepare("PRAGMA user_version");
  ASSERT_TRUE(version.ok() && *version->step());
  EXPECT_EQ(version->column_int(0), latest_schema_version());
}

// Relaxed transactions (claims, leases, progress, results) commit with synchronous=NORMAL and put FULL
// back, committed or rolled back, so enqueue and complete still wait for the disk.
TEST(SqliteTaskStore, RelaxedWritesRestoreFullSync) {
  TempDir dir;
  auto db = SqliteDatabase::open(dir.file("x.db"));
  ASSERT_TRUE(db.ok()) << db.error().message;
  const auto synchronous = [&] {
    auto s = (*db)->session();
    auto stmt = s.prepare("PRAGMA synchronous");
    return stmt.ok() && *stmt->step() ? stmt->column_int(0) : -1;
  };
  {
    auto s = (*db)->session();
    auto tx = Transaction::begin(s, Transaction::Mode::RelaxedWrite);
    ASSERT_TRUE(tx.ok());
    auto inside = s.prepare("PRAGMA synchronous");
    ASSERT_TRUE(inside.ok() && *inside->step());
    EXPECT_EQ(inside->column_int(0), 1);  // NORMAL while it lasts
    ASSERT_TRUE(s.exec("CREATE TABLE t (x INTEGER)").ok());
    ASSERT_TRUE(tx->commit().ok());
  }
  EXPECT_EQ(synchronous(), 2);
  {
    auto s = (*db)->session();
    auto tx = Transaction::begin(s, Transaction::Mode::RelaxedWrite);
    ASSERT_TRUE(tx.ok());
    ASSERT_TRUE(s.exec("INSERT INTO t VALUES (1)").ok());
  }  // rolled back
  EXPECT_EQ(synchronous(), 2);
  FakeClock clock;
  SqliteTaskStore store(*db, clock);
  TaskRecord t;
  t.task_uuid = "t1";
  t.owner = "o";
  t.task_type = "videoInference";
  t.model = "m";
  ASSERT_TRUE(store.enqueue(t).ok());
  auto claimed = store.claim_next("w", 1000);
  ASSERT_TRUE(claimed.ok() && claimed->has_value());
  const Claim claim = claim_of(**claimed);
  ASSERT_TRUE(store.renew_lease(claim, 1000).ok());
  ASSERT_TRUE(store.set_progress(claim, 50).ok());
  ASSERT_TRUE(store.put_result(claim, {0, "m1", "success", "p"}).ok());
  EXPECT_EQ(synchronous(), 2);
  ASSERT_TRUE(store.complete(claim).ok());
  EXPECT_EQ(store.get("o", "t1")->results.size(), 1u);
}

TEST(SqliteTaskStore, EverythingSurvivesReopen) {
  TempDir dir;
  FakeClock clock;
  std::vector<TaskRecord> before;
  {
    auto store = open_store(dir.file("tasks.db"), clock);
    for (auto id : {"a", "b", "c"}) ASSERT_TRUE(store->enqueue(make_task(id)).ok());
    const Claim a = claim_of(**store->claim_next("w1", 1000));
    const Claim b = claim_of(**store->claim_next("w1", 1000));
    ASSERT_TRUE(store->put_result(a, {0, "m0", "success", "payload"}).ok());
    ASSERT_TRUE(store->save_provider_state(a, 0, "state").ok());
    ASSERT_TRUE(store->complete(a).ok());
    ASSERT_TRUE(store->fail(b, "code", "message").ok());
    before = *store->list("key_a", 10, 0);
  }
  auto reopened = open_store(dir.file("tasks.db"), clock);
  EXPECT_EQ(*reopened->list("key_a", 10, 0), before);
  EXPECT_EQ(reopened->get("key_a", "a")->results.at(0).payload, "payload");
  EXPECT_EQ(reopened->get("key_a", "a")->results.at(0).provider_state, "state");
}

TEST(SqliteTaskStore, ResumesAfterRestartWithoutRerunningFinishedTasks) {
  TempDir dir;
  FakeClock clock;
  {
    auto store = open_store(dir.file("tasks.db"), clock);
    for (int i = 0; i < 20; ++i)
      ASSERT_TRUE(store->enqueue(make_task("t" + std::to_string(i))).ok());
    for (int i = 0; i < 5; ++i) {
      auto t = store->claim_next("w1", 60'000);
      ASSERT_TRUE(t.ok() && t->has_value());
      ASSERT_TRUE(store->complete(claim_of(**t)).ok());
    }
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(store->claim_next("w1", 60'000).ok());  // in flight
  }
  auto store = open_store(dir.file("tasks.db"), clock);
  EXPECT_EQ(*store->requeue_interrupted(), 3);
  const std::vector<std::string> rerun = drain(*store);
  EXPECT_EQ(rerun.size(), 15u);
  EXPECT_EQ(store->count_by_status()->at(TaskStatus::Success), 20);
  for (int i = 0; i < 20; ++i) {
    const auto t = store->get("key_a", "t" + std::to_string(i));
    ASSERT_TRUE(t.ok());
    EXPECT_EQ(t->status, TaskStatus::Success);
    EXPECT_EQ(t->attempts, (i >= 5 && i < 8) ? 2 : 1) << t->task_uuid;
  }
}

// Child process: enqueue 20 tasks, complete 5, start a 6th, then wait to be SIGKILLed.
// Every step is reported on `ack` only after the store call returned.
[[noreturn]] void run_victim(const std::string& path, int ack) {
  FakeClock clock;
  auto store = SqliteTaskStore::open(path, clock);
  if (!store.ok()) _exit(2);
  for (int i = 0; i < 20; ++i) {
    if (!(*store)->enqueue(make_task("t" + std::to_string(i))).ok()) _exit(3);
  }
  for (int i = 0; i < 6; ++i) {
    auto t = (*store)->claim_next("victim", 60'000);
    if (!t.ok() || !t->has_value()) _exit(4);
    if (i < 5 && !(*store)->complete(claim_of(**t)).ok()) _exit(5);
  }
  if (write(ack, "k", 1) != 1) _exit(6);
  for (;;) pause();
}

TEST(SqliteTaskStore, AcknowledgedWorkSurvivesSigkill) {
  TempDir dir;
  const std::string path = dir.file("tasks.db");
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(fds[0]);
    run_victim(path, fds[1]);
  }
  close(fds[1]);
  char ack = 0;
  const ssize_t n = read(fds[0], &ack, 1);
  close(fds[0]);
  kill(child, SIGKILL);
  int status = 0;
  waitpid(child, &status, 0);
  ASSERT_EQ(n, 1) << "child failed before acknowledging, exit status " << status;

  FakeClock clock;
  auto store = open_store(path, clock);
  EXPECT_EQ(*store->requeue_interrupted(), 1);
  EXPECT_EQ(drain(*store).size(), 15u);
  for (int i = 0; i < 20; ++i) {
    const auto t = store->get("key_a", "t" + std::to_string(i));
    ASSERT_TRUE(t.ok()) << "lost t" << i;
    EXPECT_EQ(t->status, TaskStatus::Success);
    EXPECT_EQ(t->attempts, i == 5 ? 2 : 1) << t->task_uuid;
  }
}

TEST(SqliteTaskStore, TwoConnectionsOnOneFileNeverShareATask) {
  TempDir dir;
  FakeClock clock;
  auto a = open_store(dir.file("tasks.db"), clock);
  auto b = open_store(dir.file("tasks.db"), clock);
  constexpr int kTasks = 100;
  for (int i = 0; i < kTasks; ++i) ASSERT_TRUE(a->enqueue(make_task("t" + std::to_string(i))).ok());
  std::vector<std::vector<std::string>> claimed(4);
  std::vector<std::thread> threads;
  for (int w = 0; w < 4; ++w) {
    TaskStore& store = w % 2 == 0 ? static_cast<TaskStore&>(*a) : *b;
    threads.emplace_back([&store, &claimed, w] {
      for (;;) {
        auto next = store.claim_next("w" + std::to_string(w), 60'000);
        ASSERT_TRUE(next.ok()) << next.error().message;
        if (!next->has_value()) return;
        claimed[static_cast<std::size_t>(w)].push_back((*next)->task_uuid);
        ASSERT_TRUE(store.complete(claim_of(**next)).ok());
      }
    });
  }
  for (auto& t : threads) t.join();
  std::multiset<std::string> all;
  for (const auto& v : claimed) all.insert(v.begin(), v.end());
  EXPECT_EQ(all.size(), static_cast<std::size_t>(kTasks));
  EXPECT_EQ(std::set<std::string>(all.begin(), all.end()).size(), all.size());
}

TEST(SqliteTaskStore, StoresCanShareOneConnection) {
  FakeClock clock;
  auto db = SqliteDatabase::open(":memory:");
  ASSERT_TRUE(db.ok());
  SqliteTaskStore tasks(*db, clock);
  SqliteKeyStore keys(*db, clock);
  SqliteMediaIndex media(*db, clock);
  auto key = keys.create("ci");
  ASSERT_TRUE(key.ok());
  TaskRecord t = make_task("t1");
  t.owner = key->info.id;
  ASSERT_TRUE(tasks.enqueue(t).ok());
  ASSERT_TRUE(media.put({"m1", key->info.id, "t1", "/tmp/m1.mp4", "video/mp4", 10, 0, 0}).ok());
  EXPECT_EQ(**keys.verify(key->plaintext), key->info.id);
  EXPECT_TRUE(tasks.get(key->info.id, "t1").ok());
  EXPECT_EQ(media.get("m1")->owner, key->info.id);
}

// A database written by the first schema (no api/external_id columns) is migrated in place and
// its tasks read back with both empty.
TEST(SqliteTaskStore, MigratesAVersionOneDatabase) {
  TempDir dir;
  const std::string path = dir.file("tasks.db");
  ASSERT_TRUE(write_database(path, kVersionOneTables +
      "INSERT INTO tasks (task_uuid, owner, task_type, model, request, status, created_ms, updated_ms) "
      "VALUES ('old', 'key_a', 'videoInference', 'klingai:3@1', 'r', 'queued', 1, 1);"
      "PRAGMA user_version=1;"));
  FakeClock clock;
  auto store = SqliteTaskStore::open(path, clock);
  ASSERT_TRUE(store.ok()) << store.error().message;
  auto old = (*store)->get("key_a", "old");
  ASSERT_TRUE(old.ok()) << old.error().message;
  EXPECT_EQ(old->api, "");
  EXPECT_EQ(old->external_id, "");
  TaskRecord fresh;
  fresh.task_uuid = "new";
  fresh.owner = "key_a";
  fresh.task_type = "videoInference";
  fresh.model = "klingai:3@1";
  fresh.api = "kling:text2video";
  fresh.external_id = "mine-1";
  ASSERT_TRUE((*store)->enqueue(fresh).ok());
  EXPECT_EQ((*store)->get_by_external_id("key_a", "mine-1")->api, "kling:text2video");
}

// A database at schema version 2 (no progress column) keeps its rows: tasks read back with
// progress 0, finished ones with 100, and the holder of a migrated running task can write it.
TEST(SqliteTaskStore, MigratesAVersionTwoDatabase) {
  TempDir dir;
  const std::string path = dir.file("tasks.db");
  ASSERT_TRUE(write_database(path, kVersionOneTables +
        "ALTER TABLE tasks ADD COLUMN api TEXT NOT NULL DEFAULT '';"
        "ALTER TABLE tasks ADD COLUMN external_id TEXT NOT NULL DEFAULT '';"
        "INSERT INTO tasks (task_uuid, owner, task_type, model, request, status, worker_id, "
        "lease_expires_ms, created_ms, updated_ms, api, external_id) VALUES "
        "('running', 'key_a', 'videoInference', 'klingai:3@1', 'r1', 'processing', 'w1', 900000, 1, 1, "
        "'apimart', 'ext-1'),"
        "('done', 'key_a', 'videoInference', 'klingai:3@1', 'r2', 'success', '', 0, 2, 2, 'runware', '');"
        "INSERT INTO task_results VALUES ('done', 0, 'm0', 'success', 'payload');"
        "PRAGMA user_version=2;"));
  FakeClock clock;
  auto store = open_store(path, clock);
  ASSERT_NE(store, nullptr);
  auto running = store->get("key_a", "running");
  ASSERT_TRUE(running.ok()) << running.error().message;
  EXPECT_EQ(running->status, TaskStatus::Processing);
  EXPECT_EQ(running->request, "r1");
  EXPECT_EQ(running->external_id, "ext-1");
  EXPECT_EQ(running->progress, 0);
  auto done = store->get("key_a", "done");
  ASSERT_TRUE(done.ok()) << done.error().message;
  EXPECT_EQ(done->api, "runware");
  EXPECT_EQ(done->progress, 100);
  ASSERT_EQ(done->results.size(), 1u);
  EXPECT_EQ(done->results[0].payload, "payload");
  EXPECT_EQ(done->results[0].provider_state, "");  // schema 6
  ASSERT_TRUE(store->set_progress(claim_of(*running), 64).ok());
  EXPECT_EQ(store->get("key_a", "running")->progress, 64);
}

TEST(SqliteTaskStore, RefusesADatabaseFromANewerVersion) {
  TempDir dir;
  const std::string path = dir.file("tasks.db");
  FakeClock clock;
  ASSERT_NE(open_store(path, clock), nullptr);
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &raw), SQLITE_OK);
  SqliteDbPtr db(raw);
  ASSERT_EQ(sqlite3_exec(db.get(), "PRAGMA user_version=99", nullptr, nullptr, nullptr), SQLITE_OK);
  db.reset();
  auto store = SqliteTaskStore::open(path, clock);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().code, "storage");
  EXPECT_NE(store.error().message.find("99"), std::string::npos) << store.error().message;
}

TEST(SqliteTaskStore, OpenFailureIsAnErrorValue) {
  FakeClock clock;
  auto store = SqliteTaskStore::open("/nonexistent-dir/for/vidserve/tasks.db", clock);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().code, "storage");
  EXPECT_NE(store.error().message.find("/nonexistent-dir"), std::string::npos);
}

TEST(SqliteTaskStore, NestedUseOfTheSameStatementIsSafe) {
  auto db = SqliteDatabase::open(":memory:");
  ASSERT_TRUE(db.ok());
  auto s = (*db)->session();
  auto outer = s.prepare("SELECT ?1");
  ASSERT_TRUE(outer.ok());
  outer->integer(1, 1);
  auto inner = s.prepare("SELECT ?1");  // same text while `outer` is still in use
  ASSERT_TRUE(inner.ok());
  inner->integer(1, 2);
  ASSERT_TRUE(*outer->step());
  ASSERT_TRUE(*inner->step());
  EXPECT_EQ(outer->column_int(0), 1);
  EXPECT_EQ(inner->column_int(0), 2);
}

}  // namespace
}  // namespace vidserve::store
