// The webhook delivery loop over the store's outbox, driven one pass at a time (deliver_due) with
// a FakeClock and a scripted sender: order, signatures, backoff with jitter, the retry period,
// 410, refused URLs, and a restart that resumes from the stored rows.
#include "api/webhooks/webhook_notifier.hpp"

#include <gtest/gtest.h>

#include <deque>
#include <set>
#include <string>
#include <vector>

#include "api/webhooks/webhook_payloads.hpp"
#include "api/webhooks/webhook_signature.hpp"
#include "store/sqlite_task_store.hpp"
#include "store_test_support.hpp"
#include "webhook_test_support.hpp"

namespace vidserve::api::webhooks {
namespace {

using namespace std::chrono_literals;
using testing::World;

constexpr const char* kSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

struct Sent {
  std::string url, body;
  fetch::Headers headers;
  std::string header(const std::string& name) const {
    for (const auto& [k, v] : headers) {
      if (k == name) return v;
    }
    return "";
  }
};

// Answers from a script (then `otherwise`), recording every request.
struct ScriptedSender {
  std::deque<Result<int>> script;
  Result<int> otherwise = 200;
  std::vector<Sent> sent;
  Sender sender() {
    return [this](const std::string& url, const std::string& body, const fetch::Headers& headers,
                  std::chrono::milliseconds) {
      sent.push_back({url, body, headers});
      if (script.empty()) return otherwise;
      auto next = script.front();
      script.pop_front();
      return next;
    };
  }
};

struct Harness {
  World w;
  ScriptedSender receiver;
  double u = 0.0;  // the jitter's draw
  WebhookOptions options;
  std::unique_ptr<WebhookNotifier> notifier;

