// The TaskStore contract for queueing, against every implementation: fair claims across owners,
// deferred tasks, the per-owner limit on queued tasks and retention of finished tasks.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "task_store_contract.hpp"

namespace vidserve::store {
namespace {

template <class Impl>
class TaskStoreQueueContract : public testing::TaskStoreContract<Impl> {
 protected:
  // Claims `n` tasks and returns their uuids in claim order.
  std::vector<std::string> claim_order(int n) {
    std::vector<std::string> order;
    for (int i = 0; i < n; ++i) order.push_back(this->claimed_uuid("w1", 60'000));
    return order;
  }
};

TYPED_TEST_SUITE(TaskStoreQueueContract, testing::Impls, testing::ImplNames);

using Order = std::vector<std::string>;

// One owner's backlog does not hold another owner's tasks back: claims alternate between owners,
// each owner's own tasks in the order they came.
TYPED_TEST(TaskStoreQueueContract, ClaimsTakeOwnersInTurn) {
  for (int i = 1; i <= 5; ++i) this->enqueue("a" + std::to_string(i), "key_a");
  this->clock.advance_ms(10);
  this->enqueue("b1", "key_b");
  this->enqueue("b2", "key_b");
  this->clock.advance_ms(10);
  this->enqueue("c1", "key_c");
  EXPECT_EQ(this->claim_order(9),
            (Order{"a1", "b1", "c1", "a2", "b2", "a3", "a4", "a5", "<nothing>"}));
}

// An owner whose latest claim is the oldest goes first; a new owner (never claimed from) goes
// before everyone, however long the others' queues are.
TYPED_TEST(TaskStoreQueueContract, TheOwnerWithTheOldestLatestClaimGoesFirst) {
  for (int i = 1; i <= 4; ++i) this->enqueue("a" + std::to_string(i), "key_a");
  this->enqueue("b1", "key_b");
  EXPECT_EQ(this->claim_order(3), (Order{"a1", "b1", "a2"}));
  this->enqueue("b2", "key_b");  // key_b's latest claim (b1) is older than key_a's (a2)
  this->enqueue("c1", "key_c");  // never claimed from: first
  EXPECT_EQ(this->claim_order(4), (Order{"c1", "b2", "a3", "a4"}));
}

// Between owners never claimed from, the one with the oldest task goes first, whatever the
// owners' names.
TYPED_TEST(TaskStoreQueueContract, NewOwnersGoInTheOrderOfTheirOldestTask) {
  this->enqueue("z1", "key_z");
  this->clock.advance_ms(5);
  this->enqueue("a1", "key_a");
  EXPECT_EQ(this->claim_order(2), (Order{"z1", "a1"}));
}

// An owner whose tasks are all running is skipped, and an expired lease makes its task claimable
// again in that owner's turn.
TYPED_TEST(TaskStoreQueueContract, ExpiredLeasesCountAsClaimableInTheirOwnersTurn) {
  this->enqueue("a1", "key_a");
  ASSERT_TRUE(this->claim("w1", 100).has_value());
  this->enqueue("b1", "key_b");
  this->enqueue("b2", "key_b");
  EXPECT_EQ(this->claimed_uuid("w2", 60'000), "b1");
  this->clock.advance_ms(100);  // a1's lease expires
  EXPECT_EQ(this->claimed_uuid("w2", 60'000), "a1");
  EXPECT_EQ(this->get("a1", "key_a").attempts, 2);
  EXPECT_EQ(this->claimed_uuid("w2", 60'000), "b2");
}

// defer: back to the queue, not claimable before the delay, attempts and results kept; other tasks
// are claimed meanwhile.
TYPED_TEST(TaskStoreQueueContract, ADeferredTaskWaitsItsDelay) {
  TaskRecord t = this->task("a1");
  t.results = {{0, "m0", "processing", ""}, {1, "m1", "processing", ""}};
  ASSERT_TRUE(this->store->enqueue(t).ok());
  this->enqueue("a2");
  ASSERT_EQ(this->claimed_uuid("w1", 60'000), "a1");
  ASSERT_TRUE(this->store->put_result(this->held("a1"), {0, "m0", "success", "done"}).ok());
  ASSERT_TRUE(this->store->set_progress(this->as("a1", "w1"), 40).ok());
  this->clock.advance_ms(3);
  ASSERT_TRUE(this->store->defer(this->as("a1", "w1"), 5000).ok());
  const TaskRecord deferred = this->get("a1");
  EXPECT_EQ(deferred.status, TaskStatus::Queued);
  EXPECT_EQ(deferred.worker_id, "");
  EXPECT_EQ(deferred.lease_expires_ms, 0);
  EXPECT_EQ(deferred.attempts, 1);
  EXPECT_EQ(deferred.progress, 40);
  EXPECT_EQ(deferred.not_before_ms, this->clock.now_ms() + 5000);
  EXPECT_EQ(deferred.updated_ms, this->clock.now_ms());
  ASSERT_EQ(deferred.results.size(), 2u);
  EXPECT_EQ(deferred.results[0].status, "success");
  EXPECT_EQ(this->claimed_uuid("w1", 60'000), "a2");
  EXPECT_EQ(this->claim("w1"), std::nullopt);
  this->clock.advance_ms(4999);
  EXPECT_EQ(this->claim("w1"), std::nullopt);
  this->clock.advance_ms(1);
  auto again = this->claim("w2", 60'000);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->task_uuid, "a1");
  EXPECT_EQ(again->attempts, 2);
  EXPECT_EQ(again->not_before_ms, 0);
  EXPECT_EQ(again->results, deferred.results);
}

// A deferred task whose time has come goes before its owner's younger tasks.
TYPED_TEST(TaskStoreQueueContract, ADueDeferredTaskKeepsItsPlace) {
  this->enqueue("a1");
  this->clock.advance_ms(1);
  this->enqueue("a2");
  ASSERT_EQ(this->claimed_uuid("w1", 60'000), "a1");
  ASSERT_TRUE(this->store->defer(this->as("a1", "w1"), 0).ok());
  EXPECT_EQ(this->claim_order(3), (Order{"a1", "a2", "<nothing>"}));
}

TYPED_TEST(TaskStoreQueueContract, OnlyTheHolderCanDefer) {
  this->enqueue("a1");
  EXPECT_EQ(this->store->defer(this->as("a1", "w1"), 10).error().code, "leaseLost");  // queued
  ASSERT_TRUE(this->claim("w1").has_value());
  EXPECT_EQ(this->store->defer(this->as("a1", "w2"), 10).error().code, "leaseLost");
  ASSERT_TRUE(this->store->cancel("key_a", "a1").ok());
  EXPECT_EQ(this->store->defer(this->as("a1", "w1"), 10).error().code, "cancelled");
  EXPECT_EQ(this->store->defer(this->as("missing", "w1"), 10).error().code, "notFound");
  EXPECT_EQ(this->get("a1").status, TaskStatus::Cancelled);
}

// Fencing: once a task whose lease expired is claimed again, every write of the old claim is
// refused ("leaseLost") and changes nothing; the new holder's writes go through.
TYPED_TEST(TaskStoreQueueContract, AWorkerThatLostItsLeaseCannotWrite) {
  TaskRecord t = this->task("a");
  t.results = {{0, "m0", "processing", ""}};
  ASSERT_TRUE(this->store->enqueue(t).ok());
  const auto old_task = this->claim("w1", 1000);
  ASSERT_TRUE(old_task.has_value());
  const Claim old = claim_of(*old_task);
  EXPECT_EQ(old, (Claim{"a", "w1", 1}));
  this->clock.advance_ms(1000);
  const auto new_task = this->claim("w2", 1000);
  ASSERT_TRUE(new_task.has_value());
  const Claim now = claim_of(*new_task);
  EXPECT_EQ(now, (Claim{"a", "w2", 2}));

  EXPECT_EQ(this->store->put_result(old, {0, "m0", "success", "old"}).error().code, errc::kLeaseLost);
  EXPECT_EQ(this->store->set_progress(old, 70).error().code, errc::kLeaseLost);
  EXPECT_EQ(this->store->save_provider_state(old, 0, "old").error().code, errc::kLeaseLost);
  EXPECT_EQ(this->store->renew_lease(old, 60'000).error().code, errc::kLeaseLost);
  EXPECT_EQ(this->store->defer(old, 0).error().code, errc::kLeaseLost);
  EXPECT_EQ(this->store->complete(old).error().code, errc::kLeaseLost);
  EXPECT_EQ(this->store->fail(old, "inferenceError", "old").error().code, errc::kLeaseLost);
  EXPECT_EQ(this->get("a"), *new_task);  // untouched

  ASSERT_TRUE(this->store->set_progress(now, 50).ok());
  ASSERT_TRUE(this->store->save_provider_state(now, 0, "new").ok());
  ASSERT_TRUE(this->store->put_result(now, {0, "m0", "success", "new"}).ok());
  ASSERT_TRUE(this->store->complete(now).ok());
  const TaskRecord done = this->get("a");
  EXPECT_EQ(done.status, TaskStatus::Success);
  ASSERT_EQ(done.results.size(), 1u);
  EXPECT_EQ(done.results[0].payload, "new");
  EXPECT_EQ(done.results[0].provider_state, "new");
  EXPECT_EQ(this->store->fail(old, "inferenceError", "old").error().code, errc::kInvalidState);
}

// The attempt tells claims apart, not only the worker id: the same worker claiming the task again
// (after a lost lease, or a requeue at start-up) holds a new claim, and its old one is dead.
TYPED_TEST(TaskStoreQueueContract, TheSameWorkerOnALaterAttemptHoldsANewClaim) {
  this->enqueue("a");
  const Claim first = claim_of(*this->claim("w1", 1000));
  this->clock.advance_ms(1000);
  const Claim second = claim_of(*this->claim("w1", 1000));
  EXPECT_EQ(second.attempt, 2);
  EXPECT_EQ(this->store->set_progress(first, 10).error().code, errc::kLeaseLost);
  ASSERT_TRUE(this->store->set_progress(second, 20).ok());
  ASSERT_EQ(*this->store->requeue_interrupted(), 1);
  EXPECT_EQ(this->store->complete(second).error().code, errc::kLeaseLost);  // queued again
  const Claim third = claim_of(*this->claim("w1", 1000));
  EXPECT_EQ(this->store->complete(second).error().code, errc::kLeaseLost);
  ASSERT_TRUE(this->store->complete(third).ok());
  EXPECT_EQ(this->get("a").progress, 100);
}

// A lease that expired but that nobody claimed again is still its holder's (see Claim).
TYPED_TEST(TaskStoreQueueContract, AnExpiredLeaseNobodyTookIsStillHeld) {
  TaskRecord t = this->task("a");
  t.results = {{0, "m0", "processing", ""}};
  ASSERT_TRUE(this->store->enqueue(t).ok());
  const Claim mine = claim_of(*this->claim("w1", 1000));
  this->clock.advance_ms(5000);
  ASSERT_TRUE(this->store->set_progress(mine, 60).ok());
  ASSERT_TRUE(this->store->put_result(mine, {0, "m0", "success", "late"}).ok());
  ASSERT_TRUE(this->store->renew_lease(mine, 1000).ok());
  EXPECT_EQ(this->claim("w2"), std::nullopt);  // renewed: not claimable any more
  ASSERT_TRUE(this->store->complete(mine).ok());
  EXPECT_EQ(this->get("a").status, TaskStatus::Success);
}

// provider_state: written only by save_provider_state (bounded), kept by put_result, requeue and
// defer, handed to the next attempt with the claimed record.
TYPED_TEST(TaskStoreQueueContract, ProviderStateComesBackWithTheNextClaim) {
  TaskRecord t = this->task("a");
  t.results = {{0, "m0", "processing", "", "given at enqueue"}, {1, "m1", "processing", ""}};
  ASSERT_TRUE(this->store->enqueue(t).ok());
  EXPECT_EQ(this->get("a").results[0].provider_state, "");  // store-owned
  const Claim c = claim_of(*this->claim("w1", 1000));
  ASSERT_TRUE(this->store->save_provider_state(c, 1, "kling-task:1").ok());
  ASSERT_TRUE(this->store->save_provider_state(c, 1, "kling-task:2").ok());  // replaces
  ASSERT_TRUE(this->store->put_result(c, {1, "m1", "processing", "half", "ignored"}).ok());
  EXPECT_EQ(this->store->save_provider_state(c, 2, "x").error().code, errc::kInvalidArgument);
  EXPECT_EQ(this->store->save_provider_state(c, 0, std::string(kMaxProviderStateBytes + 1, 's')).error().code,
            errc::kInvalidArgument);
  ASSERT_TRUE(this->store->save_provider_state(c, 0, std::string(kMaxProviderStateBytes, 's')).ok());
  ASSERT_EQ(*this->store->requeue_interrupted(), 1);
  const auto again = this->claim("w2", 1000);
  ASSERT_TRUE(again.has_value());
  ASSERT_EQ(again->results.size(), 2u);
  EXPECT_EQ(again->results[0].provider_state, std::string(kMaxProviderStateBytes, 's'));
  EXPECT_EQ(again->results[1].provider_state, "kling-task:2");
  EXPECT_EQ(again->results[1].payload, "half");
  ASSERT_TRUE(this->store->defer(claim_of(*again), 0).ok());
  EXPECT_EQ(this->claim("w3", 1000)->results[1].provider_state, "kling-task:2");
}

// The limit counts queued and processing tasks of one owner; finishing one frees a place.
TYPED_TEST(TaskStoreQueueContract, EnqueueStopsAtThePerOwnerLimit) {
  this->store->set_max_active_per_owner(3);
  this->enqueue("a1");
  this->enqueue("a2");
  this->enqueue("a3");
  auto refused = this->store->enqueue(this->task("a4"));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, errc::kTooManyQueuedTasks);
  EXPECT_NE(refused.error().message.find('3'), std::string::npos) << refused.error().message;
  EXPECT_EQ(this->store->get("key_a", "a4").error().code, "notFound");
  this->enqueue("b1", "key_b");           // another owner is not affected
  ASSERT_EQ(this->claimed_uuid(), "a1");  // processing still counts
  EXPECT_FALSE(this->store->enqueue(this->task("a4")).ok());
  ASSERT_TRUE(this->store->complete(this->held("a1")).ok());
  this->enqueue("a4");
  ASSERT_TRUE(this->store->cancel("key_a", "a2").ok());
  this->enqueue("a5");
  EXPECT_FALSE(this->store->enqueue(this->task("a6")).ok());
  this->store->set_max_active_per_owner(0);  // no limit
  this->enqueue("a6");
}

// Within one batch, each task counts the ones stored before it.
TYPED_TEST(TaskStoreQueueContract, TheLimitHoldsWithinABatch) {
  this->store->set_max_active_per_owner(2);
  this->enqueue("a1");
  std::vector<TaskRecord> batch{this->task("a2"), this->task("b1", "key_b"), this->task("a3")};
  auto results = this->store->enqueue_many(batch);
  ASSERT_EQ(results.size(), 3u);
  EXPECT_TRUE(results[0].ok());
  EXPECT_TRUE(results[1].ok());
  ASSERT_FALSE(results[2].ok());
  EXPECT_EQ(results[2].error().code, errc::kTooManyQueuedTasks);
  auto counts = this->store->count_by_status();
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(counts->at(TaskStatus::Queued), 3);
}

// Retention: finished tasks last updated before the cutoff, oldest first, bounded; queued,
// processing and recent ones are never listed nor removed.
TYPED_TEST(TaskStoreQueueContract, FinishedTasksBeforeACutoffAreRemoved) {
  TaskRecord done = this->task("done");
  done.results = {{0, "m0", "processing", ""}};
  ASSERT_TRUE(this->store->enqueue(done).ok());
  this->enqueue("failed");
  this->enqueue("cancelled");
  this->enqueue("running");
  this->enqueue("queued");
  ASSERT_EQ(this->claimed_uuid("w1", 1'000'000), "done");
  ASSERT_EQ(this->claimed_uuid("w1", 1'000'000), "failed");
  ASSERT_TRUE(this->store->complete(this->held("done")).ok());
  this->clock.advance_ms(10);
  ASSERT_TRUE(this->store->fail(this->held("failed"), "inferenceError", "no").ok());
  this->clock.advance_ms(10);
  ASSERT_TRUE(this->store->cancel("key_a", "cancelled").ok());
  ASSERT_EQ(this->claimed_uuid("w1", 1'000'000), "running");
  this->clock.advance_ms(1000);
  this->enqueue("recent", "key_b");
  ASSERT_EQ(this->claimed_uuid("w1", 1'000'000), "recent");
  ASSERT_TRUE(this->store->complete(this->held("recent", "key_b")).ok());
  const std::int64_t cutoff = this->clock.now_ms() - 500;

  using Finished = TaskStore::FinishedTask;
  auto first = this->store->finished_before(cutoff, 2);
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(*first, (std::vector<Finished>{{"key_a", "done"}, {"key_a", "failed"}}));
  auto all = this->store->finished_before(cutoff, 100);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 3u);

  // Another owner's name, an unfinished task and a missing one are skipped.
  auto removed = this->store->remove_finished(
      {{"key_a", "done"}, {"key_b", "failed"}, {"key_a", "running"}, {"key_a", "missing"}});
  ASSERT_TRUE(removed.ok()) << removed.error().message;
  EXPECT_EQ(*removed, 1);
  EXPECT_EQ(this->store->get("key_a", "done").error().code, "notFound");
  EXPECT_TRUE(this->store->get("key_a", "failed").ok());
  EXPECT_EQ(this->get("running").status, TaskStatus::Processing);
  removed = this->store->remove_finished(*this->store->finished_before(cutoff, 100));
  ASSERT_TRUE(removed.ok());
  EXPECT_EQ(*removed, 2);
  EXPECT_TRUE(this->store->finished_before(cutoff, 100)->empty());
  EXPECT_TRUE(this->store->get("key_b", "recent").ok());
  EXPECT_EQ(this->get("queued").status, TaskStatus::Queued);
  auto counts = this->store->count_by_status();
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(counts->at(TaskStatus::Success), 1);  // "recent"
  EXPECT_EQ(counts->at(TaskStatus::Error), 0);
  EXPECT_EQ(counts->at(TaskStatus::Cancelled), 0);
  // A uuid freed by retention can be used again.
  this->enqueue("done");
}

}  // namespace
}  // namespace vidserve::store
