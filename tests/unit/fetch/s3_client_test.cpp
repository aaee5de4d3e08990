// S3Client and presigned URLs against a real S3 server: s3rver behind a SigV4 verifier
// (tests/s3/server.mjs, CTest fixture s3_server), and the AWS SDK for JavaScript
// (tests/s3/sdk.mjs) as the reference for presigned URLs and as an independent client.
// Every test works under its own key prefix, so the tests can run at the same time.
#include "fetch/s3_client.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "common/clock.hpp"
#include "common/error_codes.hpp"
#include "common/uuid.hpp"
#include "fetch/base64.hpp"
#include "fetch/error_codes.hpp"
#include "s3_test_support.hpp"

namespace vidserve::fetch {
namespace {

using vidserve::testing::run_sdk;
using vidserve::testing::s3_test_bucket;
using vidserve::testing::s3_test_credentials;

class S3ClientOnServer : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(vidserve::testing::s3_test_endpoint().empty())
        << "VIDSERVE_TEST_S3_URL_FILE: run through ctest (fixture s3_server)";
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove(file_, ec);
  }
  // A local file holding `bytes`, to upload.
  const std::filesystem::path& file(const std::string& bytes) {
    std::ofstream(file_, std::ios::binary) << bytes;
    return file_;
  }
  S3Client client(S3Credentials credentials = s3_test_credentials(), std::string bucket = "") {
    auto target = s3_test_bucket();
    if (!bucket.empty()) target.name = bucket;
    S3ClientOptions options;
    options.clock = &clock;  // back-off without waiting
    return S3Client(target, std::move(credentials), options);
  }
  static std::string range(const S3Client& s3, const std::string& key, std::uint64_t offset,
                           std::uint64_t length) {
    auto bytes = s3.get_range(key, offset, length);
    EXPECT_TRUE(bytes.ok()) << bytes.error().message;
    return bytes ? *bytes : "<error>";
  }
  std::string sdk_get(const std::string& key) {
    auto out = run_sdk({"get", s3_test_bucket().endpoint, "vidserve-test", key});
    EXPECT_TRUE(out.ok()) << out.error().message;
    return out ? decode_base64(*out).value() : "<error>";
  }

  FakeClock clock;
  std::string prefix = vidserve::testing::unique_s3_prefix();
  std::filesystem::path file_ =
      std::filesystem::temp_directory_path() / ("vidserve-s3-" + uuid::generate_v4());
};

TEST_F(S3ClientOnServer, PutGetHeadListRemove) {
  auto s3 = client();
  ASSERT_TRUE(s3.head_bucket().ok());
  const std::string bytes("\0\x01video\xff", 8);
  const std::string key = prefix + "/dir/a b+c~\xc3\xbc.mp4";
  auto put = s3.put_file(key, file(bytes), "video/mp4");
  ASSERT_TRUE(put.ok()) << put.error().message;
  EXPECT_EQ(s3.get(key, 1024).value(), bytes);
  EXPECT_EQ(sdk_get(key), bytes);  // what the AWS SDK reads back
  auto info = s3.head(key);
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_EQ(info->size, 8u);
  EXPECT_EQ(info->content_type, "video/mp4");
  EXPECT_FALSE(info->etag.empty());
  ASSERT_TRUE(s3.put_file(prefix + "/other.png", file("png"), "image/png").ok());
  auto listing = s3.list(prefix + "/", 100);
  ASSERT_TRUE(listing.ok()) << listing.error().message;
  EXPECT_EQ(listing->keys, (std::vector<std::string>{key, prefix + "/other.png"}));
  ASSERT_TRUE(s3.remove(key).ok());
  EXPECT_EQ(s3.get(key, 1024).error().code, vidserve::errc::kNotFound);
  EXPECT_EQ(s3.head(key).error().code, vidserve::errc::kNotFound);
  EXPECT_TRUE(s3.remove(key).ok());  // already gone
  EXPECT_EQ(run_sdk({"list", s3_test_bucket().endpoint, "vidserve-test", prefix + "/"}).value(),
            prefix + "/other.png");
}

