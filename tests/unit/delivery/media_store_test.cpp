// MediaStore failures: the error a client may see (a task's error) names the operation and the
// cause, never a path of the server's disk; a full disk is "storageFull".
#include "delivery/media_store.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "common/io_error.hpp"
#include "common/uuid.hpp"
#include "store/memory_media_index.hpp"

namespace vidserve::delivery {
namespace {

namespace fs = std::filesystem;

TEST(MediaStoreErrors, WriteFailuresNameNoPath) {
  FakeClock clock;
  store::MemoryMediaIndex index(clock);
  const fs::path dir = fs::temp_directory_path() / ("vidserve-media-" + uuid::generate_v4());
  MediaStore media(dir, index, clock);
  fs::remove_all(dir);  // every write now fails (ENOENT)
  auto saved = media.save("key_a", "t1", "m1", "bytes", "video/mp4", std::nullopt);
  ASSERT_FALSE(saved.ok());
  EXPECT_EQ(saved.error().code, io_errc::kStorage);
  for (const std::string& leak :
       std::vector<std::string>{dir.string(), ".tmp-", "vidserve-media-", "/"}) {
    EXPECT_EQ(saved.error().message.find(leak), std::string::npos) << saved.error().message;
  }
  auto adopted = media.adopt("key_a", "t1", "m2", "video/mp4", std::nullopt);
  ASSERT_FALSE(adopted.ok());
  EXPECT_EQ(adopted.error().message.find(dir.string()), std::string::npos)
      << adopted.error().message;
}

TEST(MediaStoreErrors, AFullDiskHasItsOwnCode) {
  EXPECT_EQ(io_error(ENOSPC, "cannot write a media file").code, io_errc::kStorageFull);
  EXPECT_EQ(io_error(EDQUOT, "cannot write a media file").code, io_errc::kStorageFull);
  EXPECT_EQ(io_error(EIO, "cannot write a media file").code, io_errc::kStorage);
  EXPECT_NE(io_error(ENOSPC, "cannot write").message.find("No space left on device"),
            std::string::npos);
}

TEST(MediaStoreErrors, RemovingATasksMediaDeletesFilesAndRows) {
  FakeClock clock;
  store::MemoryMediaIndex index(clock);
  const fs::path dir = fs::temp_directory_path() / ("vidserve-media-" + uuid::generate_v4());
  MediaStore media(dir, index, clock);
  ASSERT_TRUE(media.save("key_a", "t1", "m1", "one", "video/mp4", std::nullopt).ok());
  ASSERT_TRUE(media.save("key_a", "t1", "m2", "two", "image/png", std::nullopt).ok());
  ASSERT_TRUE(media.save("key_a", "t2", "m3", "three", "video/mp4", std::nullopt).ok());
  ASSERT_TRUE(media.save("key_b", "t1", "m4", "other key", "video/mp4", std::nullopt).ok());
  auto removed = media.remove_task_media("key_a", "t1");
  ASSERT_TRUE(removed.ok());
  EXPECT_EQ(*removed, 2u);
  EXPECT_FALSE(fs::exists(media.path_for("m1", "video/mp4")));
  EXPECT_FALSE(fs::exists(media.path_for("m2", "image/png")));
  EXPECT_FALSE(media.find("m1").ok());
  EXPECT_TRUE(media.find("m3").ok());
  EXPECT_TRUE(media.find("m4").ok());
  EXPECT_EQ(*media.remove_task_media("key_a", "t1"), 0u);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace vidserve::delivery
