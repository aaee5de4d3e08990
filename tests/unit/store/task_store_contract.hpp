#pragma once
// The fixture of the TaskStore contract suites (task_store_contract_test.cpp,
// task_store_queue_contract_test.cpp, webhook_outbox_contract_test.cpp): every implementation
// (the in-memory fake, SQLite on a temporary file, SQLite ":memory:" and PostgreSQL in a schema
// of its own) behind one typed fixture. Time only moves when a test
// advances the FakeClock.
#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <type_traits>

#include "common/clock.hpp"
#include "pg_test_support.hpp"
#include "store/memory_task_store.hpp"
#include "store/pg_task_store.hpp"
#include "store/sqlite_task_store.hpp"
#include "store_test_support.hpp"

namespace vidserve::store::testing {

struct MemoryImpl {
  std::unique_ptr<TaskStore> make(const Clock& clock) {
    return std::make_unique<MemoryTaskStore>(clock);
  }
};

struct SqliteFileImpl {
  TempDir dir;
  std::unique_ptr<TaskStore> make(const Clock& clock) {
    auto store = SqliteTaskStore::open(dir.file("tasks.db"), clock);
    EXPECT_TRUE(store.ok()) << store.error().message;
    return std::move(store).value();
  }
};

struct SqliteInMemoryImpl {
  std::unique_ptr<TaskStore> make(const Clock& clock) {
    auto store = SqliteTaskStore::open(":memory:", clock);
    EXPECT_TRUE(store.ok()) << store.error().message;
    return std::move(store).value();
  }
};

// The test PostgreSQL server (fixture pg_server), a fresh schema per test.
struct PgImpl {
  PgTestSchema schema;
  std::unique_ptr<TaskStore> make(const Clock& clock) {
    auto db = schema.open();  // a failure to open is reported there
    if (!db) return nullptr;
    auto store = PgTaskStore::open(std::move(db), clock);
    EXPECT_TRUE(store.ok()) << store.error().message;
    if (!store) return nullptr;
    return std::move(store).value();
  }
};

struct ImplNames {
  template <class T>
  static std::string GetName(int) {
    if (std::is_same_v<T, MemoryImpl>) return "Memory";
    if (std::is_same_v<T, SqliteFileImpl>) return "SqliteFile";
    if (std::is_same_v<T, PgImpl>) return "Postgres";
    return "SqliteInMemory";
  }
};

template <class Impl>
class TaskStoreContract : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_NE(store, nullptr) << "the store did not open"; }

  static TaskRecord task(const std::string& uuid, const std::string& owner = "key_a") {
    TaskRecord t;
    t.task_uuid = uuid;
    t.owner = owner;
    t.task_type = "videoInference";
    t.model = "klingai:5@3";
    t.request = "request of " + uuid;
    return t;
  }

  void enqueue(const std::string& uuid, const std::string& owner = "key_a") {
    auto r = store->enqueue(task(uuid, owner));
    ASSERT_TRUE(r.ok()) << r.error().message;
  }

  TaskRecord get(const std::string& uuid, const std::string& owner = "key_a") {
    auto r = store->get(owner, uuid);
    EXPECT_TRUE(r.ok()) << uuid << ": " << r.error().message;
    return r.ok() ? r.value() : TaskRecord{};
  }

  std::optional<TaskRecord> claim(const std::string& worker = "w1", std::int64_t lease = 1000) {
    auto r = store->claim_next(worker, lease);
    EXPECT_TRUE(r.ok()) << r.error().message;
    return r.ok() ? r.value() : std::nullopt;
  }

  std::string claimed_uuid(const std::string& worker = "w1", std::int64_t lease = 1000) {
    auto t = claim(worker, lease);
    return t ? t->task_uuid : "<nothing>";
  }

  // The claim `worker` would hold on the task now: its key and current attempt.
  Claim as(const std::string& uuid, const std::string& worker, const std::string& owner = "key_a") {
    auto r = store->get(owner, uuid);
    if (!r.ok()) return Claim{uuid, worker, 0};  // a missing task: the store answers notFound
    return Claim{r->key, worker, r->attempts};
  }

  // The claim of the task's current holder (worker "" when nobody holds it).
  Claim held(const std::string& uuid, const std::string& owner = "key_a") {
    auto r = store->get(owner, uuid);
    if (!r.ok()) return Claim{uuid, "", 0};
    return claim_of(*r);
  }

  FakeClock clock;
  Impl impl;
  std::unique_ptr<TaskStore> store = impl.make(clock);
};

using Impls = ::testing::Types<MemoryImpl, SqliteFileImpl, SqliteInMemoryImpl, PgImpl>;

}  // namespace vidserve::store::testing
