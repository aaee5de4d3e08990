#include "fetch/input_resolver.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <vector>

#include "fetch/base64.hpp"
#include "loopback_server.hpp"

namespace vidserve::fetch {
namespace {

using namespace std::chrono_literals;
using namespace std::literals;
using testing::Connection;
using testing::http_response;
using testing::LoopbackServer;
using testing::RecordedRequest;

const std::string kPng = "\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01"s;
const std::string kUuid = "6f1d3b0e-8c2a-4d5e-9f01-23456789abcd";

struct Fixture {
  std::vector<std::pair<std::string, std::string>> lookups;  // (uuid, owner)

  InputResolver resolver(ResolverLimits limits = {}) {
    limits.url.timeout = 5s;
    limits.url.connect_timeout = 2s;
    auto lookup = [this](std::string_view uuid, std::string_view owner) -> std::optional<Blob> {
      lookups.emplace_back(uuid, owner);
      if (uuid == kUuid && owner == "key-1") return Blob{kPng, "image/png"};
      return std::nullopt;
    };
    return InputResolver(lookup, HttpClient(AddressGuard::with_allow_list("127.0.0.1/32").value()),
                         limits);
  }
};

TEST(InputResolver, ResolvesUploadedUuidsForTheirOwner) {
  Fixture f;
  const auto resolver = f.resolver();
  auto blob = resolver.resolve(kUuid, "key-1");
  ASSERT_TRUE(blob) << blob.error().message;
  EXPECT_EQ(blob->bytes, kPng);
  ASSERT_EQ(f.lookups.size(), 1u);
  EXPECT_EQ(f.lookups[0].second, "key-1");

  auto other_owner = resolver.resolve(kUuid, "key-2");
  ASSERT_FALSE(other_owner);
  EXPECT_EQ(other_owner.error().code, "unknownInput");
  EXPECT_NE(other_owner.error().message.find(kUuid), std::string::npos);
}

TEST(InputResolver, DecodesDataUris) {
  Fixture f;
  auto blob = f.resolver().resolve("data:image/png;base64," + encode_base64(kPng), "key-1");
  ASSERT_TRUE(blob) << blob.error().message;
  EXPECT_EQ(blob->bytes, kPng);
  EXPECT_EQ(blob->content_type, "image/png");

  auto bad = f.resolver().resolve("data:image/png;base64,!!!!", "key-1");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, "invalidInput");
  EXPECT_NE(bad.error().message.find("data URI"), std::string::npos);

  auto empty = f.resolver().resolve("data:image/png;base64,", "key-1");
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().code, "invalidInput");
  EXPECT_TRUE(f.lookups.empty());
}

TEST(InputResolver, DecodesBareBase64OfKnownMedia) {
  Fixture f;
  auto blob = f.resolver().resolve("  " + encode_base64(kPng) + "\n", "key-1");
  ASSERT_TRUE(blob) << blob.error().message;
  EXPECT_EQ(blob->bytes, kPng);
  EXPECT_EQ(blob->content_type, "image/png");
}

TEST(InputResolver, RefusesBase64ThatIsNotMedia) {
  Fixture f;
  auto blob = f.resolver().resolve(encode_base64("just some text, not an image"), "key-1");
  ASSERT_FALSE(blob);
  EXPECT_EQ(blob.error().code, "invalidInput");
  EXPECT_NE(blob.error().message.find("not a known image, video or audio format"),
            std::string::npos);
}

TEST(InputResolver, ExplainsTheAcceptedForms) {
  Fixture f;
  for (const char* ref : {"not base64 at all!", "C:\\images\\cat.png", "cat.png", "  "}) {
    auto blob = f.resolver().resolve(ref, "key-1");
    ASSERT_FALSE(blob) << ref;
    EXPECT_EQ(blob.error().code, "invalidInput") << ref;
    EXPECT_NE(blob.error().message.find("UUID"), std::string::npos) << blob.error().message;
    EXPECT_NE(blob.error().message.find("data URI"), std::string::npos) << blob.error().message;
  }
  auto ftp = f.resolver().resolve("ftp://example.com/cat.png", "key-1");
  ASSERT_FALSE(ftp);
  EXPECT_EQ(ftp.error().code, "invalidInput");
  EXPECT_NE(ftp.error().message.find("http or https"), std::string::npos);
}

TEST(InputResolver, EnforcesTheInlineSizeLimit) {
  Fixture f;
  ResolverLimits limits;
  limits.max_inline_bytes = kPng.size() - 1;
  const auto resolver = f.resolver(limits);
  for (const std::string& ref :
       {"data:image/png;base64," + encode_base64(kPng), encode_base64(kPng)}) {
    auto blob = resolver.resolve(ref, "key-1");
    ASSERT_FALSE(blob);
    EXPECT_EQ(blob.error().code, "inputTooLarge") << blob.error().message;
  }
  limits.max_inline_bytes = kPng.size();
  EXPECT_TRUE(f.resolver(limits).resolve(encode_base64(kPng), "key-1"));
}

