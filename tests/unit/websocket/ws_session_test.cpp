// The Runware WebSocket session logic without sockets: TaskSubscriptions, the order of acknowledgement,
// progress and result frames, buffering while detached, resume once, and key isolation.
#include "api/runware/ws_session.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/json.hpp>
#include <mutex>
#include <vector>

#include "api/tasks/task_subscriptions.hpp"
#include "webhook_test_support.hpp"

namespace vidserve::api::runware {
namespace {

namespace json = boost::json;
using tasks::TaskEvent;
using webhooks::testing::kOwner;
using webhooks::testing::World;

// Records what would have been written to the socket.
class FakeConnection final : public http::WsConnection {
 public:
  void send(std::string text) override {
    const std::lock_guard lock(mutex);
    frames.push_back(json::parse(text).as_object());
  }
  void message_done() override {}
  void close() override { ++closes; }
  std::atomic<int> closes{0};
  std::vector<json::object> sent() {
    const std::lock_guard lock(mutex);
    return frames;
  }
  std::mutex mutex;
  std::vector<json::object> frames;
};

struct CountingSink final : tasks::TaskEventSink {
  void on_task_event(const TaskEvent& e) override { events.push_back(e); }
  std::vector<TaskEvent> events;
};

std::string status_of(const json::object& frame) {
  const auto* data = frame.if_contains("data");
  if (!data || data->as_array().empty()) return frame.contains("errors") ? "errors" : "";
  const auto& item = data->as_array()[0].as_object();
  return item.contains("status") ? std::string(item.at("status").as_string()) : "ack";
}

// The Runware services over `world`'s context, on its fake clock.
Services on_fake_clock(World& world) {
  world.context->clock = &world.clock;
  return Services{*world.context, nullptr};
}

struct SessionTest : ::testing::Test {
  World world;
  Service service{on_fake_clock(world)};
  tasks::TaskSubscriptions events;
  std::shared_ptr<FakeConnection> connection = std::make_shared<FakeConnection>();


