// Retention with simulated time: finished tasks older than the retention are deleted with their
// results, media files and index rows; queued, processing and recent tasks keep everything.
#include "delivery/retention.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "common/uuid.hpp"
#include "delivery/local_media_store.hpp"
#include "store/memory_media_index.hpp"
#include "store/memory_task_store.hpp"

namespace vidserve::delivery {
namespace {

namespace fs = std::filesystem;
constexpr std::int64_t kDay = 24LL * 3600 * 1000;

class RetentionTest : public testing::Test {
 protected:
  RetentionTest()
      : dir_(fs::temp_directory_path() / ("vidserve-retention-" + uuid::generate_v4())),
        tasks_(clock_),
        index_(clock_),
        media_(dir_, index_, clock_) {}
  ~RetentionTest() override {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }

  // A task of `owner` with one result whose media file exists.
  void add(const std::string& uuid, const std::string& owner = "key_a",
           std::optional<std::int64_t> ttl_s = {}) {
    store::TaskRecord t;
    t.task_uuid = uuid;
    t.owner = owner;
    t.task_type = "videoInference";
    t.model = "m";
    t.results = {{0, "media-" + uuid, "processing", ""}};
    ASSERT_TRUE(tasks_.enqueue(t).ok());
    ASSERT_TRUE(
        media_.save(owner, uuid, "media-" + uuid, "bytes of " + uuid, "video/mp4", ttl_s).ok());
  }
  // Claims the oldest queued task, which must be `uuid`.
  void claim(const std::string& uuid) {
    auto claimed = tasks_.claim_next("w", 365 * kDay);
    ASSERT_TRUE(claimed.ok() && claimed->has_value());
    ASSERT_EQ((**claimed).task_uuid, uuid);
  }
  // The claim of the task's holder, as claim_next gave it.
  store::Claim held(const std::string& uuid, const std::string& owner = "key_a") {
    return store::claim_of(tasks_.get(owner, uuid).value());
  }
  bool file_exists(const std::string& uuid) const {
    return fs::exists(dir_ / ("media-" + uuid + ".mp4"));
  }
  bool task_exists(const std::string& uuid, const std::string& owner = "key_a") {
    return tasks_.get(owner, uuid).ok();
  }

  FakeClock clock_;
  fs::path dir_;
  store::MemoryTaskStore tasks_;
  store::MemoryMediaIndex index_;
  LocalMediaStore media_;
};

TEST_F(RetentionTest, OldFinishedTasksGoWithTheirMediaOthersStay) {
  add("done");
  add("failed");
  add("cancelled");
  add("running");
  add("queued");
  add("expired", "key_b", 60);  // ttl: its file goes first, the task later
  ASSERT_TRUE(tasks_.cancel("key_a", "cancelled").ok());
  claim("done");  // claims alternate between key_a and key_b
  ASSERT_TRUE(tasks_.complete(held("done")).ok());
  claim("expired");
  ASSERT_TRUE(tasks_.complete(held("expired", "key_b")).ok());
  claim("failed");
  ASSERT_TRUE(tasks_.fail(held("failed"), "inferenceError", "no").ok());
  claim("running");
  clock_.advance_ms(kDay);
  EXPECT_EQ(media_.sweep_expired(), 1u);
  EXPECT_FALSE(file_exists("expired"));
  clock_.advance_ms(29 * kDay);
  add("recent", "key_b");
  claim("recent");  // key_b's turn: its latest claim is older than key_a's
  ASSERT_TRUE(tasks_.complete(held("recent", "key_b")).ok());

  auto removed = sweep_retention(tasks_, media_, clock_, 30 * kDay - 1, 500);
  ASSERT_TRUE(removed.ok()) << removed.error().message;
  EXPECT_EQ(*removed, 4u);
  for (const std::string gone : {"done", "failed", "cancelled"}) {
    EXPECT_FALSE(task_exists(gone)) << gone;
    EXPECT_FALSE(file_exists(gone)) << gone;
    EXPECT_EQ(media_.find("media-" + gone).error().code, "notFound") << gone;
    EXPECT_TRUE(index_.for_task("key_a", gone)->empty()) << gone;
  }
  EXPECT_FALSE(task_exists("expired", "key_b"));
  EXPECT_TRUE(task_exists("recent", "key_b"));
  EXPECT_TRUE(file_exists("recent"));
  for (const std::string kept : {"running", "queued"}) {
    EXPECT_TRUE(task_exists(kept)) << kept;
    EXPECT_TRUE(file_exists(kept)) << kept;
    EXPECT_TRUE(media_.find("media-" + kept).ok()) << kept;
  }
}

TEST_F(RetentionTest, PassesAreBoundedAndZeroDisables) {
  for (int i = 0; i < 5; ++i) {
    add("t" + std::to_string(i));
    claim("t" + std::to_string(i));
    ASSERT_TRUE(tasks_.complete(held("t" + std::to_string(i))).ok());
  }
  clock_.advance_ms(31 * kDay);
  EXPECT_EQ(*sweep_retention(tasks_, media_, clock_, 0, 500), 0u);  // off
  EXPECT_EQ(*sweep_retention(tasks_, media_, clock_, 30 * kDay, 2), 2u);
  EXPECT_EQ(*sweep_retention(tasks_, media_, clock_, 30 * kDay, 2), 2u);
  EXPECT_EQ(*sweep_retention(tasks_, media_, clock_, 30 * kDay, 2), 1u);
  EXPECT_EQ(*sweep_retention(tasks_, media_, clock_, 30 * kDay, 2), 0u);
  EXPECT_EQ(tasks_.count_by_status()->at(store::TaskStatus::Success), 0);
  std::size_t files = 0;
  for (const auto& entry : fs::directory_iterator(dir_)) files += entry.is_regular_file() ? 1 : 0;
  EXPECT_EQ(files, 0u);
}

}  // namespace
}  // namespace vidserve::delivery
