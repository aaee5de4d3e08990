// S3MediaStore beyond the MediaStore contract, on the S3 test server (fixture s3_server): what
// open() refuses, presigned locations, failures of the store (nothing indexed without its object,
// no row deleted before its object), and the AWS SDK for JavaScript reading the bucket
// independently: the same bytes, and exactly the expected keys (no orphan objects).
#include "delivery/s3_media_store.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/clock.hpp"
#include "common/error_codes.hpp"
#include "common/io_error.hpp"
#include "common/uuid.hpp"
#include "fetch/base64.hpp"
#include "fetch/error_codes.hpp"
#include "s3_test_support.hpp"
#include "store/memory_media_index.hpp"
#include "store/task_store.hpp"

namespace vidserve::delivery {
namespace {

namespace fs = std::filesystem;
using vidserve::testing::inject_s3_faults;
using vidserve::testing::run_sdk;
using vidserve::testing::s3_test_bucket;
using vidserve::testing::s3_test_credentials;

class S3MediaStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(vidserve::testing::s3_test_endpoint().empty())
        << "VIDSERVE_TEST_S3_URL_FILE: run through ctest (fixture s3_server)";
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(scratch, ec);
  }
  Result<std::unique_ptr<S3MediaStore>> open(const Clock& on, S3Location where,
                                             std::optional<fetch::S3Credentials> credentials) {
    S3MediaOptions options;
    options.credentials = std::move(credentials);
    return S3MediaStore::open(where, index, scratch, on, options);
  }
  std::unique_ptr<S3MediaStore> open(const Clock& on) {
    auto store = open(on, location, s3_test_credentials());
    EXPECT_TRUE(store.ok()) << store.error().message;
    return store ? std::move(store).value() : nullptr;
  }
  store::MediaRecord commit(MediaStore& media, const std::string& uuid, const std::string& bytes,
                            const std::string& task = "t1", std::optional<std::int64_t> ttl = {},
                            const std::string& type = "video/mp4") {
    auto staged = media.stage(uuid, type);
    EXPECT_TRUE(staged.ok());
    std::ofstream(staged->path, std::ios::binary) << bytes;
    auto record = media.commit(*staged, "key_a", task, ttl);
    EXPECT_TRUE(record.ok()) << record.error().message;
    return record ? *record : store::MediaRecord{};
  }
  // The keys under the test's prefix, as the AWS SDK lists them.
  std::string sdk_keys() {
    auto keys = run_sdk({"list", location.bucket.endpoint, "vidserve-test", location.prefix + "/"});
    EXPECT_TRUE(keys.ok()) << keys.error().message;
    return keys ? *keys : "<error>";
  }
  std::string sdk_get(const std::string& key) {
    auto out = run_sdk({"get", location.bucket.endpoint, "vidserve-test", key});
    EXPECT_TRUE(out.ok()) << out.error().message;
    return out ? fetch::decode_base64(*out).value() : "<error>";
  }
  std::string key(const std::string& name) { return location.prefix + "/" + name; }

  FakeClock clock;
  store::MemoryMediaIndex index{clock};
  S3Location location{s3_test_bucket(), "store/" + vidserve::testing::unique_s3_prefix()};
  fs::path scratch = fs::temp_directory_path() / ("vidserve-s3-scratch-" + uuid::generate_v4());
};

TEST_F(S3MediaStoreTest, OpenRefusesAStoreItCannotUse) {
  auto denied = open(clock, location, fetch::S3Credentials{"S3RVER", "wrong", ""});
  ASSERT_FALSE(denied.ok());
  EXPECT_EQ(denied.error().code, fetch::errc::kObjectStoreDenied);
  EXPECT_NE(denied.error().message.find(location.describe()), std::string::npos)
      << denied.error().message;
  EXPECT_NE(denied.error().message.find("AWS_SECRET_ACCESS_KEY"), std::string::npos);

  auto elsewhere = location;
  elsewhere.bucket.name = "missing-bucket";
  auto missing = open(clock, elsewhere, s3_test_credentials());
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, fetch::errc::kNoSuchBucket);
  EXPECT_NE(missing.error().message.find("'missing-bucket' does not exist"), std::string::npos);

  elsewhere = location;
  elsewhere.bucket.endpoint = "http://127.0.0.1:1";
  auto unreachable = open(clock, elsewhere, s3_test_credentials());
  ASSERT_FALSE(unreachable.ok());
  EXPECT_EQ(unreachable.error().code, fetch::errc::kObjectStoreUnavailable);
}