  // A queued task of kOwner with `results` results, claimed by a worker.
  store::TaskRecord running(int results) {
    store::TaskRecord t;
    t.task_uuid = uuid::generate_v4();
    t.owner = kOwner;
    t.task_type = "videoInference";
    t.model = "klingai:3@1";
    t.request = "{}";
    for (int i = 0; i < results; ++i)
      t.results.push_back({i, uuid::generate_v4(), "processing", ""});
    EXPECT_TRUE(world.tasks.enqueue(t));
    EXPECT_TRUE(world.tasks.claim_next("w1", 60000));
    return world.tasks.get(kOwner, t.task_uuid).value();
  }
  void finish(const store::TaskRecord& t) {
    for (const auto& r : t.results) {
      core::ResultPayload p;
      p.content_type = "video/mp4";
      p.seed = 7;
      EXPECT_TRUE(
          world.tasks.put_result(store::claim_of(t), {r.index, r.media_uuid, "success", core::encode(p)}));
    }
    EXPECT_TRUE(world.tasks.complete(store::claim_of(t)));
    events.on_task_event({TaskEvent::Kind::Finished, t.owner, t.task_uuid, 100});
  }
  static Envelope ack(const store::TaskRecord& t) {
    Envelope out;
    out.data.push_back(json::object{{"taskType", t.task_type}, {"taskUUID", t.task_uuid}});
    return out;
  }
  std::shared_ptr<SocketSession> attached_session() {
    auto s = std::make_shared<SocketSession>("s-1", kOwner, service, events, SessionLimits{});
    s->attach(connection);
    return s;
  }
};

TEST(TaskSubscriptions, ReachOnlyTheSubscriberOfThatOwnerAndTask) {
  tasks::TaskSubscriptions events;
  auto mine = std::make_shared<CountingSink>();
  auto theirs = std::make_shared<CountingSink>();
  events.subscribe("a", "t1", mine);
  events.subscribe("b", "t2", theirs);
  events.on_task_event({TaskEvent::Kind::Progress, "b", "t1", 40});  // another key naming a's task uuid
  events.on_task_event({TaskEvent::Kind::Progress, "a", "t1", 50});
  ASSERT_EQ(mine->events.size(), 1u);
  EXPECT_EQ(mine->events[0].progress, 50);
  EXPECT_TRUE(theirs->events.empty());
  events.on_task_event({TaskEvent::Kind::Finished, "a", "t1", 100});
  EXPECT_EQ(events.subscriptions(), 1u);  // finished: the task's subscriptions end
  events.on_task_event({TaskEvent::Kind::Progress, "a", "t1", 60});
  EXPECT_EQ(mine->events.size(), 2u);
}

TEST(TaskSubscriptions, ForgetsSinksThatAreGone) {
  tasks::TaskSubscriptions events;
  auto sink = std::make_shared<CountingSink>();
  events.subscribe("a", "t1", sink);
  sink.reset();
  events.on_task_event({TaskEvent::Kind::Progress, "a", "t1", 10});
  EXPECT_EQ(events.subscriptions(), 0u);
}

TEST(TaskSubscriptions, DeliverNothingAfterClose) {
  tasks::TaskSubscriptions events;
  auto sink = std::make_shared<CountingSink>();
  events.subscribe("a", "t1", sink);
  events.close();
  events.on_task_event({TaskEvent::Kind::Progress, "a", "t1", 10});
  EXPECT_TRUE(sink->events.empty());
}

TEST_F(SessionTest, ResultsWaitForTheAcknowledgementThenComeOneFramePerResult) {
  auto session = attached_session();
  const auto task = running(2);
  session->track(task, false);
  finish(task);  // finished before the acknowledgement went out
  EXPECT_TRUE(connection->sent().empty());
  session->reply(ack(task), connection);
  const auto frames = connection->sent();
  ASSERT_EQ(frames.size(), 3u);
  EXPECT_EQ(status_of(frames[0]), "ack");
  EXPECT_EQ(status_of(frames[1]), "success");
  EXPECT_EQ(status_of(frames[2]), "success");
  EXPECT_NE(frames[1].at("data").as_array()[0].at("videoUUID"),
            frames[2].at("data").as_array()[0].at("videoUUID"));
  EXPECT_EQ(session->tracked(), 0u);
  events.on_task_event({TaskEvent::Kind::Finished, kOwner, task.task_uuid, 100});  // again: nothing more
  EXPECT_EQ(connection->sent().size(), 3u);
}

TEST_F(SessionTest, ProgressIsPushedOnlyAfterTheAcknowledgementAndNotForSynchronousTasks) {
  auto session = attached_session();
  const auto video = running(1);
  const auto image = running(1);
  session->track(video, false);
  session->track(image, /*push_only=*/true);
  events.on_task_event({TaskEvent::Kind::Progress, kOwner, video.task_uuid, 10});
  EXPECT_TRUE(connection->sent().empty());
  session->reply(ack(video), connection);
  events.on_task_event({TaskEvent::Kind::Progress, kOwner, video.task_uuid, 40});
  events.on_task_event({TaskEvent::Kind::Progress, kOwner, image.task_uuid, 40});
  const auto frames = connection->sent();
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_EQ(status_of(frames[1]), "processing");
  EXPECT_EQ(frames[1].at("data").as_array()[0].at("progress"), 40);
  finish(image);  // push-only: its result comes without any acknowledgement
  EXPECT_EQ(status_of(connection->sent().back()), "success");
}

TEST_F(SessionTest, ATaskThatFinishedBeforeTrackingIsStillDelivered) {
  auto session = attached_session();
  const auto task = running(1);
  EXPECT_TRUE(world.tasks.complete(store::claim_of(task)));  // no event: it happened before track()
  session->track(task, false);
  session->reply(ack(task), connection);
  EXPECT_EQ(connection->sent().size(), 2u);
}

TEST_F(SessionTest, ResultsFinishedWhileDetachedAreDeliveredOnceOnAttach) {
  auto session = attached_session();
  const auto task = running(1);
  session->track(task, false);
  session->reply(ack(task), connection);
  session->detach(connection.get(), world.clock.now_ms());
  finish(task);
  EXPECT_EQ(connection->sent().size(), 1u);
  auto second = std::make_shared<FakeConnection>();
  session->attach(second);
  ASSERT_EQ(second->sent().size(), 1u);
  EXPECT_EQ(status_of(second->sent()[0]), "success");
  auto third = std::make_shared<FakeConnection>();
  session->attach(third);
  EXPECT_TRUE(third->sent().empty());
}

TEST_F(SessionTest, DetachOfAReplacedConnectionKeepsTheNewOne) {
  auto session = attached_session();
  auto newer = std::make_shared<FakeConnection>();
  session->attach(newer);
  session->detach(connection.get(), world.clock.now_ms());  // the old socket closes late
  EXPECT_EQ(session->detached_since_ms(), 0);
}

TEST_F(SessionTest, DirectoryResumesOnlyTheSameKeyWithinTheWindow) {
  SessionDirectory directory(service, events, SessionLimits{.resume_window_ms = 120'000});
  auto a = directory.open("key-a", "");
  a->detach(nullptr, world.clock.now_ms());
  EXPECT_NE(directory.open("key-b", a->uuid())->uuid(), a->uuid());
  EXPECT_EQ(directory.open("key-a", a->uuid()), a);
  EXPECT_NE(directory.open("key-a", "no-such-session")->uuid(), a->uuid());
  a->detach(nullptr, world.clock.now_ms());
  world.clock.advance_ms(120'001);
  EXPECT_NE(directory.open("key-a", a->uuid())->uuid(), a->uuid());
}

TEST_F(SessionTest, DirectoryKeepsABoundedNumberOfDetachedSessionsPerKey) {
  SessionDirectory directory(service, events, SessionLimits{.max_sessions_per_owner = 3});
  std::vector<std::string> uuids;
  for (int i = 0; i < 10; ++i) {
    auto s = directory.open("key-a", "");
    uuids.push_back(s->uuid());
    s->detach(nullptr, world.clock.now_ms() + i);
  }
  directory.open("key-b", "")->detach(nullptr, world.clock.now_ms());
  directory.sweep();
  EXPECT_EQ(directory.size(), 4u);  // key-a's 3 newest, and key-b's
  EXPECT_EQ(directory.open("key-a", uuids.back())->uuid(), uuids.back());
  EXPECT_NE(directory.open("key-a", uuids.front())->uuid(), uuids.front());
}

TEST_F(SessionTest, ResumingAnAttachedSessionClosesTheOlderConnection) {
  auto session = attached_session();
  auto newer = std::make_shared<FakeConnection>();
  session->attach(newer);
  EXPECT_EQ(connection->closes, 1);
  EXPECT_EQ(newer->closes, 0);
}

TEST(FramesByTask, OneFramePerTaskUuid) {
  Envelope out;
  out.data.push_back(json::object{{"taskType", "ping"}, {"pong", true}});
  out.data.push_back(json::object{{"taskUUID", "u1"}, {"status", "success"}});
  out.error(400, "bad", "bad", "videoInference", "u2");
  out.data.push_back(json::object{{"taskUUID", "u1"}, {"status", "processing"}});
  const auto frames = frames_by_task(out);
  ASSERT_EQ(frames.size(), 3u);
  EXPECT_EQ(json::parse(frames[1]).at("data").as_array().size(), 2u);
  EXPECT_TRUE(json::parse(frames[2]).as_object().contains("errors"));
  EXPECT_TRUE(frames_by_task(Envelope{}).empty());  // e.g. a synchronous imageInference alone
}

}  // namespace
}  // namespace vidserve::api::runware
