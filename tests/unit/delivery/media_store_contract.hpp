#pragma once
// The MediaStore contract, run against every implementation: each test file instantiates it with
// its implementations (INSTANTIATE_TYPED_TEST_SUITE_P): LocalMediaStore over the in-memory and
// the SQLite MediaIndex (media_store_contract_test.cpp), S3MediaStore on the S3 test server
// (s3_media_store_contract_test.cpp). Time only moves when a test advances the FakeClock.
// An implementation is an Impl: make() builds the store with the given read limit, stored()
// lists what it keeps (committed media and scratch files alike).
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "common/io_error.hpp"
#include "common/uuid.hpp"
#include "delivery/media_store.hpp"
#include "store/task_store.hpp"

namespace vidserve::delivery::testing {

namespace fs = std::filesystem;

struct ScratchDir {
  fs::path path = fs::temp_directory_path() / ("vidserve-media-contract-" + uuid::generate_v4());
  ScratchDir() { fs::create_directories(path); }
  ~ScratchDir() {
    std::error_code ignored;
    fs::remove_all(path, ignored);
  }
  std::vector<std::string> names(const fs::path& dir) const {
    std::vector<std::string> out;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir, ec))
      out.push_back(entry.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
  }
};

template <class Impl>
class MediaStoreContract : public ::testing::Test {
 protected:
  static constexpr std::uint64_t kReadLimit = 64;

  // A staged media whose scratch file holds `bytes`, as an engine leaves it.
  StagedMedia staged(const std::string& uuid, const std::string& bytes,
                     const std::string& type = "video/mp4") {
    auto s = media->stage(uuid, type);
    EXPECT_TRUE(s.ok()) << s.error().message;
    if (!s) return {};
    std::ofstream(s->path, std::ios::binary) << bytes;
    return *s;
  }
  store::MediaRecord committed(const std::string& uuid, const std::string& bytes,
                               const std::string& owner = "key_a", const std::string& task = "t1",
                               std::optional<std::int64_t> ttl_s = std::nullopt) {
    auto record = media->commit(staged(uuid, bytes), owner, task, ttl_s);
    EXPECT_TRUE(record.ok()) << record.error().message;
    return record ? *record : store::MediaRecord{};
  }
  std::string read(const std::string& uuid, std::optional<ByteRange> range = std::nullopt) {
    auto bytes = media->read(uuid, range);
    EXPECT_TRUE(bytes.ok()) << bytes.error().message;
    return bytes ? *bytes : std::string("<error>");
  }
  std::string read_error(const std::string& uuid, std::optional<ByteRange> range = std::nullopt) {
    auto bytes = media->read(uuid, range);
    return bytes ? std::string("<read " + std::to_string(bytes->size()) + " bytes>")
                 : bytes.error().code;
  }

  FakeClock clock;
  Impl impl;
  std::unique_ptr<MediaStore> media = impl.make(clock, kReadLimit);
};

TYPED_TEST_SUITE_P(MediaStoreContract);

TYPED_TEST_P(MediaStoreContract, AStagedMediaIsFoundOnlyOnceCommitted) {
  const auto s = this->staged("m1", "video bytes");
  EXPECT_EQ(this->media->find("m1").error().code, store::errc::kNotFound);
  EXPECT_EQ(this->read_error("m1"), store::errc::kNotFound);
  auto record = this->media->commit(s, "key_a", "t1", std::nullopt);
  ASSERT_TRUE(record.ok()) << record.error().message;
  EXPECT_EQ(record->media_uuid, "m1");
  EXPECT_EQ(record->owner, "key_a");
  EXPECT_EQ(record->task_uuid, "t1");
  EXPECT_EQ(record->content_type, "video/mp4");
  EXPECT_EQ(record->size_bytes, 11);
  EXPECT_EQ(record->created_ms, this->clock.now_ms());
  EXPECT_EQ(record->expires_ms, 0);
  EXPECT_EQ(*this->media->find("m1"), *record);
  EXPECT_EQ(this->read("m1"), "video bytes");
  EXPECT_FALSE(fs::exists(s.path));  // the scratch file became the media
  EXPECT_EQ(this->impl.stored().size(), 1u);
}

TYPED_TEST_P(MediaStoreContract, DiscardLeavesNothing) {
  const auto written = this->staged("m1", "half a video");
  const auto empty = this->staged("m2", "");
  auto never_written = this->media->stage("m3", "image/png");
  ASSERT_TRUE(never_written.ok());
  EXPECT_EQ(this->impl.stored().size(), 2u);
  this->media->discard(written);
  this->media->discard(empty);
  this->media->discard(*never_written);
  EXPECT_TRUE(this->impl.stored().empty());
  for (const char* uuid : {"m1", "m2", "m3"}) EXPECT_FALSE(this->media->find(uuid).ok());
}