TEST(InputResolver, FetchesUrlsWithTheUrlLimits) {
  LoopbackServer server([](const RecordedRequest& req, Connection& c) {
    if (req.target == "/big") {
      c.send(http_response(200, std::string(10000, 'x'), "Content-Type: video/mp4\r\n"));
    } else if (req.target == "/empty") {
      c.send(http_response(200, "", "Content-Type: image/png\r\n"));
    } else {
      c.send(http_response(200, kPng));
    }
  });
  Fixture f;
  ResolverLimits limits;
  limits.url.max_bytes = 1000;
  const auto resolver = f.resolver(limits);
  auto blob = resolver.resolve(server.url("/cat.png"), "key-1");
  ASSERT_TRUE(blob) << blob.error().message;
  EXPECT_EQ(blob->bytes, kPng);
  EXPECT_EQ(blob->content_type, "image/png");

  auto big = resolver.resolve(server.url("/big"), "key-1");
  ASSERT_FALSE(big);
  EXPECT_EQ(big.error().code, "inputTooLarge");

  auto empty = resolver.resolve(server.url("/empty"), "key-1");
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().code, "invalidInput");

  auto refused = resolver.resolve("HTTP://169.254.169.254/latest/meta-data/", "key-1");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, "addressRefused");
}

// Files in `dir` (the spool directory).
std::vector<std::string> files_in(const std::filesystem::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(dir)) names.push_back(e.path().filename().string());
  return names;
}

// With a spool directory, a large video or audio stays in a file (removed with its last Blob);
// small inputs and images of any size come back in memory and leave no file behind; every
// refusal leaves no file either.
TEST(InputResolver, KeepsLargeUrlMediaInASpoolFile) {
  const std::string video(5000, 'v'), audio(100, 'a'), image = kPng + std::string(6000, '\0');
  LoopbackServer server([&](const RecordedRequest& req, Connection& c) {
    if (req.target == "/big.mp4") {
      c.send(http_response(200, video, "Content-Type: video/mp4\r\n"));
    } else if (req.target == "/small.mp3") {
      c.send(http_response(200, audio, "Content-Type: audio/mpeg\r\n"));
    } else if (req.target == "/huge.mp4") {
      c.send(http_response(200, std::string(20000, 'h'), "Content-Type: video/mp4\r\n"));
    } else {
      c.send(http_response(200, image, "Content-Type: image/png\r\n"));
    }
  });
  const auto dir = std::filesystem::temp_directory_path() / ("vidserve-spool-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  Fixture f;
  ResolverLimits limits;
  limits.spool_dir = dir.string();
  limits.spool_over_bytes = 1000;
  limits.url.max_bytes = 10000;
  const auto resolver = f.resolver(limits);
  {
    auto big = resolver.resolve(server.url("/big.mp4"), "key-1");
    ASSERT_TRUE(big) << big.error().message;
    ASSERT_TRUE(big->file);
    EXPECT_TRUE(big->bytes.empty());
    EXPECT_EQ(big->size(), video.size());
    EXPECT_EQ(big->content_type, "video/mp4");
    EXPECT_EQ(files_in(dir).size(), 1u);
    EXPECT_EQ(*big->load(), video);
    auto copy = *big;  // a copy shares the file
    big = Error{"gone", "gone"};
    EXPECT_EQ(files_in(dir).size(), 1u);
    EXPECT_EQ(*copy.load(), video);
  }
  EXPECT_TRUE(files_in(dir).empty());  // the last Blob went, the file with it

  auto small = resolver.resolve(server.url("/small.mp3"), "key-1");
  ASSERT_TRUE(small);
  EXPECT_FALSE(small->file);
  EXPECT_EQ(small->bytes, audio);
  auto png = resolver.resolve(server.url("/big.png"), "key-1");
  ASSERT_TRUE(png);
  EXPECT_FALSE(png->file);  // over the threshold, but engines decode images from memory
  EXPECT_EQ(png->bytes, image);
  auto huge = resolver.resolve(server.url("/huge.mp4"), "key-1");
  ASSERT_FALSE(huge);
  EXPECT_EQ(huge.error().code, "inputTooLarge");
  EXPECT_TRUE(files_in(dir).empty());

  std::filesystem::remove_all(dir);
  auto unwritable = resolver.resolve(server.url("/big.mp4"), "key-1");  // the directory is gone
  ASSERT_FALSE(unwritable);
  EXPECT_EQ(unwritable.error().code, "storage");
  EXPECT_EQ(unwritable.error().message.find(dir.string()), std::string::npos);  // no path for clients
}

// At start-up the spool files a killed process left go; other files in the directory stay.
TEST(InputResolver, StaleSpoolFilesAreRemoved) {
  const auto dir = std::filesystem::temp_directory_path() / ("vidserve-stale-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  for (const char* name : {".spool-a", ".spool-b", "keep.mp4", ".tmp-x"}) std::ofstream(dir / name) << "x";
  EXPECT_EQ(remove_stale_spool_files(dir.string()), 2u);
  auto left = files_in(dir);
  std::sort(left.begin(), left.end());
  EXPECT_EQ(left, (std::vector<std::string>{".tmp-x", "keep.mp4"}));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace vidserve::fetch