TEST_F(S3MediaStoreTest, CredentialsComeFromTheEnvironment) {
  ::unsetenv("AWS_ACCESS_KEY_ID");
  ::unsetenv("AWS_SECRET_ACCESS_KEY");
  ::unsetenv("AWS_SESSION_TOKEN");
  auto none = open(clock, location, std::nullopt);
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().code, fetch::errc::kMissingS3Credentials);
  ::setenv("AWS_ACCESS_KEY_ID", "S3RVER", 1);
  ::setenv("AWS_SECRET_ACCESS_KEY", "S3RVER", 1);
  ::setenv("AWS_SESSION_TOKEN", "a-session-token", 1);  // sent and signed; s3rver ignores it
  auto from_env = open(clock, location, std::nullopt);
  ASSERT_TRUE(from_env.ok()) << from_env.error().message;
  const auto record = commit(**from_env, "m1", "bytes");
  EXPECT_EQ((*from_env)->read("m1").value(), "bytes");
  const auto url = std::get<RemoteUrl>((*from_env)->locate(record).value()).url;
  EXPECT_NE(url.find("X-Amz-Security-Token=a-session-token"), std::string::npos) << url;
  ::unsetenv("AWS_ACCESS_KEY_ID");
  ::unsetenv("AWS_SECRET_ACCESS_KEY");
  ::unsetenv("AWS_SESSION_TOKEN");
}

