// The WebhookOutbox contract, run against every TaskStore implementation (the in-memory fake,
// SQLite on a file and SQLite ":memory:"): which task transitions add a row, in the same
// transaction, and what the delivery loop can do with a row.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "task_store_contract.hpp"

namespace vidserve::store {
namespace {

using testing::ImplNames;
using testing::Impls;

template <class Impl>
class WebhookOutboxContract : public testing::TaskStoreContract<Impl> {
 protected:
  WebhookOutbox& outbox() { return dynamic_cast<WebhookOutbox&>(*this->store); }

  void enqueue_hooked(const std::string& uuid, unsigned events,
                      const std::string& url = "http://h/hook") {
    auto t = this->task(uuid);
    t.webhook_url = url;
    t.webhook_events = events;
    auto r = this->store->enqueue(t);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->webhook_url, url);
  }

  std::vector<OutboxMessage> due(std::size_t limit = 100) {
    auto r = outbox().due_messages(this->clock.now_ms(), limit);
    EXPECT_TRUE(r.ok()) << r.error().message;
    return r.ok() ? *r : std::vector<OutboxMessage>{};
  }

  std::vector<std::string> due_events() {
    std::vector<std::string> out;
    for (const auto& m : due()) out.push_back(m.task_uuid + ":" + m.event);
    return out;
  }

  std::int64_t backlog() { return outbox().outbox_backlog().value(); }
};

TYPED_TEST_SUITE(WebhookOutboxContract, Impls, ImplNames);

constexpr unsigned kAll = kWebhookSubmitted | kWebhookProcessing | kWebhookFinal;

TYPED_TEST(WebhookOutboxContract, TaskWithoutWebhookAddsNothing) {
  this->enqueue("t1");
  auto c = this->claim();
  ASSERT_TRUE(c);
  ASSERT_TRUE(this->store->complete(claim_of(*c)).ok());
  EXPECT_TRUE(this->due().empty());
  EXPECT_EQ(this->backlog(), 0);
  EXPECT_FALSE(this->outbox().next_due().value().has_value());
}

TYPED_TEST(WebhookOutboxContract, WebhookFieldsRoundTrip) {
  this->enqueue_hooked("t1", kAll, "https://example.test/cb?token=x");
  const auto t = this->get("t1");
  EXPECT_EQ(t.webhook_url, "https://example.test/cb?token=x");
  EXPECT_EQ(t.webhook_events, kAll);
}

TYPED_TEST(WebhookOutboxContract, EveryWantedEventAddsOneRowInOrder) {
  this->enqueue_hooked("t1", kAll);
  EXPECT_EQ(this->due_events(), (std::vector<std::string>{"t1:submitted"}));
  this->clock.advance_ms(10);
  auto c = this->claim();
  ASSERT_TRUE(c);
  this->clock.advance_ms(10);
  ASSERT_TRUE(this->store->complete(claim_of(*c)).ok());
  EXPECT_EQ(this->due_events(),
            (std::vector<std::string>{"t1:submitted", "t1:processing", "t1:final"}));
  const auto rows = this->due();
  EXPECT_EQ(rows[0].owner, "key_a");
  EXPECT_EQ(rows[0].task_key, this->get("t1").key);
  EXPECT_EQ(rows[0].url, "http://h/hook");
  EXPECT_EQ(rows[0].id.rfind("msg_", 0), 0u);
  EXPECT_NE(rows[0].id, rows[1].id);
  EXPECT_EQ(rows[2].created_ms, this->clock.now_ms());
  EXPECT_EQ(rows[2].due_ms, this->clock.now_ms());
  EXPECT_EQ(rows[2].attempts, 0);
  EXPECT_FALSE(rows[2].rendered);
  EXPECT_EQ(this->backlog(), 3);
}

TYPED_TEST(WebhookOutboxContract, OnlyTheFinalStateWhenThatIsAllItWants) {
  this->enqueue_hooked("t1", kWebhookFinal);
  auto c = this->claim();
  ASSERT_TRUE(c);
  ASSERT_TRUE(this->store->fail(claim_of(*c), "boom", "it broke").ok());
  EXPECT_EQ(this->due_events(), (std::vector<std::string>{"t1:final"}));
}

TYPED_TEST(WebhookOutboxContract, ProcessingOnlyOnTheFirstClaim) {
  this->enqueue_hooked("t1", kWebhookProcessing);
  auto first = this->claim("w1", 1000);
  ASSERT_TRUE(first);
  this->clock.advance_ms(2000);  // the lease expires: claimed again
  auto second = this->claim("w2", 1000);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->attempts, 2);
  EXPECT_EQ(this->due_events(), (std::vector<std::string>{"t1:processing"}));
}

