// S3Client against LoopbackServer: what goes on the wire (path-style URLs, encoding, the signed
// headers, no secret), how answers are read (ranges, listings over several pages, errors) and
// how failures are retried (bounded, paced on a FakeClock, so no test waits for a back-off).
// The same client against a real S3 server (s3rver): s3_client_test.cpp.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>

#include "common/clock.hpp"
#include "common/error_codes.hpp"
#include "common/uuid.hpp"
#include "fetch/error_codes.hpp"
#include "fetch/s3_client.hpp"
#include "loopback_server.hpp"

namespace vidserve::fetch {
namespace {

using namespace std::chrono_literals;
using testing::Connection;
using testing::http_response;
using testing::LoopbackServer;
using testing::RecordedRequest;

constexpr const char* kSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

struct TempFile {
  std::filesystem::path path =
      std::filesystem::temp_directory_path() / ("vidserve-s3-wire-" + uuid::generate_v4());
  explicit TempFile(const std::string& bytes) { std::ofstream(path, std::ios::binary) << bytes; }
  ~TempFile() {
    std::error_code ec;
    std::filesystem::remove(path, ec);
  }
};

class S3ClientWire : public ::testing::Test {
 protected:
  S3Client client(const LoopbackServer& server, std::string token = "") {
    S3ClientOptions options;
    options.clock = &clock;
    options.request_timeout = 5s;
    options.transfer_timeout = 5s;
    options.connect_timeout = 2s;
    options.list_page_keys = 2;
    return S3Client(S3Bucket{server.url(""), "eu-west-3", "media"},
                    S3Credentials{"AKIDEXAMPLE", kSecret, std::move(token)}, options);
  }
  FakeClock clock;
};

TEST_F(S3ClientWire, PutsPathStyleSignedWithTheRegionAndNoSecret) {
  LoopbackServer server(
      [](const RecordedRequest&, Connection& c) { c.send(http_response(200, "")); });
  TempFile file(std::string("video\0bytes", 11));
  auto put = client(server, "session/token=").put_file("out/a b+c.mp4", file.path, "video/mp4");
  ASSERT_TRUE(put.ok()) << put.error().message;
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  const auto& r = requests[0];
  EXPECT_EQ(r.method, "PUT");
  EXPECT_EQ(r.target, "/media/out/a%20b%2Bc.mp4");
  EXPECT_EQ(r.body, std::string("video\0bytes", 11));
  EXPECT_EQ(r.header("Content-Type"), "video/mp4");
  EXPECT_EQ(r.header("Content-Length"), "11");
  EXPECT_EQ(r.header("x-amz-content-sha256"), "UNSIGNED-PAYLOAD");
  EXPECT_EQ(r.header("x-amz-security-token"), "session/token=");
  const auto auth = r.header("Authorization").value_or("");
  EXPECT_EQ(auth.rfind("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/", 0), 0u) << auth;
  EXPECT_NE(auth.find("/eu-west-3/s3/aws4_request"), std::string::npos) << auth;
  EXPECT_NE(auth.find("SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date;"
                      "x-amz-security-token,"),
            std::string::npos)
      << auth;
  for (const auto& [name, value] : r.headers) {
    EXPECT_EQ(value.find(kSecret), std::string::npos) << name;
    EXPECT_EQ(value.find("wJalrXUtnFEMI"), std::string::npos) << name;
  }
}

TEST_F(S3ClientWire, ReadsARangeAndAcceptsAWholeAnswerOnlyFromZero) {
  LoopbackServer server([](const RecordedRequest& r, Connection& c) {
    if (r.header("Range") == "bytes=3-6") {
      c.send(http_response(206, "3456", "Content-Range: bytes 3-6/10\r\n"));
    } else if (r.header("Range") == "bytes=5-5") {  // more than asked for
      c.send(http_response(206, "56789", "Content-Range: bytes 5-9/10\r\n"));
    } else if (r.header("Range") == "bytes=7-7") {  // not where it was asked for
      c.send(http_response(206, "0", "Content-Range: bytes 0-0/10\r\n"));
    } else {
      c.send(http_response(200, "0123"));  // a server that ignores Range
    }
  });
  auto s3 = client(server);
  EXPECT_EQ(s3.get_range("k", 3, 4).value(), "3456");
  EXPECT_EQ(s3.get_range("k", 0, 4).value(), "0123");
  EXPECT_EQ(s3.get_range("k", 5, 1).value(), "5");
  EXPECT_EQ(s3.get_range("k", 7, 1).error().code, errc::kObjectStoreFailed);
  auto ignored = s3.get_range("k", 1, 4);
  ASSERT_FALSE(ignored.ok());
  EXPECT_EQ(ignored.error().code, errc::kObjectStoreFailed);
  EXPECT_EQ(server.requests()[0].header("Range"), "bytes=3-6");
}

TEST_F(S3ClientWire, GetStopsAtTheLimit) {
  LoopbackServer server([](const RecordedRequest&, Connection& c) {
    c.send(http_response(200, std::string(100, 'x')));
  });
  auto s3 = client(server);
  EXPECT_EQ(s3.get("k", 100).value().size(), 100u);
  auto over = s3.get("k", 99);
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.error().code, errc::kInputTooLarge);
}

TEST_F(S3ClientWire, ListsEveryPageInOrder) {
  LoopbackServer server([](const RecordedRequest& r, Connection& c) {
    const bool second = r.target.find("continuation-token=next%2Bpage") != std::string::npos;
    c.send(http_response(
        200, second ? "<ListBucketResult><IsTruncated>false</IsTruncated><Contents><Key>p/c</Key>"
                      "</Contents></ListBucketResult>"
                    : "<ListBucketResult><IsTruncated>true</IsTruncated><Contents><Key>p/a</Key>"
                      "</Contents><Contents><Key>p/b</Key></Contents><NextContinuationToken>"
                      "next+page</NextContinuationToken></ListBucketResult>"));
  });
  auto s3 = client(server);
  auto listing = s3.list("p/", 10);
  ASSERT_TRUE(listing.ok()) << listing.error().message;
  EXPECT_EQ(listing->keys, (std::vector<std::string>{"p/a", "p/b", "p/c"}));
  EXPECT_FALSE(listing->truncated);
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  // Parameters sorted by name and encoded, as libcurl signs the query as it is written.
  EXPECT_EQ(requests[0].target, "/media?list-type=2&max-keys=2&prefix=p%2F");
  EXPECT_EQ(requests[1].target,
            "/media?continuation-token=next%2Bpage&list-type=2&max-keys=2&prefix=p%2F");
  auto bounded = s3.list("p/", 2);
  ASSERT_TRUE(bounded.ok());
  EXPECT_EQ(bounded->keys.size(), 2u);
  EXPECT_TRUE(bounded->truncated);
}

TEST_F(S3ClientWire, RetriesServerErrorsAndSilenceABoundedNumberOfTimes) {
  std::atomic<int> calls{0};
  LoopbackServer server([&](const RecordedRequest&, Connection& c) {
    const int n = ++calls;
    if (n == 1) return;  // closed without an answer
    c.send(n == 2 ? http_response(503, "<Error><Code>SlowDown</Code></Error>")
                  : http_response(200, "body"));
  });
  auto s3 = client(server);
  const auto before = clock.monotonic_ms();
  EXPECT_EQ(s3.get("k", 100).value(), "body");
  EXPECT_EQ(calls.load(), 3);
  EXPECT_EQ(clock.monotonic_ms() - before, 200 + 400);  // the back-off, on the FakeClock
}

TEST_F(S3ClientWire, GivesUpAfterMaxAttempts) {
  std::atomic<int> calls{0};
  LoopbackServer server([&](const RecordedRequest&, Connection& c) {
    ++calls;
    c.send(http_response(503,
                         "<Error><Code>ServiceUnavailable</Code><Message>busy</Message></Error>"));
  });
  auto got = client(server).get("k", 100);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().code, errc::kObjectStoreUnavailable);
  EXPECT_NE(got.error().message.find("HTTP 503 ServiceUnavailable: busy"), std::string::npos)
      << got.error().message;
  EXPECT_EQ(calls.load(), 4);
}