TYPED_TEST_P(MediaStoreContract, ACommitWithoutAFileFailsAndStoresNothing) {
  auto s = this->media->stage("m1", "video/mp4");
  ASSERT_TRUE(s.ok());
  auto record = this->media->commit(*s, "key_a", "t1", std::nullopt);
  ASSERT_FALSE(record.ok());
  EXPECT_EQ(record.error().code, io_errc::kStorage);
  EXPECT_EQ(record.error().message.find('/'), std::string::npos)
      << record.error().message;  // no path
  EXPECT_FALSE(this->media->find("m1").ok());
  EXPECT_TRUE(this->impl.stored().empty());
}

TYPED_TEST_P(MediaStoreContract, IdsThatCannotNameAMediaAreRefused) {
  for (const std::string& uuid : std::vector<std::string>{"", "../escape", "a/b", "a.b", ".hidden",
                                                          "sp ace", std::string(65, 'a')}) {
    auto s = this->media->stage(uuid, "video/mp4");
    ASSERT_FALSE(s.ok()) << uuid;
    EXPECT_EQ(s.error().code, errc::kInvalidMediaId);
    auto saved = this->media->save("key_a", "t1", uuid, "bytes", "video/mp4", std::nullopt);
    ASSERT_FALSE(saved.ok());
    EXPECT_EQ(saved.error().code, errc::kInvalidMediaId);
  }
  EXPECT_TRUE(this->media->stage(std::string(64, 'a'), "video/mp4").ok());
  EXPECT_TRUE(this->media->stage("A-z_09-" + uuid::generate_v4(), "video/mp4").ok());
  EXPECT_TRUE(this->impl.stored().empty());
}

TYPED_TEST_P(MediaStoreContract, ACommitReplacesTheMediaOfTheSameUuid) {
  this->committed("m1", "first render");
  const auto again = this->committed("m1", "second");
  EXPECT_EQ(again.size_bytes, 6);
  EXPECT_EQ(this->read("m1"), "second");
  EXPECT_EQ(this->impl.stored().size(), 1u);
}