TEST_F(S3ClientOnServer, ReadsRangesOfWhatTheSdkStored) {
  const std::string key = prefix + "/digits.bin";
  ASSERT_TRUE(run_sdk({"put", s3_test_bucket().endpoint, "vidserve-test", key,
                       encode_base64("0123456789"), "application/octet-stream"})
                  .ok());
  auto s3 = client();
  EXPECT_EQ(range(s3, key, 0, 1), "0");
  EXPECT_EQ(range(s3, key, 3, 4), "3456");
  EXPECT_EQ(range(s3, key, 9, 1), "9");
  EXPECT_EQ(range(s3, key, 0, 10), "0123456789");
  EXPECT_FALSE(s3.get_range(key, 10, 1).ok());
  EXPECT_EQ(s3.get(key, 9).error().code, errc::kInputTooLarge);
}

TEST_F(S3ClientOnServer, ListsAcrossPages) {
  S3ClientOptions options;
  options.list_page_keys = 2;
  S3Client s3(s3_test_bucket(), s3_test_credentials(), options);
  std::vector<std::string> keys;
  for (int i = 0; i < 5; ++i) {
    keys.push_back(prefix + "/k" + std::to_string(i));
    ASSERT_TRUE(s3.put_file(keys.back(), file("x"), "text/plain").ok());
  }
  auto all = s3.list(prefix + "/", 100);
  ASSERT_TRUE(all.ok()) << all.error().message;
  EXPECT_EQ(all->keys, keys);
  EXPECT_FALSE(all->truncated);
  auto first = s3.list(prefix + "/", 3);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->keys, std::vector<std::string>(keys.begin(), keys.begin() + 3));
  EXPECT_TRUE(first->truncated);
}

TEST_F(S3ClientOnServer, AWrongSecretIsRefusedWithAClearError) {
  auto s3 = client(S3Credentials{"S3RVER", "not-the-secret", ""});
  auto status = s3.head_bucket();
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, errc::kObjectStoreDenied);
  auto put = s3.put_file(prefix + "/k", file("x"), "text/plain");
  ASSERT_FALSE(put.ok());
  EXPECT_EQ(put.error().code, errc::kObjectStoreDenied);
  EXPECT_NE(put.error().message.find("SignatureDoesNotMatch"), std::string::npos)
      << put.error().message;
  EXPECT_NE(put.error().message.find("AWS_SECRET_ACCESS_KEY"), std::string::npos);
  EXPECT_EQ(put.error().message.find("not-the-secret"), std::string::npos);
  EXPECT_EQ(client().get(prefix + "/k", 10).error().code, vidserve::errc::kNotFound);
}

TEST_F(S3ClientOnServer, AnUnknownAccessKeyIsRefused) {
  auto get = client(S3Credentials{"NOBODY", "S3RVER", ""}).get(prefix + "/k", 10);
  ASSERT_FALSE(get.ok());
  EXPECT_EQ(get.error().code, errc::kObjectStoreDenied);
}

TEST_F(S3ClientOnServer, AMissingBucketIsNamed) {
  auto status = client(s3_test_credentials(), "no-such-bucket").head_bucket();
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, errc::kNoSuchBucket);
  EXPECT_NE(status.error().message.find("'no-such-bucket' does not exist"), std::string::npos)
      << status.error().message;
  auto put = client(s3_test_credentials(), "no-such-bucket").put_file("k", file("x"), "text/plain");
  ASSERT_FALSE(put.ok());
  EXPECT_EQ(put.error().code, errc::kNoSuchBucket);
}