TYPED_TEST(WebhookOutboxContract, CancelAddsTheFinalRowOnce) {
  this->enqueue_hooked("t1", kWebhookFinal);
  ASSERT_TRUE(this->store->cancel("key_a", "t1").ok());
  ASSERT_TRUE(this->store->cancel("key_a", "t1").ok());  // idempotent: no second row
  EXPECT_EQ(this->due_events(), (std::vector<std::string>{"t1:final"}));
}

TYPED_TEST(WebhookOutboxContract, ARefusedTransitionAddsNothing) {
  this->enqueue_hooked("t1", kWebhookFinal);
  auto c = this->claim();
  ASSERT_TRUE(c);
  ASSERT_TRUE(this->store->complete(claim_of(*c)).ok());
  EXPECT_FALSE(this->store->cancel("key_a", "t1").ok());   // invalidState after success
  EXPECT_FALSE(this->store->complete(claim_of(*c)).ok());  // finished already
  EXPECT_EQ(this->due().size(), 1u);
}

TYPED_TEST(WebhookOutboxContract, DueOrderAndLimit) {
  this->enqueue_hooked("a", kWebhookSubmitted);
  this->clock.advance_ms(5);
  this->enqueue_hooked("b", kWebhookSubmitted);
  this->clock.advance_ms(5);
  this->enqueue_hooked("c", kWebhookSubmitted);
  auto rows = this->due();
  ASSERT_EQ(rows.size(), 3u);
  // a is put back later than c: it now comes last.
  ASSERT_TRUE(this->outbox().reschedule(rows[0].id, this->clock.now_ms() + 1, "HTTP 503").ok());
  EXPECT_EQ(this->due_events(), (std::vector<std::string>{"b:submitted", "c:submitted"}));
  EXPECT_EQ(this->outbox().next_due().value(), std::optional<std::int64_t>(rows[1].due_ms));
  this->clock.advance_ms(1);
  EXPECT_EQ(this->due_events(),
            (std::vector<std::string>{"b:submitted", "c:submitted", "a:submitted"}));
  EXPECT_EQ(this->due(2).size(), 2u);
  const auto a = this->outbox().outbox_message(rows[0].id).value();
  EXPECT_EQ(a.attempts, 1);
  EXPECT_EQ(a.last_error, "HTTP 503");
  EXPECT_EQ(a.state, OutboxState::Pending);
}

// Two API nodes' delivery loops share one outbox: what one took, the other does not take until
// the lease ends, and a split of a taken message is due at once.
TYPED_TEST(WebhookOutboxContract, ATakenMessageIsNotTakenAgainUntilItsLeaseEnds) {
  this->enqueue_hooked("t1", kWebhookSubmitted);
  this->enqueue_hooked("t2", kWebhookSubmitted);
  const auto now = this->clock.now_ms();
  auto taken = this->outbox().due_messages(now, 1, 60000);
  ASSERT_TRUE(taken.ok());
  ASSERT_EQ(taken->size(), 1u);
  EXPECT_EQ(taken->at(0).task_uuid, "t1");
  EXPECT_EQ(taken->at(0).due_ms, now);  // as it was before the lease
  auto other = this->outbox().due_messages(now, 10, 60000);
  ASSERT_TRUE(other.ok());
  ASSERT_EQ(other->size(), 1u);
  EXPECT_EQ(other->at(0).task_uuid, "t2");
  EXPECT_TRUE(this->due().empty());
  EXPECT_EQ(this->outbox().next_due().value(), std::optional<std::int64_t>(now + 60000));
  // The taker of t1 renders it in two messages: the second is due at once.
  ASSERT_TRUE(this->outbox().render(taken->at(0).id, {"a", "b"}).ok());
  auto split = this->due();
  ASSERT_EQ(split.size(), 1u);
  EXPECT_EQ(split[0].id, taken->at(0).id + "_1");
  // The taker of t2 dies: t2 is due again when the lease ends, and t1 settles normally.
  ASSERT_TRUE(this->outbox().mark_delivered(taken->at(0).id).ok());
  this->clock.advance_ms(60000);
  auto again = this->due();  // t1's second message (never taken) and t2
  ASSERT_EQ(again.size(), 2u);
  EXPECT_EQ(again[0].id, taken->at(0).id + "_1");
  EXPECT_EQ(again[1].task_uuid, "t2");
}

