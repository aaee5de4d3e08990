// The delivery thread with a scripted sender and a FakeClock: retries and their backoff, what is
// not retried, one receiver's retries not holding up another's webhook, shutdown, and faults in
// the sender or formatter that must neither crash nor lose the task.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <deque>
#include <future>
#include <map>
#include <stdexcept>
#include <thread>
#include <utility>

#include "api/webhooks/webhook_notifier.hpp"
#include "api/webhooks/webhook_payloads.hpp"
#include "core/task_spec.hpp"
#include "webhook_test_support.hpp"

namespace vidserve::api::webhooks {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;
using testing::World;

// What a worker publishes when it finished `task`.
void finished(WebhookNotifier& notifier, const store::TaskRecord& task) {
  notifier.on_task_event(
      {store::TaskEvent::Kind::Finished, task.owner, task.task_uuid, 100, core::may_name_webhook(task.request)});
}

struct Sent {
  std::string url, body;
  std::chrono::milliseconds timeout;
};

// Answers each POST with the next scripted outcome (the last one repeats) and records it. Every
// field is touched by the delivery thread only while the test waits in wait_idle() or stop(),
// whose lock orders those accesses.
struct FakeReceiver {
  std::deque<Result<int>> script{Result<int>(200)};
  std::map<std::string, std::deque<Result<int>>> per_url;  // overrides `script` for a URL
  std::vector<Sent> sent;
  std::function<void()> before_first_send;  // e.g. hold the delivery thread while the test acts

  Sender sender() {
    return [this](const std::string& url, const std::string& body, std::chrono::milliseconds timeout) {
      if (before_first_send) std::exchange(before_first_send, nullptr)();
      sent.push_back({url, body, timeout});
      auto& queue = per_url.count(url) ? per_url[url] : script;
      auto outcome = queue.front();
      if (queue.size() > 1) queue.pop_front();
      return outcome;
    };
  }
};

Result<int> network_error() { return Error{"fetchFailed", "connection refused"}; }

struct Harness {
  World world;
  FakeReceiver receiver;
  std::vector<std::chrono::milliseconds> waits;  // what the delivery thread waited for
  WebhookOptions options;
  std::unique_ptr<WebhookNotifier> notifier;

