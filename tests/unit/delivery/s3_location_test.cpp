// parse_s3_url: the s3:// media URL an operator gives (--media), read strictly.
#include "delivery/s3_location.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "delivery/media_store.hpp"

namespace vidserve::delivery {
namespace {

S3Location parsed(const std::string& url) {
  auto location = parse_s3_url(url);
  EXPECT_TRUE(location.ok()) << url << ": " << location.error().message;
  return location ? *location : S3Location{};
}

TEST(S3Location, ReadsBucketPrefixEndpointAndRegion) {
  const auto l =
      parsed("s3://media-bucket/vidserve/prod?endpoint=http://127.0.0.1:9000&region=eu-west-3");
  EXPECT_EQ(l.bucket.name, "media-bucket");
  EXPECT_EQ(l.prefix, "vidserve/prod");
  EXPECT_EQ(l.bucket.endpoint, "http://127.0.0.1:9000");
  EXPECT_EQ(l.bucket.region, "eu-west-3");
  EXPECT_EQ(l.describe(), "s3://media-bucket/vidserve/prod at http://127.0.0.1:9000");
}

TEST(S3Location, HasDefaults) {
  const auto aws = parsed("s3://my.bucket");
  EXPECT_EQ(aws.prefix, "");
  EXPECT_EQ(aws.bucket.region, "us-east-1");
  EXPECT_EQ(aws.bucket.endpoint, "https://s3.us-east-1.amazonaws.com");
  EXPECT_EQ(parsed("s3://bkt?region=ap-south-1").bucket.endpoint,
            "https://s3.ap-south-1.amazonaws.com");
  EXPECT_EQ(parsed("s3://bkt/?endpoint=http://minio:9000").bucket.region, "us-east-1");
  EXPECT_EQ(parsed("s3://bkt/a/b/").prefix, "a/b");
}

TEST(S3Location, NormalisesTheEndpoint) {
  EXPECT_EQ(parsed("s3://bkt?endpoint=http%3A%2F%2F127.0.0.1%3A9000").bucket.endpoint,
            "http://127.0.0.1:9000");
  EXPECT_EQ(parsed("s3://bkt?endpoint=http://minio:80/").bucket.endpoint, "http://minio");
  EXPECT_EQ(parsed("s3://bkt?endpoint=https://minio:443").bucket.endpoint, "https://minio");
  EXPECT_EQ(parsed("s3://bkt?endpoint=https://minio:80").bucket.endpoint, "https://minio:80");
  EXPECT_EQ(parsed("s3://bkt?endpoint=http://[::1]:9000").bucket.endpoint, "http://[::1]:9000");
  EXPECT_EQ(parsed("s3://bkt?endpoint=http://[::1]").bucket.endpoint, "http://[::1]");
}

TEST(S3Location, RefusesWhatItCannotUse) {
  for (const std::string& url :
       std::vector<std::string>{"",
                                "http://bkt",
                                "s3://",
                                "s3://ab",
                                "s3://Upper",
                                "s3://-bkt",
                                "s3://bkt-",
                                "s3://bk_t",
                                "s3://" + std::string(70, 'a'),
                                "s3://bkt//double",
                                "s3://bkt/a/../b",
                                "s3://bkt/./a",
                                "s3://bkt/sp ace",
                                "s3://bkt/a#frag",
                                "s3://key:secret@bkt",
                                "s3://bkt?endpoint=ftp://host",
                                "s3://bkt?endpoint=http://",
                                "s3://bkt?endpoint=http://user:pw@host:9000",
                                "s3://bkt?endpoint=http://host:9000/path",
                                "s3://bkt?endpoint=http://host:0",
                                "s3://bkt?endpoint=http://host:65536",
                                "s3://bkt?endpoint=http://host:x",
                                "s3://bkt?endpoint=http://[::1",
                                "s3://bkt?endpoint=http%3",
                                "s3://bkt?region=US_EAST",
                                "s3://bkt?region=",
                                "s3://bkt?unknown=1",
                                "s3://bkt?region=a&region=b",
                                "s3://bkt?accessKey=AKID"}) {
    auto location = parse_s3_url(url);
    ASSERT_FALSE(location.ok()) << url;
    EXPECT_EQ(location.error().code, errc::kInvalidS3Url) << url;
  }
  const auto with_secret = parse_s3_url("s3://AKID:hunter2@bkt");
  EXPECT_NE(with_secret.error().message.find("AWS_ACCESS_KEY_ID"), std::string::npos);
  EXPECT_EQ(with_secret.error().message.find("hunter2"), std::string::npos);
}

}  // namespace
}  // namespace vidserve::delivery