  explicit Harness(WebhookOptions o = {}) : options(o) { make(); }
  void make() {
    NotifierDeps deps{w.tasks,
                      w.tasks,
                      [this](const store::TaskRecord& r, std::string_view event) {
                        return webhook_bodies(*w.context, r, event);
                      },
                      receiver.sender(),
                      [](const std::string& owner) -> Result<std::string> {
                        return owner == testing::kOwner ? std::string(kSecret) : std::string();
                      },
                      &w.clock,
                      [this] { return u; }};
    notifier = std::make_unique<WebhookNotifier>(std::move(deps), options);
  }
  // A task through the Kling or Runware front-end with a webhook, run to success.
  store::TaskRecord run(const std::string& api, const std::string& url = "http://hooks.test/a",
                        int results = 1) {
    auto t = testing::hooked_task(api, url);
    for (int i = 0; i < results; ++i)
      t.results.push_back({i, uuid::generate_v4(), "processing", ""});
    EXPECT_TRUE(w.tasks.enqueue(t));
    auto claimed = w.tasks.claim_next("w1", 60000);
    EXPECT_TRUE(claimed && *claimed);
    const auto claim = store::claim_of(**claimed);
    for (int i = 0; i < results; ++i) {
      core::ResultPayload p;
      p.content_type = "video/mp4";
      p.duration_s = 5;
      EXPECT_TRUE(w.tasks.put_result(claim, {i, t.results[static_cast<std::size_t>(i)].media_uuid,
                                             "success", core::encode(p)}));
    }
    EXPECT_TRUE(w.tasks.complete(claim));
    return w.tasks.get(testing::kOwner, t.task_uuid).value();
  }
  std::int64_t backlog() { return w.tasks.outbox_backlog().value(); }
  // Passes until nothing is pending, moving the clock to each next due time; the passes made.
  int drain(int max_passes = 1000) {
    int passes = 0;
    while (backlog() > 0 && passes++ < max_passes) {
      const auto next = w.tasks.next_due().value();
      if (next && *next > w.clock.now_ms()) w.clock.advance_ms(*next - w.clock.now_ms());
      notifier->deliver_due();
    }
    return passes;
  }
};

TEST(WebhookSignature, MatchesTheStandardWebhooksVector) {
  // The vector of the standardwebhooks libraries' tests, also computed with Python's hmac module.
  auto signature = webhook_signature(kSecret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330,
                                     R"({"test": 2432232314})");
  ASSERT_TRUE(signature) << signature.error().message;
  EXPECT_EQ(*signature, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
  EXPECT_NE(*webhook_signature(kSecret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330,
                               R"({"test": 2432232315})"),
            *signature);
}

TEST(WebhookSignature, RefusesMalformedSecretsWithoutRepeatingThem) {
  for (const char* bad :
       {"", "whsec_", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_!!!not-base64!!!"}) {
    auto checked = check_webhook_secret(bad);
    ASSERT_FALSE(checked) << bad;
    EXPECT_EQ(checked.error().code, "invalidWebhookSecret");
    if (std::string_view(bad).size() > 6) {
      EXPECT_EQ(checked.error().message.find(bad), std::string::npos);
    }
  }
  EXPECT_TRUE(check_webhook_secret(kSecret));
}

TEST(WebhookBackoff, DoublesWithJitterUpToTheCap) {
  WebhookOptions o;
  o.first_backoff = 1000ms;
  o.max_backoff = 10000ms;
  o.jitter = 0.5;
  EXPECT_EQ(WebhookNotifier::backoff(o, 1, 0.0), 1000ms);
  EXPECT_EQ(WebhookNotifier::backoff(o, 2, 0.0), 2000ms);
  EXPECT_EQ(WebhookNotifier::backoff(o, 3, 0.0), 4000ms);
  EXPECT_EQ(WebhookNotifier::backoff(o, 4, 0.0), 8000ms);
  EXPECT_EQ(WebhookNotifier::backoff(o, 5, 0.0), 10000ms);    // capped
  EXPECT_EQ(WebhookNotifier::backoff(o, 500, 0.0), 10000ms);  // no overflow
  // The jitter takes off up to half: every draw lands in [d/2, d].
  for (double u : {0.0, 0.25, 0.5, 0.999999}) {
    const auto d = WebhookNotifier::backoff(o, 3, u);
    EXPECT_GE(d, 2000ms) << u;
    EXPECT_LE(d, 4000ms) << u;
  }
  EXPECT_EQ(WebhookNotifier::backoff(o, 3, 0.5), 3000ms);
}

TEST(WebhookNotifier, KlingTaskGetsSubmittedProcessingAndFinalInOrderSigned) {
  Harness h;
  const auto t = h.run("kling:text2video");
  h.notifier->deliver_due();
  ASSERT_EQ(h.receiver.sent.size(), 3u);
  std::vector<std::string> statuses;
  std::set<std::string> ids;
  for (const auto& s : h.receiver.sent) {
    EXPECT_EQ(s.url, "http://hooks.test/a");
    statuses.push_back(testing::text(boost::json::parse(s.body).at("task_status")));
    ids.insert(s.header("webhook-id"));
    const auto ts = s.header("webhook-timestamp");
    EXPECT_EQ(ts, std::to_string(h.w.clock.now_ms() / 1000));
    EXPECT_EQ(s.header("webhook-signature"),
              *webhook_signature(kSecret, s.header("webhook-id"), std::stoll(ts), s.body));
  }
  EXPECT_EQ(statuses, (std::vector<std::string>{"submitted", "processing", "succeed"}));
  EXPECT_EQ(ids.size(), 3u);
  EXPECT_EQ(h.backlog(), 0);
  EXPECT_EQ(h.notifier->counts().delivered, 3u);
  EXPECT_EQ(t.webhook_url, "http://hooks.test/a");
}

TEST(WebhookNotifier, RunwareSendsOneMessagePerResult) {
  Harness h;
  h.run("runware", "http://hooks.test/r", 2);
  h.notifier->deliver_due();  // renders into two messages; the second is sent on the next pass
  h.drain();
  ASSERT_EQ(h.receiver.sent.size(), 2u);
  const auto first = h.receiver.sent[0].header("webhook-id");
  EXPECT_EQ(h.receiver.sent[1].header("webhook-id"), first + "_1");
  EXPECT_NE(h.receiver.sent[0].body, h.receiver.sent[1].body);
  EXPECT_TRUE(boost::json::parse(h.receiver.sent[1].body).as_object().contains("data"));
}

TEST(WebhookNotifier, RetriesTheSameBytesUnderTheSameIdWithBackoff) {
  WebhookOptions o;
  o.first_backoff = 1000ms;
  Harness h(o);
  h.u = 0.0;  // no jitter taken off
  h.receiver.script = {503, Error{"fetchNetwork", "connection refused"}};
  h.run("runware");
  h.notifier->deliver_due();
  ASSERT_EQ(h.receiver.sent.size(), 1u);
  h.w.clock.advance_ms(999);
  h.notifier->deliver_due();
  EXPECT_EQ(h.receiver.sent.size(), 1u);  // not due yet
  h.w.clock.advance_ms(1);
  h.notifier->deliver_due();
  ASSERT_EQ(h.receiver.sent.size(), 2u);
  h.w.clock.advance_ms(1999);
  h.notifier->deliver_due();
  EXPECT_EQ(h.receiver.sent.size(), 2u);  // the second wait is twice as long
  h.w.clock.advance_ms(1);
  h.notifier->deliver_due();
  ASSERT_EQ(h.receiver.sent.size(), 3u);
  for (const auto& s : h.receiver.sent) {
    EXPECT_EQ(s.body, h.receiver.sent[0].body);
    EXPECT_EQ(s.header("webhook-id"), h.receiver.sent[0].header("webhook-id"));
  }
  EXPECT_NE(h.receiver.sent[2].header("webhook-timestamp"),
            h.receiver.sent[0].header("webhook-timestamp"));
  EXPECT_EQ(h.backlog(), 0);
  EXPECT_EQ(h.notifier->counts().retried, 2u);
}

TEST(WebhookNotifier, GivesUpOnceTheRetryPeriodIsOver) {
  Harness h;  // defaults: 24 h, first wait 5 s, at most 1 h apart
  h.u = 0.3;
  h.receiver.otherwise = 500;
  const auto t = h.run("runware");
  const auto start = h.w.clock.now_ms();
  h.drain();
  EXPECT_EQ(h.backlog(), 0);
  const auto attempts = h.receiver.sent.size();
  // 5 s doubling to 1 h, then hourly: about 12 attempts to reach the hour, then ~23 more.
  EXPECT_GT(attempts, 20u);
  EXPECT_LT(attempts, 60u);
  EXPECT_GE(h.w.clock.now_ms() - start, 22 * 3600 * 1000LL);  // retried for (almost) the whole day
  EXPECT_LE(h.w.clock.now_ms() - start, 24 * 3600 * 1000LL);  // and never after it
  EXPECT_EQ(h.notifier->counts().given_up, 1u);
  auto due = h.w.tasks.due_messages(h.w.clock.now_ms() + 48 * 3600 * 1000LL, 10, 0).value();
  EXPECT_TRUE(due.empty());
  (void)t;
}

TEST(WebhookNotifier, GoneStopsEveryAttemptToThatUrl) {
  Harness h;
  h.receiver.script = {410};
  h.run("runware", "http://gone.test/x");
  h.run("runware", "http://gone.test/x");
  h.run("runware", "http://other.test/y");
  h.notifier->deliver_due();
  h.drain();
  ASSERT_EQ(h.receiver.sent.size(), 2u);  // the 410, then the other URL; never gone.test again
  EXPECT_EQ(h.receiver.sent[0].url, "http://gone.test/x");
  EXPECT_EQ(h.receiver.sent[1].url, "http://other.test/y");
  EXPECT_EQ(h.notifier->counts().given_up, 2u);
  EXPECT_EQ(h.notifier->counts().delivered, 1u);
}

TEST(WebhookNotifier, ARefusedAddressIsNotRetried) {
  Harness h;
  h.receiver.script = {Error{"addressRefused", "10.0.0.1 is a private address"}};
  h.run("runware");
  h.notifier->deliver_due();
  h.drain();
  EXPECT_EQ(h.receiver.sent.size(), 1u);
  EXPECT_EQ(h.notifier->counts().given_up, 1u);
}

TEST(WebhookNotifier, OwnersWithoutASecretGetUnsignedDeliveries) {
  Harness h;
  const auto t = testing::hooked_task("runware", "http://hooks.test/u", "someone-else");
  ASSERT_TRUE(h.w.tasks.enqueue(t));
  ASSERT_TRUE(h.w.tasks.cancel("someone-else", t.task_uuid));
  h.notifier->deliver_due();
  ASSERT_EQ(h.receiver.sent.size(), 1u);
  EXPECT_FALSE(h.receiver.sent[0].header("webhook-id").empty());
  EXPECT_EQ(h.receiver.sent[0].header("webhook-signature"), "");
}

// A restart: a new notifier over a reopened SQLite store sends what the old one left pending,
// with the same id and bytes, when it is due.
TEST(WebhookNotifier, ResumesFromTheStoredRowsAfterARestart) {
  store::testing::TempDir dir;
  FakeClock clock;
  ScriptedSender receiver;
  receiver.script = {503};
  WebhookOptions o;
  o.first_backoff = 60000ms;
  auto make = [&](store::SqliteTaskStore& s) {
    return std::make_unique<WebhookNotifier>(
        NotifierDeps{s, s,
                     [](const store::TaskRecord& r,
                        std::string_view event) -> Result<std::vector<std::string>> {
                       return std::vector<std::string>{r.task_uuid + ":" + std::string(event)};
                     },
                     receiver.sender(), nullptr, &clock, [] { return 0.0; }},
        o);
  };
  {
    auto s = store::SqliteTaskStore::open(dir.file("t.db"), clock).value();
    store::TaskRecord t;
    t.task_uuid = "task-1";
    t.owner = "o";
    t.task_type = "videoInference";
    t.model = "m";
    t.request = "r";
    t.webhook_url = "http://hooks.test/z";
    t.webhook_events = store::kWebhookFinal;
    ASSERT_TRUE(s->enqueue(t));
    ASSERT_TRUE(s->cancel("o", "task-1"));
    make(*s)->deliver_due();
    ASSERT_EQ(receiver.sent.size(), 1u);
  }
  auto s = store::SqliteTaskStore::open(dir.file("t.db"), clock).value();
  auto notifier = make(*s);
  notifier->deliver_due();
  EXPECT_EQ(receiver.sent.size(), 1u);  // its retry is not due yet
  clock.advance_ms(60000);
  notifier->deliver_due();
  ASSERT_EQ(receiver.sent.size(), 2u);
  EXPECT_EQ(receiver.sent[1].body, "task-1:final");
  EXPECT_EQ(receiver.sent[1].header("webhook-id"), receiver.sent[0].header("webhook-id"));
  EXPECT_EQ(s->outbox_backlog().value(), 0);
}

TEST(WebhookNotifier, SettledRowsArePrunedAfterAWeek) {
  Harness h;
  h.run("runware");
  h.notifier->deliver_due();
  const auto id = h.receiver.sent.at(0).header("webhook-id");
  EXPECT_TRUE(h.w.tasks.outbox_message(id));  // kept for a while after delivery
  h.w.clock.advance_ms(8 * 24 * 3600 * 1000LL);
  h.notifier->deliver_due();
  EXPECT_FALSE(h.w.tasks.outbox_message(id));
}

// The thread: start() sends what is due without being told, and stop() leaves the rest stored.
TEST(WebhookNotifier, StartSendsWhatIsDueAndStopKeepsTheRest) {
  Harness h;
  h.run("runware");
  h.notifier->start();
  for (int i = 0; i < 500 && h.backlog() > 0; ++i) std::this_thread::sleep_for(10ms);
  h.notifier->stop();
  EXPECT_EQ(h.backlog(), 0);
  EXPECT_EQ(h.receiver.sent.size(), 1u);
}

}  // namespace
}  // namespace vidserve::api::webhooks