TEST_F(S3ClientWire, ClientErrorsAreNotRetried) {
  std::atomic<int> calls{0};
  LoopbackServer server([&](const RecordedRequest& r, Connection& c) {
    ++calls;
    const bool head = r.method == "HEAD";
    c.send(http_response(r.target == "/media/gone" ? 404 : 403,
                         head ? "" : "<Error><Code>SignatureDoesNotMatch</Code></Error>"));
  });
  auto s3 = client(server);
  auto denied = s3.get("k", 100);
  ASSERT_FALSE(denied.ok());
  EXPECT_EQ(denied.error().code, errc::kObjectStoreDenied);
  EXPECT_NE(denied.error().message.find("AWS_SECRET_ACCESS_KEY"), std::string::npos);
  EXPECT_EQ(calls.load(), 1);
  EXPECT_EQ(s3.head("gone").error().code, vidserve::errc::kNotFound);
  EXPECT_TRUE(s3.remove("gone").ok());  // deleting what is not there is done
}

TEST_F(S3ClientWire, AnUnreachableStoreIsUnavailable) {
  S3ClientOptions options;
  options.clock = &clock;
  options.connect_timeout = 2s;
  S3Client s3(S3Bucket{"http://127.0.0.1:" + std::to_string(testing::unused_loopback_port()),
                       "us-east-1", "media"},
              S3Credentials{"AKIDEXAMPLE", kSecret, ""}, options);
  auto status = s3.head_bucket();
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, errc::kObjectStoreUnavailable);
  EXPECT_NE(status.error().message.find("4 attempts"), std::string::npos) << status.error().message;
  EXPECT_EQ(status.error().message.find(kSecret), std::string::npos);
}

TEST_F(S3ClientWire, AnUploadThatCannotBeReadIsAStorageError) {
  LoopbackServer server(
      [](const RecordedRequest&, Connection& c) { c.send(http_response(200, "")); });
  auto put = client(server).put_file("k", "/nonexistent/vidserve-s3", "video/mp4");
  ASSERT_FALSE(put.ok());
  EXPECT_EQ(put.error().code, io_errc::kStorage);
  EXPECT_EQ(server.connections(), 0);
}

}  // namespace
}  // namespace vidserve::fetch
