// upload_media: a stored media PUT to an uploadEndpoint, streamed from the store in chunks, with
// retries on the clock (a FakeClock: the back-off runs without waiting) and clear errors.
#include "delivery/media_upload.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "common/uuid.hpp"
#include "delivery/local_media_store.hpp"
#include "fetch/error_codes.hpp"
#include "store/memory_media_index.hpp"

namespace vidserve::delivery {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

struct Sent {
  std::string url, body, content_type;
  std::size_t largest_read = 0;
};

class MediaUploadTest : public testing::Test {
 protected:
  MediaUploadTest() {
    for (int i = 0; i < 30000; ++i) bytes_.push_back(static_cast<char>(i * 31 % 253));
    auto saved = media_.save("key_a", "t1", "m1", bytes_, "video/mp4", std::nullopt);
    EXPECT_TRUE(saved) << saved.error().message;
    record_ = *saved;
  }
  ~MediaUploadTest() override {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }

  // A transport that reads the whole body the way libcurl does (pieces of at most 16 KiB) and
  // answers the next status of `answers` (the last one repeats).
  PutStream transport(std::vector<Result<int>> answers) {
    return [this, answers](const std::string& url, const fetch::StreamedBody& body) -> Result<int> {
      Sent sent{url, {}, body.content_type};
      std::vector<char> buffer(16384);
      while (sent.body.size() < body.size) {
        auto n = body.read(sent.body.size(), buffer.data(), buffer.size());
        if (!n) return n.error();
        if (*n == 0) break;
        sent.largest_read = std::max(sent.largest_read, *n);
        sent.body.append(buffer.data(), *n);
      }
      sent_.push_back(sent);
      return answers[std::min(sent_.size(), answers.size()) - 1];
    };
  }

  FakeClock clock_;
  store::MemoryMediaIndex index_{clock_};
  const fs::path dir_ = fs::temp_directory_path() / ("vidserve-upload-" + uuid::generate_v4());
  LocalMediaStore media_{dir_, index_, clock_};
  std::string bytes_;
  store::MediaRecord record_;
  std::vector<Sent> sent_;
};

TEST_F(MediaUploadTest, SendsTheMediaBytesWithItsTypeInChunks) {
  UploadOptions options;
  options.chunk_bytes = 4096;  // the media spans several chunks and reads cross their edges
  auto uploaded = upload_media(media_, record_, "https://up.example/out.mp4", transport({200}), clock_, options);
  ASSERT_TRUE(uploaded) << uploaded.error().message;
  ASSERT_EQ(sent_.size(), 1u);
  EXPECT_EQ(sent_[0].url, "https://up.example/out.mp4");
  EXPECT_EQ(sent_[0].content_type, "video/mp4");
  EXPECT_EQ(sent_[0].body, bytes_);
  EXPECT_LE(sent_[0].largest_read, 4096u);
}

TEST_F(MediaUploadTest, RetriesAnUnavailableReceiverWithGrowingPauses) {
  const auto start = clock_.monotonic_ms();
  auto uploaded = upload_media(media_, record_, "https://up.example/o", transport({503, 429, 201}), clock_);
  ASSERT_TRUE(uploaded) << uploaded.error().message;
  ASSERT_EQ(sent_.size(), 3u);
  for (const auto& s : sent_) EXPECT_EQ(s.body, bytes_);  // each attempt sends the whole media again
  EXPECT_EQ(clock_.monotonic_ms() - start, 1000 + 4000);
}

TEST_F(MediaUploadTest, GivesUpAfterItsAttemptsNamingTheLastAnswer) {
  auto uploaded = upload_media(media_, record_, "https://up.example/o", transport({500}), clock_);
  ASSERT_FALSE(uploaded);
  EXPECT_EQ(sent_.size(), 4u);
  EXPECT_EQ(uploaded.error().code, errc::kUploadFailed);
  EXPECT_NE(uploaded.error().message.find("after 4 attempts"), std::string::npos) << uploaded.error().message;
  EXPECT_NE(uploaded.error().message.find("HTTP 500"), std::string::npos) << uploaded.error().message;
}

TEST_F(MediaUploadTest, AClientErrorIsNotRetried) {
  auto uploaded = upload_media(media_, record_, "https://up.example/o", transport({403}), clock_);
  ASSERT_FALSE(uploaded);
  EXPECT_EQ(sent_.size(), 1u);
  EXPECT_EQ(uploaded.error().code, errc::kUploadFailed);
  EXPECT_NE(uploaded.error().message.find("HTTP 403"), std::string::npos) << uploaded.error().message;
}

TEST_F(MediaUploadTest, ARefusedAddressKeepsItsCodeAndIsNotRetried) {
  int calls = 0;
  PutStream refuse = [&calls](const std::string&, const fetch::StreamedBody&) -> Result<int> {
    ++calls;
    return Error{fetch::errc::kAddressRefused, "10.0.0.1 is a private address"};
  };
  auto uploaded = upload_media(media_, record_, "http://10.0.0.1/o", refuse, clock_);
  ASSERT_FALSE(uploaded);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(uploaded.error().code, fetch::errc::kAddressRefused);
}

TEST_F(MediaUploadTest, ANetworkErrorIsRetried) {
  int calls = 0;
  PutStream flaky = [&calls](const std::string&, const fetch::StreamedBody&) -> Result<int> {
    if (++calls < 3) return Error{fetch::errc::kFetchFailed, "connection refused"};
    return 200;
  };
  EXPECT_TRUE(upload_media(media_, record_, "http://up.example/o", flaky, clock_));
  EXPECT_EQ(calls, 3);
}

// Before each retry the caller's check runs (the worker renews its lease); its error stops the
// upload as it is.
TEST_F(MediaUploadTest, ACheckBeforeARetryCanStopIt) {
  int checks = 0;
  const auto lost = [&checks]() -> Status {
    ++checks;
    return Error{"cancelled", "the task was cancelled"};
  };
  auto uploaded = upload_media(media_, record_, "https://up.example/o", transport({503}), clock_, {}, lost);
  ASSERT_FALSE(uploaded);
  EXPECT_EQ(uploaded.error().code, "cancelled");
  EXPECT_EQ(sent_.size(), 1u);
  EXPECT_EQ(checks, 1);
}

TEST_F(MediaUploadTest, AMediaThatIsGoneFailsClearly) {
  ASSERT_TRUE(media_.remove_task_media("key_a", "t1"));
  auto uploaded = upload_media(media_, record_, "https://up.example/o", transport({200}), clock_);
  ASSERT_FALSE(uploaded);
  EXPECT_EQ(uploaded.error().code, errc::kUploadFailed);
  EXPECT_TRUE(sent_.empty());
}

}  // namespace
}  // namespace vidserve::delivery
