// imageUpload through Service with a FetchPool: the fetch and store run on the pool, never on
// the calling (io) thread, over REST (handle_async) and WebSocket (handle_socket) alike; a full
// pool answers 503 fetchBusy with Retry-After. The fake fetch hangs until the test releases it.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>

#include "api/runware/service.hpp"
#include "fetch/fetch_pool.hpp"
#include "media/image_codec.hpp"
#include "webhook_test_support.hpp"

namespace vidserve::api::runware {
namespace {

namespace json = boost::json;
using namespace std::string_literals;
using webhooks::testing::kBase;
using webhooks::testing::World;

// A complete 8x8 PNG: uploads are checked to be whole images.
std::string png() {
  media::RgbImage image;
  image.width = 8;
  image.height = 8;
  image.rgb.assign(8 * 8 * 3, 200);
  return media::encode_image(image, media::ImageFormat::Png, 90).value();
}
constexpr const char* kKey = "upload-key";

// A value set once on any thread, awaited on the test's.
template <class T>
class Slot {
 public:
  void set(T value) {
    std::lock_guard lock(mutex_);
    value_ = std::move(value);
    changed_.notify_all();
  }
  T wait() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [this] { return value_.has_value(); });
    return *value_;
  }
  bool has_value() {
    std::lock_guard lock(mutex_);
    return value_.has_value();
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::optional<T> value_;
};

struct UploadPoolTest : ::testing::Test {
  World world;
  Authenticator auth{Authenticator::parse_key_list(kKey), nullptr};
  fetch::FetchPool pool{[] {
    fetch::FetchPoolOptions o;
    o.threads = 1;
    o.per_host = 1;
    o.max_queued = 1;
    return o;
  }()};
  std::mutex mutex;
  std::condition_variable changed;
  int fetching = 0;
  bool released = false;
  tasks::Context context{world.catalog, world.tasks, *world.media, auth};
  std::unique_ptr<Service> service;

  void SetUp() override {
    Services s{context, nullptr};
    s.fetch = [this](const std::string&, const std::string&) -> Result<fetch::Blob> {
      std::unique_lock lock(mutex);
      ++fetching;
      changed.notify_all();
      changed.wait(lock, [this] { return released; });
      return fetch::Blob{png(), "image/png"};
    };
    s.fetch_pool = &pool;
    service = std::make_unique<Service>(std::move(s));
    world.media->set_public_base_url(kBase);
    pool.start();
  }
  void TearDown() override {
    release();
    pool.stop();
  }
  void wait_fetching(int n) {
    std::unique_lock lock(mutex);
    changed.wait(lock, [&] { return fetching >= n; });
  }
  void release() {
    std::lock_guard lock(mutex);
    released = true;
    changed.notify_all();
  }
  static std::string upload(const std::string& task_uuid) {
    return R"([{"taskType":"imageUpload","taskUUID":")" + task_uuid +
           R"(","image":"https://images.example/a.png"}])";
  }
};

TEST_F(UploadPoolTest, RestUploadIsAnsweredFromThePoolOnceTheFetchEnds) {
  Slot<Reply> reply;
  service->handle_async(upload("u1"), "Bearer "s + kKey, [&](Reply r) { reply.set(std::move(r)); });
  wait_fetching(1);
  EXPECT_FALSE(reply.has_value());  // handle_async returned while the fetch hangs
  release();
  const auto r = reply.wait();
  ASSERT_EQ(r.status, 200) << r.body;
  const auto item = json::parse(r.body).at("data").at(0).as_object();
  EXPECT_EQ(item.at("taskUUID"), "u1");
  EXPECT_TRUE(world.media->find(std::string(item.at("imageUUID").as_string())));
}

TEST_F(UploadPoolTest, WebSocketUploadIsAnsweredFromThePoolToo) {
  SocketCall call;
  call.owner = "owner-ws";
  Slot<std::string> reply;
  auto tasks = json::parse(upload("u2")).as_array();
  service->handle_socket(std::move(tasks), 0, call, [&](Envelope out) { reply.set(out.body()); });
  wait_fetching(1);
  EXPECT_FALSE(reply.has_value());
  release();
  const auto body = json::parse(reply.wait());
  EXPECT_EQ(body.at("data").at(0).at("taskType"), "imageUpload");
}

TEST_F(UploadPoolTest, AFullPoolAnswers503FetchBusyWithRetryAfter) {
  Slot<Reply> first, second, third;
  service->handle_async(upload("a"), "Bearer "s + kKey, [&](Reply r) { first.set(r); });
  wait_fetching(1);  // running; the pool's one queue slot is free
  service->handle_async(upload("b"), "Bearer "s + kKey, [&](Reply r) { second.set(r); });
  service->handle_async(upload("c"), "Bearer "s + kKey, [&](Reply r) { third.set(r); });
  const auto refused = third.wait();  // answered at once, while the others still wait
  EXPECT_EQ(refused.status, 503);
  const auto error = json::parse(refused.body).at("errors").at(0).as_object();
  EXPECT_EQ(error.at("code"), "fetchBusy");
  EXPECT_EQ(error.at("taskUUID"), "c");
  EXPECT_EQ(error.at("parameter"), "image");
  EXPECT_FALSE(first.has_value());
  release();
  EXPECT_EQ(first.wait().status, 200);
  EXPECT_EQ(second.wait().status, 200);
}

}  // namespace
}  // namespace vidserve::api::runware