TYPED_TEST(WebhookOutboxContract, RenderOnceAndSplitIntoMessages) {
  this->enqueue_hooked("t1", kWebhookSubmitted);
  const auto id = this->due().at(0).id;
  EXPECT_FALSE(this->outbox().render(id, {}).ok());
  ASSERT_TRUE(this->outbox().render(id, {"one", "two", "three"}).ok());
  ASSERT_TRUE(this->outbox().render(id, {"other"}).ok());  // already rendered: kept
  const auto rows = this->due();
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].id, id);
  EXPECT_EQ(rows[0].body, "one");
  EXPECT_TRUE(rows[0].rendered);
  EXPECT_EQ(rows[1].id, id + "_1");
  EXPECT_EQ(rows[1].body, "two");
  EXPECT_EQ(rows[2].id, id + "_2");
  EXPECT_EQ(rows[2].body, "three");
  EXPECT_EQ(rows[2].task_uuid, "t1");
  EXPECT_TRUE(rows[2].rendered);
  EXPECT_FALSE(this->outbox().render("msg_nope", {"x"}).ok());
}

TYPED_TEST(WebhookOutboxContract, DeliveredAndGivenUpLeaveTheBacklog) {
  this->enqueue_hooked("a", kWebhookSubmitted);
  this->enqueue_hooked("b", kWebhookSubmitted);
  const auto rows = this->due();
  ASSERT_TRUE(this->outbox().mark_delivered(rows[0].id).ok());
  ASSERT_TRUE(this->outbox().give_up(rows[1].id, "24 h of failures").ok());
  EXPECT_TRUE(this->due().empty());
  EXPECT_EQ(this->backlog(), 0);
  const auto a = this->outbox().outbox_message(rows[0].id).value();
  EXPECT_EQ(a.state, OutboxState::Delivered);
  EXPECT_EQ(a.attempts, 1);
  const auto b = this->outbox().outbox_message(rows[1].id).value();
  EXPECT_EQ(b.state, OutboxState::GivenUp);
  EXPECT_EQ(b.last_error, "24 h of failures");
  // Settled messages take no further outcome.
  EXPECT_FALSE(this->outbox().mark_delivered(rows[0].id).ok());
  EXPECT_FALSE(this->outbox().reschedule(rows[1].id, 0, "x").ok());
  EXPECT_FALSE(this->outbox().outbox_message("msg_missing").ok());
}

TYPED_TEST(WebhookOutboxContract, GoneUrlGivesUpOnlyItsPendingMessages) {
  this->enqueue_hooked("a", kWebhookSubmitted, "http://gone/x");
  this->enqueue_hooked("b", kWebhookSubmitted, "http://gone/x");
  this->enqueue_hooked("c", kWebhookSubmitted, "http://other/x");
  EXPECT_EQ(this->outbox().give_up_url("http://gone/x", "HTTP 410").value(), 2);
  EXPECT_EQ(this->due_events(), (std::vector<std::string>{"c:submitted"}));
  EXPECT_EQ(this->outbox().give_up_url("http://gone/x", "HTTP 410").value(), 0);
}

TYPED_TEST(WebhookOutboxContract, PruneRemovesOnlyOldSettledMessages) {
  this->enqueue_hooked("a", kWebhookSubmitted);
  this->enqueue_hooked("b", kWebhookSubmitted);
  this->enqueue_hooked("c", kWebhookSubmitted);
  const auto rows = this->due();
  ASSERT_TRUE(this->outbox().mark_delivered(rows[0].id).ok());
  ASSERT_TRUE(this->outbox().give_up(rows[1].id, "x").ok());
  EXPECT_EQ(this->outbox().prune_outbox(this->clock.now_ms(), 10).value(), 0);  // not older yet
  this->clock.advance_ms(1);
  EXPECT_EQ(this->outbox().prune_outbox(this->clock.now_ms(), 1).value(), 1);
  EXPECT_EQ(this->outbox().prune_outbox(this->clock.now_ms(), 10).value(), 1);
  EXPECT_EQ(this->backlog(), 1);  // the pending one stays
  EXPECT_TRUE(this->outbox().outbox_message(rows[2].id).ok());
}

TYPED_TEST(WebhookOutboxContract, RowsOutliveTheTaskRemovedByRetention) {
  this->enqueue_hooked("t1", kWebhookFinal);
  ASSERT_TRUE(this->store->cancel("key_a", "t1").ok());
  this->clock.advance_ms(10);
  ASSERT_EQ(this->store->remove_finished({{"key_a", "t1"}}).value(), 1);
  EXPECT_EQ(this->due().size(), 1u);
}

}  // namespace
}  // namespace vidserve::store
