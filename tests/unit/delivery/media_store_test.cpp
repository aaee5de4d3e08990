// LocalMediaStore beyond the MediaStore contract: where its files are, what it refuses to touch,
// and its failures: the error a client may see (a task's error) names the operation and the
// cause, never a path of the server's disk; a full disk is "storageFull".
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "common/io_error.hpp"
#include "common/uuid.hpp"
#include "delivery/local_media_store.hpp"
#include "store/memory_media_index.hpp"

namespace vidserve::delivery {
namespace {

namespace fs = std::filesystem;

class LocalMediaStoreTest : public testing::Test {
 protected:
  ~LocalMediaStoreTest() override {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }

  FakeClock clock_;
  store::MemoryMediaIndex index_{clock_};
  const fs::path dir_ = fs::temp_directory_path() / ("vidserve-media-" + uuid::generate_v4());
  LocalMediaStore media_{dir_, index_, clock_};
};

TEST_F(LocalMediaStoreTest, WriteFailuresNameNoPath) {
  auto staged = media_.stage("m2", "video/mp4");
  ASSERT_TRUE(staged.ok());
  std::ofstream(staged->path) << "rendered";
  fs::remove_all(dir_);  // every write now fails (ENOENT)
  auto saved = media_.save("key_a", "t1", "m1", "bytes", "video/mp4", std::nullopt);
  ASSERT_FALSE(saved.ok());
  EXPECT_EQ(saved.error().code, io_errc::kStorage);
  for (const std::string& leak :
       std::vector<std::string>{dir_.string(), ".tmp-", "vidserve-media-", "/"}) {
    EXPECT_EQ(saved.error().message.find(leak), std::string::npos) << saved.error().message;
  }
  auto committed = media_.commit(*staged, "key_a", "t1", std::nullopt);
  ASSERT_FALSE(committed.ok());
  EXPECT_EQ(committed.error().message.find(dir_.string()), std::string::npos)
      << committed.error().message;
}

TEST(LocalMediaStoreErrors, AFullDiskHasItsOwnCode) {
  EXPECT_EQ(io_error(ENOSPC, "cannot write a media file").code, io_errc::kStorageFull);
  EXPECT_EQ(io_error(EDQUOT, "cannot write a media file").code, io_errc::kStorageFull);
  EXPECT_EQ(io_error(EIO, "cannot write a media file").code, io_errc::kStorage);
  EXPECT_NE(io_error(ENOSPC, "cannot write").message.find("No space left on device"),
            std::string::npos);
}

// Scratch files are hidden files of the media directory, named with the media's extension (a
// muxer may choose the container from it); media are <dir>/<uuid>.<ext>, served from there.
TEST_F(LocalMediaStoreTest, FilesLiveInTheDirectory) {
  auto staged = media_.stage("m1", "video/webm");
  ASSERT_TRUE(staged.ok());
  EXPECT_EQ(staged->path.parent_path(), dir_);
  EXPECT_EQ(staged->path.filename().string().rfind(".tmp-", 0), 0u);
  EXPECT_EQ(staged->path.extension(), ".webm");
  std::ofstream(staged->path) << "webm bytes";
  auto record = media_.commit(*staged, "key_a", "t1", std::nullopt);
  ASSERT_TRUE(record.ok()) << record.error().message;
  EXPECT_EQ(record->path, (dir_ / "m1.webm").string());
  auto location = media_.locate(*record);
  ASSERT_TRUE(location.ok());
  EXPECT_EQ(std::get<LocalFile>(*location).path, dir_ / "m1.webm");
}

// A StagedMedia is a plain value: one that names a file this store did not hand out is neither
// committed (moved into the media directory) nor discarded (deleted).
TEST_F(LocalMediaStoreTest, FilesItDidNotStageAreLeftAlone) {
  const fs::path outside =
      fs::temp_directory_path() / ("vidserve-outside-" + uuid::generate_v4() + ".mp4");
  std::ofstream(outside) << "not the store's";
  const fs::path plain = dir_ / "m9.mp4";
  std::ofstream(plain) << "a committed-looking file";
  for (const auto& path : {outside, plain}) {
    const StagedMedia foreign{"m1", "video/mp4", path};
    EXPECT_FALSE(media_.commit(foreign, "key_a", "t1", std::nullopt).ok());
    media_.discard(foreign);
    EXPECT_TRUE(fs::exists(path));
  }
  EXPECT_FALSE(media_.find("m1").ok());
  fs::remove(outside);
}

}  // namespace
}  // namespace vidserve::delivery
