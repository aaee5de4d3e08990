// GET/HEAD /media/<uuid>.<ext> (api/media_route.hpp) over a store that keeps its media
// elsewhere: a 307 to the URL locate() gives at the time of each request, never cached; and over
// a local file, sent as it is.
#include "api/media_route.hpp"

#include <gtest/gtest.h>

#include <boost/asio/buffer.hpp>
#include <filesystem>
#include <fstream>

#include "common/clock.hpp"
#include "common/error_codes.hpp"
#include "common/uuid.hpp"
#include "delivery/local_media_store.hpp"
#include "store/memory_media_index.hpp"

namespace vidserve::api {
namespace {

namespace bhttp = http::bhttp;

// What the server would write for the response.
std::string wire(bhttp::message_generator response) {
  std::string out;
  boost::system::error_code ec;
  while (!response.is_done()) {
    const auto buffers = response.prepare(ec);
    if (ec) break;
    std::size_t n = 0;
    for (const auto& b : buffers) {
      out.append(static_cast<const char*>(b.data()), b.size());
      n += b.size();
    }
    response.consume(n);
  }
  return out;
}

http::Request request(const std::string& target, bhttp::verb verb = bhttp::verb::get) {
  http::Request req{verb, target, 11};
  req.set(bhttp::field::host, "vidserve");
  return req;
}

// A LocalMediaStore whose media are served from somewhere else, like an object store's: each
// locate() names a new URL.
class RemoteStore final : public delivery::MediaStore {
 public:
  explicit RemoteStore(delivery::LocalMediaStore& local) : local_(local) {}
  Result<delivery::StagedMedia> stage(const std::string& u, const std::string& t) override {
    return local_.stage(u, t);
  }
  Result<store::MediaRecord> commit(const delivery::StagedMedia& s, const std::string& o,
                                    const std::string& t,
                                    std::optional<std::int64_t> ttl) override {
    return local_.commit(s, o, t, ttl);
  }
  void discard(const delivery::StagedMedia& s) override { local_.discard(s); }
  Result<store::MediaRecord> find(const std::string& uuid) const override {
    return local_.find(uuid);
  }
  Result<std::string> read(const std::string& uuid,
                           std::optional<delivery::ByteRange> range) const override {
    return local_.read(uuid, range);
  }
  Result<delivery::MediaLocation> locate(const store::MediaRecord& record) const override {
    return delivery::MediaLocation{delivery::RemoteUrl{
        "http://objects.example/b/" + record.media_uuid + "?sig=" + std::to_string(++signed_)}};
  }
  void set_public_base_url(std::string base) override { local_.set_public_base_url(base); }
  bool ready() const override { return local_.ready(); }
  std::string url(const std::string& u, const std::string& t) const override {
    return local_.url(u, t);
  }
  Result<std::size_t> remove_task_media(const std::string& o, const std::string& t) override {
    return local_.remove_task_media(o, t);
  }
  std::size_t sweep_expired() override { return local_.sweep_expired(); }
  std::size_t remove_stale_scratch() override { return local_.remove_stale_scratch(); }
  Result<std::uint64_t> free_bytes() const override { return local_.free_bytes(); }

 private:
  delivery::LocalMediaStore& local_;
  mutable int signed_ = 0;
};

class MediaRouteTest : public ::testing::Test {
 protected:
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  FakeClock clock;
  store::MemoryMediaIndex index{clock};
  std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("vidserve-route-" + uuid::generate_v4());
  delivery::LocalMediaStore local{dir, index, clock};
  RemoteStore remote{local};
};

TEST_F(MediaRouteTest, AMediaKeptElsewhereIsARedirectAskedForAfreshEachTime) {
  ASSERT_TRUE(remote.save("key_a", "t1", "m1", "bytes", "video/mp4", 60).ok());
  const auto first = wire(media_response(request("/media/m1.mp4"), remote));
  EXPECT_EQ(first.rfind("HTTP/1.1 307 Temporary Redirect\r\n", 0), 0u) << first;
  EXPECT_NE(first.find("Location: http://objects.example/b/m1?sig=1\r\n"), std::string::npos)
      << first;
  EXPECT_NE(first.find("Cache-Control: no-store\r\n"), std::string::npos) << first;
  EXPECT_NE(first.find("Content-Length: 0\r\n"), std::string::npos) << first;
  const auto head = wire(media_response(request("/media/m1.mp4?x=1", bhttp::verb::head), remote));
  EXPECT_NE(head.find("Location: http://objects.example/b/m1?sig=2\r\n"), std::string::npos)
      << head;
  clock.advance_ms(60'000);
  const auto expired = wire(media_response(request("/media/m1.mp4"), remote));
  EXPECT_EQ(expired.rfind("HTTP/1.1 404 Not Found\r\n", 0), 0u) << expired;
  EXPECT_NE(expired.find("mediaNotFound"), std::string::npos);
}

TEST_F(MediaRouteTest, ALocalMediaIsSentFromItsFile) {
  ASSERT_TRUE(local.save("key_a", "t1", "m1", "local bytes", "video/mp4", std::nullopt).ok());
  const auto sent = wire(media_response(request("/media/m1.mp4"), local));
  EXPECT_EQ(sent.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << sent;
  EXPECT_NE(sent.find("ETag: \"m1\"\r\n"), std::string::npos) << sent;
  EXPECT_EQ(sent.substr(sent.size() - 11), "local bytes");
  const auto unknown = wire(media_response(request("/media/nope.mp4"), local));
  EXPECT_EQ(unknown.rfind("HTTP/1.1 404 Not Found\r\n", 0), 0u) << unknown;
}

}  // namespace
}  // namespace vidserve::api