  // `real_wait`: use the delivery loop's own wait (cut short by stop) instead of advancing the clock.
  void start(bool real_wait = false) {
    NotifierDeps deps{world.tasks,
                      [this](const store::TaskRecord& r) { return webhook_bodies(*world.context, r); },
                      receiver.sender(), &world.clock};
    if (!real_wait) {
      deps.wait = [this](std::chrono::milliseconds d) {
        waits.push_back(d);
        world.clock.advance_ms(d.count());
      };
    }
    notifier = std::make_unique<WebhookNotifier>(std::move(deps), options);
    notifier->start();
  }
  store::TaskRecord finish(const std::string& webhook = "https://hooks.example/runware", int results = 1) {
    auto t = world.finished("runware", testing::runware_request(webhook), results);
    finished(*notifier, t);
    return t;
  }
};

TEST(WebhookNotifier, PostsEachResultOnceWithTheShortTimeout) {
  Harness h;
  h.options.timeout = 1234ms;
  h.start();
  const auto t = h.finish("https://hooks.example/runware", 2);
  h.notifier->wait_idle();
  ASSERT_EQ(h.receiver.sent.size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(h.receiver.sent[i].url, "https://hooks.example/runware");
    EXPECT_EQ(h.receiver.sent[i].timeout, 1234ms);
    const auto item = json::parse(h.receiver.sent[i].body).at("data").as_array().at(0).as_object();
    EXPECT_EQ(testing::text(item.at("taskUUID")), t.task_uuid);
    EXPECT_EQ(testing::text(item.at("videoUUID")), t.results[i].media_uuid);
  }
  EXPECT_TRUE(h.waits.empty());
  const auto c = h.notifier->counts();
  EXPECT_EQ(c.attempts, 2u);
  EXPECT_EQ(c.delivered, 2u);
  EXPECT_EQ(c.failed, 0u);
}

TEST(WebhookNotifier, KlingTaskGetsItsBareTaskObject) {
  Harness h;
  h.start();
  auto t = h.world.finished("kling:text2video", testing::runware_request("http://cb.example/hook"), 1, "ext-1");
  finished(*h.notifier, t);
  h.notifier->wait_idle();
  ASSERT_EQ(h.receiver.sent.size(), 1u);
  EXPECT_EQ(h.receiver.sent[0].url, "http://cb.example/hook");
  const auto task = json::parse(h.receiver.sent[0].body).as_object();
  EXPECT_EQ(testing::text(task.at("task_id")), t.task_uuid);
  EXPECT_EQ(testing::text(task.at("task_status")), "succeed");
  EXPECT_FALSE(task.at("task_result").at("videos").as_array().at(0).at("url").as_string().empty());
}

TEST(WebhookNotifier, RetriesServerErrorsWithGrowingBackoffUntilAccepted) {
  Harness h;
  h.receiver.script = {Result<int>(500), Result<int>(503), Result<int>(204)};
  h.start();
  h.finish();
  h.notifier->wait_idle();
  EXPECT_EQ(h.receiver.sent.size(), 3u);
  EXPECT_EQ(h.waits, (std::vector<std::chrono::milliseconds>{1000ms, 4000ms}));
  EXPECT_EQ(h.receiver.sent[0].body, h.receiver.sent[2].body);  // the same body each time
  const auto c = h.notifier->counts();
  EXPECT_EQ(c.attempts, 3u);
  EXPECT_EQ(c.delivered, 1u);
  EXPECT_EQ(c.failed, 0u);
}

TEST(WebhookNotifier, RetriesNetworkErrorsTimeoutsAnd429) {
  Harness h;
  h.receiver.script = {network_error(), Result<int>(Error{"fetchTimeout", "no answer within 5 s"}), Result<int>(429)};
  h.options.attempts = 4;
  h.start();
  h.finish();
  h.notifier->wait_idle();
  EXPECT_EQ(h.receiver.sent.size(), 4u);  // the 4th got 429 again and was the last
  EXPECT_EQ(h.waits, (std::vector<std::chrono::milliseconds>{1000ms, 4000ms, 16000ms}));
  EXPECT_EQ(h.notifier->counts().failed, 1u);
}

TEST(WebhookNotifier, GivesUpAfterTheLastAttemptAndTheTaskStaysReadable) {
  Harness h;
  h.receiver.script = {Result<int>(500)};
  h.start();
  const auto t = h.finish();
  h.notifier->wait_idle();
  EXPECT_EQ(h.receiver.sent.size(), 3u);
  EXPECT_EQ(h.waits.size(), 2u);
  const auto c = h.notifier->counts();
  EXPECT_EQ(c.delivered, 0u);
  EXPECT_EQ(c.failed, 1u);
  auto stored = h.world.tasks.get(testing::kOwner, t.task_uuid);
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->status, store::TaskStatus::Success);
  EXPECT_EQ(stored->results, t.results);
}

TEST(WebhookNotifier, DoesNotRetryWhatCannotChange) {
  for (auto outcome : {Result<int>(404), Result<int>(400), Result<int>(301),
                       Result<int>(Error{"addressRefused", "127.0.0.1 is loopback"}),
                       Result<int>(Error{"invalidUrl", "bad"})}) {
    Harness h;
    h.receiver.script = {outcome};
    h.start();
    h.finish();
    h.notifier->wait_idle();
    EXPECT_EQ(h.receiver.sent.size(), 1u);
    EXPECT_TRUE(h.waits.empty());
    EXPECT_EQ(h.notifier->counts().failed, 1u);
  }
}