TEST_F(S3MediaStoreTest, TheAwsSdkSeesTheSameBytesAndNoOrphans) {
  auto media = open(clock);
  const std::string video("\0\x01video\xff", 8);
  commit(*media, "v1", video, "t1");
  commit(*media, "v2", "second", "t1", 60);
  commit(*media, "v3", "other task", "t2", 60);
  auto upload = media->save("key_a", "t3", "u1", "png bytes", "image/png", 3600);  // imageUpload
  ASSERT_TRUE(upload.ok()) << upload.error().message;
  EXPECT_EQ(upload->path, key("u1.png"));
  EXPECT_EQ(sdk_get(key("v1.mp4")), video);
  EXPECT_EQ(sdk_get(key("u1.png")), "png bytes");
  EXPECT_EQ(sdk_keys(),
            key("u1.png") + "\n" + key("v1.mp4") + "\n" + key("v2.mp4") + "\n" + key("v3.mp4"));

  ASSERT_EQ(media->remove_task_media("key_a", "t1").value(), 2u);
  EXPECT_EQ(sdk_keys(), key("u1.png") + "\n" + key("v3.mp4"));
  clock.advance_ms(60'000);
  EXPECT_EQ(media->sweep_expired(), 1u);
  EXPECT_EQ(sdk_keys(), key("u1.png"));
  clock.advance_ms(3'600'000);
  EXPECT_EQ(media->sweep_expired(), 1u);
  EXPECT_EQ(sdk_keys(), "");
  EXPECT_TRUE(fs::is_empty(scratch));
}

TEST_F(S3MediaStoreTest, AReplacedMediaOfAnotherTypeLeavesNoObjectBehind) {
  auto media = open(clock);
  commit(*media, "m1", "as a video");
  commit(*media, "m1", "as an image", "t1", std::nullopt, "image/png");
  EXPECT_EQ(sdk_keys(), key("m1.png"));
  EXPECT_EQ(media->read("m1").value(), "as an image");
}

TEST_F(S3MediaStoreTest, LocateAnswersAPresignedUrlThatDownloadsTheMedia) {
  auto media = open(SystemClock::instance());
  const auto record = commit(*media, "m1", "served bytes", "t1", 120);
  auto location_of = media->locate(record);
  ASSERT_TRUE(location_of.ok());
  const auto url = std::get<RemoteUrl>(*location_of).url;
  EXPECT_EQ(url.rfind(location.bucket.endpoint + "/vidserve-test/" + key("m1.mp4") + "?", 0), 0u)
      << url;
  EXPECT_NE(url.find("X-Amz-Expires=120&"), std::string::npos) << url;  // the media's own life
  EXPECT_EQ(run_sdk({"fetch", url}).value(), "200 " + fetch::encode_base64("served bytes"));
  // The Range a client sends to the media route goes along with the redirect.
  EXPECT_EQ(run_sdk({"fetch", url, "bytes=3-6"}).value(), "206 " + fetch::encode_base64("ved "));
  const auto forever = commit(*media, "m2", "kept");
  const auto capped = std::get<RemoteUrl>(media->locate(forever).value()).url;
  EXPECT_NE(capped.find("X-Amz-Expires=3600&"), std::string::npos) << capped;
}

TEST_F(S3MediaStoreTest, AUrlNeverOutlivesItsMedia) {
  auto media = open(clock);
  const auto record = commit(*media, "m1", "bytes", "t1", 60);
  clock.advance_ms(49'500);
  const auto url = std::get<RemoteUrl>(media->locate(record).value()).url;
  EXPECT_NE(url.find("X-Amz-Expires=11&"), std::string::npos) << url;  // 10.5 s, rounded up
}

TEST_F(S3MediaStoreTest, AFailedUploadIndexesNothing) {
  auto media = open(clock);
  inject_s3_faults(key("m1"), 500, 4);
  auto staged = media->stage("m1", "video/mp4");
  std::ofstream(staged->path, std::ios::binary) << "lost";
  auto record = media->commit(*staged, "key_a", "t1", std::nullopt);
  ASSERT_FALSE(record.ok());
  EXPECT_EQ(record.error().code, io_errc::kStorage);
  EXPECT_EQ(record.error().message.find(location.prefix), std::string::npos)
      << record.error().message;  // no key, no endpoint: it can reach a client
  EXPECT_EQ(record.error().message.find("127.0.0.1"), std::string::npos);
  EXPECT_EQ(media->find("m1").error().code, store::errc::kNotFound);
  EXPECT_FALSE(fs::exists(staged->path));
  EXPECT_EQ(sdk_keys(), "");
}

TEST_F(S3MediaStoreTest, AFailedDeleteKeepsTheIndexRow) {
  auto media = open(clock);
  commit(*media, "m1", "one", "t1");
  commit(*media, "m2", "two", "t2", 10);
  inject_s3_faults(key("m1"), 503, 4);
  auto removed = media->remove_task_media("key_a", "t1");
  ASSERT_FALSE(removed.ok());
  EXPECT_EQ(removed.error().code, io_errc::kStorage);
  EXPECT_EQ(media->read("m1").value(), "one");  // row and object both kept
  EXPECT_EQ(media->remove_task_media("key_a", "t1").value(), 1u);

  clock.advance_ms(10'000);
  inject_s3_faults(key("m2"), 503, 4);
  EXPECT_EQ(media->sweep_expired(), 0u);
  EXPECT_EQ(index.expired(clock.now_ms(), 10).value().size(), 1u);
  EXPECT_EQ(sdk_keys(), key("m2.mp4"));
  EXPECT_EQ(media->sweep_expired(), 1u);
  EXPECT_EQ(sdk_keys(), "");
}

TEST_F(S3MediaStoreTest, AnObjectDeletedBehindTheStoresBackReadsAsAStorageError) {
  auto media = open(clock);
  commit(*media, "m1", "bytes");
  ASSERT_TRUE(fetch::S3Client(location.bucket, s3_test_credentials()).remove(key("m1.mp4")).ok());
  auto bytes = media->read("m1");
  ASSERT_FALSE(bytes.ok());
  EXPECT_EQ(bytes.error().code, io_errc::kStorage);
  EXPECT_EQ(media->read("m1", ByteRange{0, 2}).error().code, io_errc::kStorage);
}

}  // namespace
}  // namespace vidserve::delivery
