// SpendLedger contract (SQLite and memory): charges up to the cap, once per task, race-free.
#include "store/spend_ledger.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <type_traits>
#include <vector>

#include "store/sqlite_database.hpp"
#include "store/pg_stores.hpp"
#include "store/sqlite_key_store.hpp"
#include "pg_test_support.hpp"
#include "store_test_support.hpp"

namespace vidserve::store {
namespace {

using testing::TempDir;

struct MemoryLedger {
  std::unique_ptr<SpendLedger> make() { return std::make_unique<MemorySpendLedger>(); }
};

struct SqliteLedger {
  TempDir dir;
  std::unique_ptr<SpendLedger> make() {
    auto db = SqliteDatabase::open(dir.file("spend.db"));
    EXPECT_TRUE(db.ok()) << db.error().message;
    return std::make_unique<SqliteSpendLedger>(std::move(db).value());
  }
};

struct PgLedger {
  testing::PgTestSchema schema;
  std::unique_ptr<SpendLedger> make() { return std::make_unique<PgSpendLedger>(schema.open()); }
};

struct LedgerNames {
  template <class T>
  static std::string GetName(int) {
    if (std::is_same_v<T, PgLedger>) return "Postgres";
    return std::is_same_v<T, MemoryLedger> ? "Memory" : "Sqlite";
  }
};

template <class Impl>
class SpendLedgerContract : public ::testing::Test {
 protected:
  Impl impl;
  std::unique_ptr<SpendLedger> ledger = impl.make();
};

using LedgerImpls = ::testing::Types<MemoryLedger, SqliteLedger, PgLedger>;
TYPED_TEST_SUITE(SpendLedgerContract, LedgerImpls, LedgerNames);

TYPED_TEST(SpendLedgerContract, ChargesUpToTheCapAndNotBeyond) {
  auto& l = *this->ledger;
  const money::Micros cap = 500'000;
  EXPECT_TRUE(l.charge("k", "t1", 185'000, cap)->charged);
  EXPECT_TRUE(l.charge("k", "t2", 185'000, cap)->charged);
  const auto refused = l.charge("k", "t3", 185'000, cap);
  ASSERT_TRUE(refused.ok());
  EXPECT_FALSE(refused->charged);
  EXPECT_EQ(refused->spent, 370'000);
  EXPECT_TRUE(l.charge("k", "t4", 130'000, cap)->charged);  // exactly up to the cap
  EXPECT_EQ(*l.spent("k"), 500'000);
  EXPECT_EQ(*l.spent("other"), 0);
  EXPECT_TRUE(l.charge("other", "t5", 185'000, cap)->charged);  // caps are per owner
}

TYPED_TEST(SpendLedgerContract, ATaskIsChargedOnce) {
  auto& l = *this->ledger;
  EXPECT_TRUE(l.charge("k", "t1", 300'000, 400'000)->charged);
  const auto again = l.charge("k", "t1", 300'000, 400'000);  // a retry of the same task
  EXPECT_TRUE(again->charged);
  EXPECT_EQ(again->spent, 300'000);
  EXPECT_EQ(*l.spent("k"), 300'000);
}

TYPED_TEST(SpendLedgerContract, WithoutACapEverythingIsCounted) {
  auto& l = *this->ledger;
  for (int i = 0; i < 5; ++i)
    EXPECT_TRUE(l.charge("k", "t" + std::to_string(i), 1'000'000, std::nullopt)->charged);
  EXPECT_EQ(*l.spent("k"), 5'000'000);
}

TYPED_TEST(SpendLedgerContract, ConcurrentChargesNeverCrossTheCap) {
  auto& l = *this->ledger;
  constexpr int kThreads = 8, kEach = 10;
  std::atomic<int> charged{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        auto r =
            l.charge("k", "t" + std::to_string(t) + "-" + std::to_string(i), 100'000, 2'050'000);
        if (r.ok() && r->charged) ++charged;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(charged.load(), 20);
  EXPECT_EQ(*l.spent("k"), 2'000'000);
}

}  // namespace
}  // namespace vidserve::store