TEST_F(S3ClientOnServer, RetriesWhatTheServerFailsABoundedNumberOfTimes) {
  auto s3 = client();
  vidserve::testing::inject_s3_faults(prefix + "/flaky", 503, 2);
  ASSERT_TRUE(s3.put_file(prefix + "/flaky", file("kept"), "text/plain").ok());
  vidserve::testing::inject_s3_faults(prefix + "/silent", 0, 1);
  ASSERT_TRUE(s3.put_file(prefix + "/silent", file("kept too"), "text/plain").ok());
  EXPECT_EQ(s3.get(prefix + "/flaky", 100).value(), "kept");
  EXPECT_EQ(s3.get(prefix + "/silent", 100).value(), "kept too");
  vidserve::testing::inject_s3_faults(prefix + "/down", 500, 4);
  auto down = s3.put_file(prefix + "/down", file("lost"), "text/plain");
  ASSERT_FALSE(down.ok());
  EXPECT_EQ(down.error().code, errc::kObjectStoreUnavailable);
  EXPECT_EQ(s3.get(prefix + "/down", 100).error().code, vidserve::errc::kNotFound);
}

// The presigned URL of the SDK for the same inputs.
std::string sdk_presign(const S3Bucket& bucket, const S3Credentials& credentials,
                        const std::string& key, std::int64_t expires_s, std::int64_t now_ms) {
  std::vector<std::string> args = {"presign",
                                   bucket.endpoint,
                                   bucket.region,
                                   bucket.name,
                                   key,
                                   std::to_string(expires_s),
                                   std::to_string(now_ms),
                                   credentials.access_key_id,
                                   credentials.secret_access_key};
  if (!credentials.session_token.empty()) args.push_back(credentials.session_token);
  auto url = run_sdk(args);
  EXPECT_TRUE(url.ok()) << url.error().message;
  return url ? *url : "<error>";
}

TEST(S3Presign, IsTheUrlTheAwsSdkPresigns) {
  const S3Credentials plain{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""};
  const S3Credentials temporary{"ASIAEXAMPLE", "secret/with+chars=", "IQoJb3JpZ2luX2VjE/tok+en=="};
  const struct {
    S3Bucket bucket;
    const S3Credentials* credentials;
    std::string key;
    std::int64_t expires_s;
    std::int64_t now_ms;
  } cases[] = {
      {{"http://127.0.0.1:9000", "us-east-1", "media"},
       &plain,
       "a1b2.mp4",
       3600,
       1'700'000'000'000},
      {{"http://127.0.0.1:9000", "us-east-1", "media"},
       &plain,
       "prefix/deep/m-1_x.png",
       1,
       1'700'000'000'999},
      {{"https://s3.eu-west-3.amazonaws.com", "eu-west-3", "my.bucket-1"},
       &plain,
       "odd/ key+with=&?#%~!'()*\xc3\xbc.bin",
       604800,
       1'767'225'599'000},
      {{"http://localhost:4568", "ap-southeast-2", "media"},
       &temporary,
       "vid/x.mp4",
       900,
       1'750'000'000'000},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(s3_presign_get(c.bucket, *c.credentials, c.key, c.expires_s, c.now_ms),
              sdk_presign(c.bucket, *c.credentials, c.key, c.expires_s, c.now_ms))
        << c.key;
  }
}

TEST_F(S3ClientOnServer, APresignedUrlDownloadsTheObjectUntilItExpires) {
  auto s3 = client();
  const std::string key = prefix + "/served bytes.mp4";
  ASSERT_TRUE(s3.put_file(key, file("served bytes"), "video/mp4").ok());
  const auto now = SystemClock::instance().now_ms();
  const auto url = s3.presign_get(key, 300, now);
  EXPECT_EQ(url.find("S3RVER%2F"), url.find("X-Amz-Credential=") + 17);
  EXPECT_EQ(run_sdk({"fetch", url}).value(), "200 " + encode_base64("served bytes"));
  // Signed for another key, or expired: refused.
  auto other = url;
  other.replace(other.find("served%20bytes"), 6, "sorved");
  EXPECT_EQ(run_sdk({"fetch", other}).value().substr(0, 4), "403 ");
  const auto expired = s3.presign_get(key, 60, now - 3'600'000);
  EXPECT_EQ(run_sdk({"fetch", expired}).value().substr(0, 4), "403 ");
}

}  // namespace
}  // namespace vidserve::fetch