TEST(WebhookNotifier, ARetryingReceiverDoesNotHoldUpAnotherTasksWebhook) {
  Harness h;
  h.receiver.per_url["https://down.example/"] = {Result<int>(500)};
  std::promise<void> in_flight, release;
  h.receiver.before_first_send = [&] {
    in_flight.set_value();
    release.get_future().wait();
  };
  h.start();
  // The second task finishes while the first one's first POST is in flight: its single POST must
  // come before the first one's retries.
  h.finish("https://down.example/");
  in_flight.get_future().wait();
  h.finish("https://up.example/");
  release.set_value();
  h.notifier->wait_idle();
  std::vector<std::string> urls;
  for (const auto& s : h.receiver.sent) urls.push_back(s.url);
  EXPECT_EQ(urls, (std::vector<std::string>{"https://down.example/", "https://up.example/", "https://down.example/",
                                            "https://down.example/"}));
  const auto c = h.notifier->counts();
  EXPECT_EQ(c.delivered, 1u);
  EXPECT_EQ(c.failed, 1u);
}

TEST(WebhookNotifier, TasksWithoutWebhookSendNothing) {
  Harness h;
  h.start();
  h.finish("");
  h.notifier->wait_idle();
  EXPECT_TRUE(h.receiver.sent.empty());
  EXPECT_EQ(h.notifier->counts().attempts, 0u);
}

TEST(WebhookNotifier, FailedTaskSendsItsError) {
  Harness h;
  h.start();
  auto t = h.world.finished("runware", testing::runware_request(), 0);
  finished(*h.notifier, t);
  h.notifier->wait_idle();
  ASSERT_EQ(h.receiver.sent.size(), 1u);
  const auto error = json::parse(h.receiver.sent[0].body).at("errors").as_array().at(0).as_object();
  EXPECT_EQ(testing::text(error.at("taskUUID")), t.task_uuid);
  EXPECT_EQ(testing::text(error.at("status")), "error");
}

TEST(WebhookNotifier, UnfinishedOrUnreadableTasksSendNothing) {
  Harness h;
  h.start();
  // A worker that lost its lease reports a task that is still processing.
  store::TaskRecord running;
  running.task_uuid = uuid::generate_v4();
  running.owner = testing::kOwner;
  running.task_type = "videoInference";
  running.request = testing::runware_request();
  ASSERT_TRUE(h.world.tasks.enqueue(running));
  ASSERT_TRUE(h.world.tasks.claim_next("w0", 60000));  // processing, so not claimed again below
  finished(*h.notifier, running);
  // Another owner's uuid cannot be read under this owner.
  auto other = h.world.finished("runware", testing::runware_request(), 1);
  other.owner = "owner-b";
  finished(*h.notifier, other);
  h.notifier->wait_idle();
  EXPECT_TRUE(h.receiver.sent.empty());
}

// Only Finished events of tasks that may have a webhook are read back; progress is not a finish.
TEST(WebhookNotifier, ProgressAndTasksWithoutAWebhookAreNotQueued) {
  Harness h;
  h.start();
  const auto t = h.world.finished("runware", testing::runware_request(), 1);
  h.notifier->on_task_event({store::TaskEvent::Kind::Progress, t.owner, t.task_uuid, 50, true});
  h.notifier->on_task_event({store::TaskEvent::Kind::Finished, t.owner, t.task_uuid, 100, false});
  h.notifier->wait_idle();
  EXPECT_TRUE(h.receiver.sent.empty());
  h.notifier->on_task_event({store::TaskEvent::Kind::Finished, t.owner, t.task_uuid, 100, true});
  h.notifier->wait_idle();
  EXPECT_EQ(h.receiver.sent.size(), 1u);
}