TYPED_TEST_P(MediaStoreContract, SaveStagesWritesAndCommits) {
  auto saved = this->media->save("key_b", "t9", "m1", std::string("bin\0\xff", 5), "image/png", 60);
  ASSERT_TRUE(saved.ok()) << saved.error().message;
  EXPECT_EQ(saved->owner, "key_b");
  EXPECT_EQ(saved->task_uuid, "t9");
  EXPECT_EQ(saved->content_type, "image/png");
  EXPECT_EQ(saved->expires_ms, this->clock.now_ms() + 60'000);
  EXPECT_EQ(this->read("m1"), std::string("bin\0\xff", 5));
  EXPECT_EQ(this->impl.stored().size(), 1u);
}

TYPED_TEST_P(MediaStoreContract, ReadsARange) {
  this->committed("m1", "0123456789");
  EXPECT_EQ(this->read("m1", ByteRange{0, 1}), "0");
  EXPECT_EQ(this->read("m1", ByteRange{3, 4}), "3456");
  EXPECT_EQ(this->read("m1", ByteRange{9, 1}), "9");
  EXPECT_EQ(this->read("m1", ByteRange{0, 10}), "0123456789");
  EXPECT_EQ(this->read("m1"), "0123456789");
}

TYPED_TEST_P(MediaStoreContract, RangesOutsideTheMediaAreRefused) {
  this->committed("m1", "0123456789");
  constexpr auto kMax = std::numeric_limits<std::uint64_t>::max();
  for (const ByteRange range :
       {ByteRange{10, 1}, ByteRange{9, 2}, ByteRange{0, 11}, ByteRange{5, 0}, ByteRange{kMax, 1},
        ByteRange{1, kMax}, ByteRange{kMax, kMax}}) {
    EXPECT_EQ(this->read_error("m1", range), errc::kRangeNotSatisfiable)
        << range.offset << "+" << range.length;
  }
  EXPECT_EQ(this->read_error("unknown", ByteRange{0, 1}), store::errc::kNotFound);
}

TYPED_TEST_P(MediaStoreContract, ReadsAreBoundedByTheReadLimit) {
  const std::string big(this->kReadLimit + 36, 'x');
  this->committed("m1", big);
  EXPECT_EQ(this->read_error("m1"), errc::kMediaTooLarge);
  EXPECT_EQ(this->read_error("m1", ByteRange{10, this->kReadLimit + 1}), errc::kMediaTooLarge);
  EXPECT_EQ(this->read("m1", ByteRange{36, this->kReadLimit}), big.substr(36));
  this->committed("m2", std::string(this->kReadLimit, 'y'));
  EXPECT_EQ(this->read("m2").size(), this->kReadLimit);
}

TYPED_TEST_P(MediaStoreContract, MediaExpiresAfterItsTtlAndIsSwept) {
  const auto record = this->committed("short", "expiring", "key_a", "t1", 60);
  this->committed("kept", "kept forever");
  EXPECT_EQ(record.expires_ms, this->clock.now_ms() + 60'000);
  this->clock.advance_ms(59'999);
  EXPECT_EQ(this->read("short"), "expiring");
  EXPECT_EQ(this->media->sweep_expired(), 0u);
  this->clock.advance_ms(1);
  EXPECT_EQ(this->media->find("short").error().code, store::errc::kNotFound);
  EXPECT_EQ(this->read_error("short"), store::errc::kNotFound);
  EXPECT_EQ(this->impl.stored().size(), 2u);  // until the sweep
  EXPECT_EQ(this->media->sweep_expired(), 1u);
  EXPECT_EQ(this->media->sweep_expired(), 0u);
  EXPECT_EQ(this->impl.stored().size(), 1u);
  EXPECT_EQ(this->read("kept"), "kept forever");
}

TYPED_TEST_P(MediaStoreContract, RemovingATasksMediaDeletesOnlyThatTasksOfThatOwner) {
  this->committed("m1", "one", "key_a", "t1");
  this->committed("m2", "two", "key_a", "t1", 1);
  this->committed("m3", "three", "key_a", "t2");
  this->committed("m4", "other key", "key_b", "t1");
  this->clock.advance_ms(1000);  // m2 expired, not yet swept: it goes too
  auto removed = this->media->remove_task_media("key_a", "t1");
  ASSERT_TRUE(removed.ok()) << removed.error().message;
  EXPECT_EQ(*removed, 2u);
  EXPECT_FALSE(this->media->find("m1").ok());
  EXPECT_EQ(this->read("m3"), "three");
  EXPECT_EQ(this->read("m4"), "other key");
  EXPECT_EQ(this->impl.stored().size(), 2u);
  EXPECT_EQ(*this->media->remove_task_media("key_a", "t1"), 0u);
  EXPECT_EQ(this->media->sweep_expired(), 0u);
}

TYPED_TEST_P(MediaStoreContract, UrlsStartWithTheBaseUrlSetOnce) {
  EXPECT_FALSE(this->media->ready());
  EXPECT_EQ(this->media->url("m1", "video/mp4"), "/media/m1.mp4");
  this->media->set_public_base_url("http://127.0.0.1:8080");
  EXPECT_TRUE(this->media->ready());
  EXPECT_EQ(this->media->url("m1", "video/mp4"), "http://127.0.0.1:8080/media/m1.mp4");
  EXPECT_EQ(this->media->url("m2", "image/png"), "http://127.0.0.1:8080/media/m2.png");
  EXPECT_EQ(this->media->url("m3", "image/jpeg"), "http://127.0.0.1:8080/media/m3.jpg");
  EXPECT_EQ(this->media->url("m4", "application/x-unknown"), "http://127.0.0.1:8080/media/m4.bin");
  this->media->set_public_base_url("http://other.example");
  EXPECT_EQ(this->media->url("m1", "video/mp4"), "http://127.0.0.1:8080/media/m1.mp4");
}

TYPED_TEST_P(MediaStoreContract, LocateTellsWhereTheMediaIsServedFrom) {
  const auto record = this->committed("m1", "served bytes");
  auto location = this->media->locate(record);
  ASSERT_TRUE(location.ok()) << location.error().message;
  if (const auto* file = std::get_if<LocalFile>(&*location)) {
    std::ifstream in(file->path, std::ios::binary);
    std::ostringstream bytes;
    bytes << in.rdbuf();
    EXPECT_EQ(bytes.str(), "served bytes");
  } else {
    EXPECT_FALSE(std::get<RemoteUrl>(*location).url.empty());
  }
}

TYPED_TEST_P(MediaStoreContract, StaleScratchFilesAreRemovedAndMediaKept) {
  this->staged("m1", "left by a killed render");
  this->staged("m2", "another");
  this->committed("m3", "done");
  EXPECT_EQ(this->media->remove_stale_scratch(), 2u);
  EXPECT_EQ(this->impl.stored().size(), 1u);
  EXPECT_EQ(this->read("m3"), "done");
  EXPECT_EQ(this->media->remove_stale_scratch(), 0u);
}

TYPED_TEST_P(MediaStoreContract, FreeBytesAreReported) {
  auto free = this->media->free_bytes();
  ASSERT_TRUE(free.ok()) << free.error().message;
  EXPECT_GT(*free, 0u);
}

REGISTER_TYPED_TEST_SUITE_P(MediaStoreContract, AStagedMediaIsFoundOnlyOnceCommitted,
                            DiscardLeavesNothing, ACommitWithoutAFileFailsAndStoresNothing,
                            IdsThatCannotNameAMediaAreRefused, ACommitReplacesTheMediaOfTheSameUuid,
                            SaveStagesWritesAndCommits, ReadsARange,
                            RangesOutsideTheMediaAreRefused, ReadsAreBoundedByTheReadLimit,
                            MediaExpiresAfterItsTtlAndIsSwept,
                            RemovingATasksMediaDeletesOnlyThatTasksOfThatOwner,
                            UrlsStartWithTheBaseUrlSetOnce, LocateTellsWhereTheMediaIsServedFrom,
                            StaleScratchFilesAreRemovedAndMediaKept, FreeBytesAreReported);

}  // namespace vidserve::delivery::testing
