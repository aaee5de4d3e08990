// file_response through a running server: full GET, ranges, 416, conditional requests, HEAD.
#include "api/http/file_response.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>

#include "api/http/server.hpp"
#include "test_client.hpp"

namespace vidserve::api::http {
namespace {

namespace fs = std::filesystem;
using test::Response;

class FileResponseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("vidserve_http_" + std::to_string(std::random_device{}()));
    fs::create_directories(dir_);
    content_.resize(100);
    for (std::size_t i = 0; i < content_.size(); ++i) content_[i] = static_cast<char>('!' + i % 90);
    write("clip.mp4", content_);
    server_ = std::make_unique<test::RunningServer>(
        test::test_options(), [this](Request&& req, const ConnectionInfo&) {
          const std::string name(req.target().substr(1));
          if (name == "tagged") return file_response(req, path("clip.mp4"), "video/mp4", "abc");
          return file_response(req, path(name), "video/mp4");
        });
  }
  void TearDown() override {
    server_.reset();
    fs::remove_all(dir_);
  }

  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  void write(const std::string& name, const std::string& data) const {
    std::ofstream(path(name), std::ios::binary) << data;
  }
  std::optional<Response> get(const std::string& target, const std::string& headers = "",
                              const std::string& method = "GET") {
    return test::round_trip(server_->port,
                            method + " " + target + " HTTP/1.1\r\nHost: t\r\n" + headers + "\r\n",
                            method == "HEAD");
  }

  fs::path dir_;
  std::string content_;
  std::unique_ptr<test::RunningServer> server_;
};

TEST_F(FileResponseTest, FullGet) {
  const auto res = get("/clip.mp4");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result(), bhttp::status::ok);
  EXPECT_EQ(res->body(), content_);
  EXPECT_EQ((*res)[bhttp::field::content_length], "100");
  EXPECT_EQ((*res)[bhttp::field::content_type], "video/mp4");
  EXPECT_EQ((*res)[bhttp::field::accept_ranges], "bytes");
  const std::string etag((*res)[bhttp::field::etag]);
  ASSERT_GE(etag.size(), 3u);
  EXPECT_EQ(etag.front(), '"');
  EXPECT_EQ(etag.back(), '"');
  EXPECT_EQ((*res)[bhttp::field::last_modified].size(), 29u);
  EXPECT_TRUE(res->keep_alive());
}

TEST_F(FileResponseTest, ProvidedEtagIsQuoted) {
  const auto res = get("/tagged");
  ASSERT_TRUE(res);
  EXPECT_EQ((*res)[bhttp::field::etag], "\"abc\"");
  const auto cached = get("/tagged", "If-None-Match: W/\"abc\"\r\n");
  ASSERT_TRUE(cached);
  EXPECT_EQ(cached->result(), bhttp::status::not_modified);
}

TEST_F(FileResponseTest, ClosedRange) {
  const auto res = get("/clip.mp4", "Range: bytes=10-19\r\n");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result(), bhttp::status::partial_content);
  EXPECT_EQ(res->body(), content_.substr(10, 10));
  EXPECT_EQ((*res)[bhttp::field::content_range], "bytes 10-19/100");
  EXPECT_EQ((*res)[bhttp::field::content_length], "10");
}

TEST_F(FileResponseTest, SuffixAndOpenRanges) {
  const auto suffix = get("/clip.mp4", "Range: bytes=-5\r\n");
  ASSERT_TRUE(suffix);
  EXPECT_EQ(suffix->result(), bhttp::status::partial_content);
  EXPECT_EQ(suffix->body(), content_.substr(95));
  EXPECT_EQ((*suffix)[bhttp::field::content_range], "bytes 95-99/100");

  const auto open = get("/clip.mp4", "Range: bytes=90-\r\n");
  ASSERT_TRUE(open);
  EXPECT_EQ(open->body(), content_.substr(90));
  EXPECT_EQ((*open)[bhttp::field::content_range], "bytes 90-99/100");

  const auto past_end = get("/clip.mp4", "Range: bytes=98-500\r\n");
  ASSERT_TRUE(past_end);
  EXPECT_EQ((*past_end)[bhttp::field::content_range], "bytes 98-99/100");
}

TEST_F(FileResponseTest, UnsatisfiableRangeIs416) {
  const auto res = get("/clip.mp4", "Range: bytes=100-200\r\n");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result(), bhttp::status::range_not_satisfiable);
  EXPECT_EQ((*res)[bhttp::field::content_range], "bytes */100");
}