TEST(WebhookNotifier, SenderOrFormatterFaultsNeitherCrashNorStopLaterWebhooks) {
  World world;
  int calls = 0;
  std::vector<std::string> sent;
  NotifierDeps deps{world.tasks,
                    [&world](const store::TaskRecord& r) -> Result<std::vector<std::string>> {
                      const auto url = webhook_url(r);
                      if (url.find("bad-format") != std::string::npos) return Error{"noWebhookShape", "no shape"};
                      if (url.find("throwing-format") != std::string::npos) throw std::runtime_error("formatter blew up");
                      return webhook_bodies(*world.context, r);
                    },
                    [&](const std::string& url, const std::string&, std::chrono::milliseconds) -> Result<int> {
                      if (++calls == 1) throw std::runtime_error("sender blew up");
                      sent.push_back(url);
                      return 200;
                    },
                    &world.clock};
  WebhookNotifier notifier(std::move(deps));
  notifier.start();
  for (const char* url : {"https://throwing-send.example/", "https://bad-format.example/",
                          "https://throwing-format.example/", "https://fine.example/"}) {
    finished(notifier, world.finished("runware", testing::runware_request(url), 1));
  }
  notifier.wait_idle();
  EXPECT_EQ(sent, (std::vector<std::string>{"https://fine.example/"}));
  EXPECT_EQ(notifier.counts().failed, 1u);
  EXPECT_EQ(notifier.counts().delivered, 1u);
}

TEST(WebhookNotifier, StopGivesQueuedRetriesOneLastAttempt) {
  Harness h;
  h.receiver.script = {Result<int>(500), Result<int>(200)};
  h.options.first_backoff = 10min;  // the real wait would outlast the test
  h.start(/*real_wait=*/true);
  h.finish();
  for (int i = 0; i < 500 && h.notifier->counts().attempts < 1; ++i) std::this_thread::sleep_for(10ms);
  ASSERT_EQ(h.notifier->counts().attempts, 1u);
  const auto started = std::chrono::steady_clock::now();
  h.notifier->stop();
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
  EXPECT_EQ(h.receiver.sent.size(), 2u);
  const auto c = h.notifier->counts();
  EXPECT_EQ(c.delivered, 1u);
  EXPECT_EQ(c.dropped, 0u);
}

TEST(WebhookNotifier, StopWithoutGraceDropsAndCountsWhatIsLeft) {
  Harness h;
  h.receiver.script = {Result<int>(500)};
  h.options.first_backoff = 10min;
  h.options.stop_grace = 0ms;
  h.start(/*real_wait=*/true);
  h.finish();
  for (int i = 0; i < 500 && h.notifier->counts().attempts < 1; ++i) std::this_thread::sleep_for(10ms);
  h.notifier->stop();
  EXPECT_EQ(h.receiver.sent.size(), 1u);
  EXPECT_EQ(h.notifier->counts().dropped, 1u);
  finished(*h.notifier, h.world.finished("runware", testing::runware_request(), 1));  // after stop: dropped, logged
  EXPECT_EQ(h.notifier->counts().dropped, 2u);
}

TEST(WebhookNotifier, AFullQueueDropsNewWebhooks) {
  World world;
  std::promise<void> in_flight, release;
  auto released = release.get_future().share();
  bool first = true;
  NotifierDeps deps{world.tasks, [&world](const store::TaskRecord& r) { return webhook_bodies(*world.context, r); },
                    [&](const std::string&, const std::string&, std::chrono::milliseconds) -> Result<int> {
                      if (first) {
                        first = false;
                        in_flight.set_value();
                        released.wait();
                      }
                      return 200;
                    },
                    &world.clock};
  WebhookOptions options;
  options.max_queued = 2;
  WebhookNotifier notifier(std::move(deps), options);
  notifier.start();
  finished(notifier, world.finished("runware", testing::runware_request(), 1));
  in_flight.get_future().wait();  // the first POST holds the thread; the queue is empty
  for (int i = 0; i < 3; ++i) finished(notifier, world.finished("runware", testing::runware_request(), 1));
  EXPECT_EQ(notifier.counts().dropped, 1u);
  release.set_value();
  notifier.wait_idle();
  EXPECT_EQ(notifier.counts().delivered, 3u);
}

}  // namespace
}  // namespace vidserve::api::webhooks
