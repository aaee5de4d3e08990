// MediaIndex contract for the SQLite index and the in-memory fake; TTLs on a FakeClock.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <type_traits>

#include "common/clock.hpp"
#include "store/memory_media_index.hpp"
#include "store/pg_stores.hpp"
#include "store/sqlite_media_index.hpp"
#include "pg_test_support.hpp"
#include "store_test_support.hpp"

namespace vidserve::store {
namespace {

using testing::TempDir;

struct MemoryMedia {
  std::unique_ptr<MediaIndex> make(const Clock& clock) {
    return std::make_unique<MemoryMediaIndex>(clock);
  }
};

struct SqliteMedia {
  TempDir dir;
  std::unique_ptr<MediaIndex> make(const Clock& clock) {
    auto index = SqliteMediaIndex::open(dir.file("media.db"), clock);
    EXPECT_TRUE(index.ok()) << index.error().message;
    return std::move(index).value();
  }
};

struct PgMedia {
  testing::PgTestSchema schema;
  std::unique_ptr<MediaIndex> make(const Clock& clock) {
    return std::make_unique<PgMediaIndex>(schema.open(), clock);
  }
};

struct MediaImplNames {
  template <class T>
  static std::string GetName(int) {
    if (std::is_same_v<T, PgMedia>) return "Postgres";
    return std::is_same_v<T, MemoryMedia> ? "Memory" : "Sqlite";
  }
};

template <class Impl>
class MediaIndexContract : public ::testing::Test {
 protected:
  MediaRecord media(const std::string& uuid, std::int64_t ttl_ms) {
    return MediaRecord{uuid,        "key_a", "task-1", "/var/media/" + uuid + ".mp4",
                       "video/mp4", 1234,    0,        ttl_ms == 0 ? 0 : clock.now_ms() + ttl_ms};
  }
  std::vector<std::string> expired_uuids(std::size_t limit = 100) {
    auto r = index->expired(clock.now_ms(), limit);
    EXPECT_TRUE(r.ok());
    std::vector<std::string> out;
    if (r.ok()) {
      for (const auto& m : *r) out.push_back(m.media_uuid);
    }
    return out;
  }

  FakeClock clock;
  Impl impl;
  std::unique_ptr<MediaIndex> index = impl.make(clock);
};

using MediaImpls = ::testing::Types<MemoryMedia, SqliteMedia, PgMedia>;
TYPED_TEST_SUITE(MediaIndexContract, MediaImpls, MediaImplNames);

TYPED_TEST(MediaIndexContract, PutThenGet) {
  ASSERT_TRUE(this->index->put(this->media("m1", 0)).ok());
  auto got = this->index->get("m1");
  ASSERT_TRUE(got.ok());
  MediaRecord expected = this->media("m1", 0);
  expected.created_ms = this->clock.now_ms();  // stamped
  EXPECT_EQ(*got, expected);
  EXPECT_EQ(this->index->get("m2").error().code, "notFound");
  EXPECT_EQ(this->index->put(this->media("", 0)).error().code, "invalidArgument");
}

TYPED_TEST(MediaIndexContract, RecordExpiresAfterItsTtl) {
  ASSERT_TRUE(this->index->put(this->media("short", 60'000)).ok());
  ASSERT_TRUE(this->index->put(this->media("forever", 0)).ok());
  this->clock.advance_ms(59'999);
  EXPECT_TRUE(this->index->get("short").ok());
  EXPECT_TRUE(this->expired_uuids().empty());
  this->clock.advance_ms(1);
  EXPECT_EQ(this->index->get("short").error().code, "notFound");
  EXPECT_EQ(this->expired_uuids(), std::vector<std::string>{"short"});
  this->clock.advance_ms(365LL * 24 * 3600 * 1000);
  EXPECT_TRUE(this->index->get("forever").ok());
  EXPECT_EQ(this->expired_uuids(), std::vector<std::string>{"short"});
}

TYPED_TEST(MediaIndexContract, ExpiredListsSoonestFirstUpToLimit) {
  ASSERT_TRUE(this->index->put(this->media("c", 3000)).ok());
  ASSERT_TRUE(this->index->put(this->media("a", 1000)).ok());
  ASSERT_TRUE(this->index->put(this->media("b", 2000)).ok());
  ASSERT_TRUE(this->index->put(this->media("later", 9000)).ok());
  this->clock.advance_ms(5000);
  EXPECT_EQ(this->expired_uuids(), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(this->expired_uuids(2), (std::vector<std::string>{"a", "b"}));
}

TYPED_TEST(MediaIndexContract, PutReplacesAndRemoveDeletes) {
  ASSERT_TRUE(this->index->put(this->media("m1", 1000)).ok());
  MediaRecord replaced = this->media("m1", 0);
  replaced.size_bytes = 99;
  ASSERT_TRUE(this->index->put(replaced).ok());
  this->clock.advance_ms(2000);
  auto got = this->index->get("m1");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->size_bytes, 99);
  ASSERT_TRUE(this->index->remove("m1").ok());
  EXPECT_EQ(this->index->get("m1").error().code, "notFound");
  EXPECT_EQ(this->index->remove("m1").error().code, "notFound");
}

// A task's media, expired or not, for retention; only that owner's and that task's.
TYPED_TEST(MediaIndexContract, ForTaskListsATasksMedia) {
  MediaRecord other_task = this->media("m3", 0);
  other_task.task_uuid = "task-2";
  MediaRecord other_owner = this->media("m4", 0);
  other_owner.owner = "key_b";
  for (const auto& m : {this->media("m2", 1000), this->media("m1", 0), other_task, other_owner}) {
    ASSERT_TRUE(this->index->put(m).ok());
  }
  this->clock.advance_ms(5000);  // m2 expired: still listed
  auto listed = this->index->for_task("key_a", "task-1");
  ASSERT_TRUE(listed.ok());
  std::vector<std::string> uuids;
  for (const auto& m : *listed) uuids.push_back(m.media_uuid);
  std::sort(uuids.begin(), uuids.end());
  EXPECT_EQ(uuids, (std::vector<std::string>{"m1", "m2"}));
  EXPECT_TRUE(this->index->for_task("key_a", "task-9")->empty());
}

}  // namespace
}  // namespace vidserve::store