TEST_F(FileResponseTest, MultipleOrMalformedRangesServeEverything) {
  for (const char* range : {"bytes=0-1,5-6", "bytes=9-3", "items=0-1", "bytes=abc"}) {
    const auto res = get("/clip.mp4", std::string("Range: ") + range + "\r\n");
    ASSERT_TRUE(res) << range;
    EXPECT_EQ(res->result(), bhttp::status::ok) << range;
    EXPECT_EQ(res->body(), content_) << range;
  }
}

TEST_F(FileResponseTest, IfNoneMatchIs304) {
  const auto first = get("/clip.mp4");
  ASSERT_TRUE(first);
  const std::string etag((*first)[bhttp::field::etag]);
  const auto res = get("/clip.mp4", "If-None-Match: \"other\", " + etag + "\r\n");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result(), bhttp::status::not_modified);
  EXPECT_TRUE(res->body().empty());
  EXPECT_EQ((*res)[bhttp::field::etag], etag);
  const auto changed = get("/clip.mp4", "If-None-Match: \"other\"\r\n");
  ASSERT_TRUE(changed);
  EXPECT_EQ(changed->result(), bhttp::status::ok);
}

TEST_F(FileResponseTest, IfModifiedSince) {
  const auto first = get("/clip.mp4");
  ASSERT_TRUE(first);
  const std::string last_modified((*first)[bhttp::field::last_modified]);
  const auto res = get("/clip.mp4", "If-Modified-Since: " + last_modified + "\r\n");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result(), bhttp::status::not_modified);
  const auto old = get("/clip.mp4", "If-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT\r\n");
  ASSERT_TRUE(old);
  EXPECT_EQ(old->result(), bhttp::status::ok);
}

TEST_F(FileResponseTest, IfRangeMismatchServesEverything) {
  const auto res = get("/clip.mp4", "Range: bytes=0-9\r\nIf-Range: \"stale\"\r\n");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result(), bhttp::status::ok);
  EXPECT_EQ(res->body().size(), 100u);
}

TEST_F(FileResponseTest, HeadSendsHeadersOnly) {
  test::RawClient client(server_->port);
  ASSERT_TRUE(client.send("HEAD /clip.mp4 HTTP/1.1\r\nHost: t\r\n\r\n"));
  const auto res = client.read_response(/*head=*/true);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result(), bhttp::status::ok);
  EXPECT_EQ((*res)[bhttp::field::content_length], "100");
  EXPECT_TRUE(res->body().empty());
  // The connection stays usable: no body bytes were sent after the HEAD headers.
  ASSERT_TRUE(client.send("GET /clip.mp4 HTTP/1.1\r\nHost: t\r\n\r\n"));
  const auto next = client.read_response();
  ASSERT_TRUE(next);
  EXPECT_EQ(next->body(), content_);
}

TEST_F(FileResponseTest, MissingFileOrDirectoryIs404) {
  const auto missing = get("/nothing.mp4");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->result(), bhttp::status::not_found);
  fs::create_directories(dir_ / "sub");
  const auto directory = get("/sub");
  ASSERT_TRUE(directory);
  EXPECT_EQ(directory->result(), bhttp::status::not_found);
}

TEST_F(FileResponseTest, OtherMethodsAre405) {
  const auto res = get("/clip.mp4", "Content-Length: 0\r\n", "DELETE");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result(), bhttp::status::method_not_allowed);
  EXPECT_EQ((*res)[bhttp::field::allow], "GET, HEAD");
}

TEST_F(FileResponseTest, LargeFileStreamsExactly) {
  std::string big(3 * 1024 * 1024 + 17, '\0');
  std::mt19937 rng(7);
  for (auto& c : big) c = static_cast<char>(rng());
  write("big.bin", big);
  const auto full = get("/big.bin");
  ASSERT_TRUE(full);
  EXPECT_TRUE(full->body() == big);
  const auto tail = get("/big.bin", "Range: bytes=1000000-\r\n");
  ASSERT_TRUE(tail);
  EXPECT_TRUE(tail->body() == big.substr(1000000));
}

TEST_F(FileResponseTest, EmptyFile) {
  write("empty.bin", "");
  const auto res = get("/empty.bin");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result(), bhttp::status::ok);
  EXPECT_EQ((*res)[bhttp::field::content_length], "0");
  const auto ranged = get("/empty.bin", "Range: bytes=0-\r\n");
  ASSERT_TRUE(ranged);
  EXPECT_EQ(ranged->result(), bhttp::status::range_not_satisfiable);
}

}  // namespace
}  // namespace vidserve::api::http
