// The TaskStore contract, run against every implementation: the in-memory fake, SQLite on a
// temporary file and SQLite ":memory:". Time only moves when a test advances the FakeClock.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "task_store_contract.hpp"

namespace vidserve::store {
namespace {

using testing::ImplNames;
using testing::Impls;
template <class Impl>
using TaskStoreContract = testing::TaskStoreContract<Impl>;

TYPED_TEST_SUITE(TaskStoreContract, Impls, ImplNames);

TYPED_TEST(TaskStoreContract, StatusNamesRoundTrip) {
  for (auto s : {TaskStatus::Queued, TaskStatus::Processing, TaskStatus::Success, TaskStatus::Error,
                 TaskStatus::Cancelled}) {
    EXPECT_EQ(parse_task_status(to_string(s)), s);
  }
  EXPECT_EQ(to_string(TaskStatus::Processing), "processing");
  EXPECT_EQ(parse_task_status("Queued"), std::nullopt);
}

TYPED_TEST(TaskStoreContract, EnqueueStampsAndGetRoundTrips) {
  TaskRecord t = this->task("t1");
  t.request = std::string("bin\0\xff\x01 data", 10);  // opaque bytes, not text
  t.status = TaskStatus::Success;                     // store-owned fields are overwritten
  t.attempts = 7;
  t.error_code = "stale";
  t.results = {{1, "m1", "processing", "p1"}, {0, "m0", "processing", ""}};
  auto stored = this->store->enqueue(t);
  ASSERT_TRUE(stored.ok()) << stored.error().message;
  EXPECT_EQ(stored->status, TaskStatus::Queued);
  EXPECT_EQ(stored->attempts, 0);
  EXPECT_EQ(stored->error_code, "");
  EXPECT_EQ(stored->created_ms, this->clock.now_ms());
  EXPECT_EQ(stored->updated_ms, this->clock.now_ms());
  ASSERT_EQ(stored->results.size(), 2u);
  EXPECT_EQ(stored->results[0].index, 0);
  EXPECT_EQ(this->get("t1"), *stored);
  EXPECT_EQ(this->get("t1").request, t.request);
  // A poll's read and a listing leave the request out (it may hold megabytes of inline inputs);
  // the rest, results included, is the same.
  auto brief = this->store->get_brief(stored->owner, "t1");
  ASSERT_TRUE(brief.ok()) << brief.error().message;
  EXPECT_EQ(brief->request, "");
  auto listed = this->store->list(stored->owner, 10, 0);
  ASSERT_TRUE(listed.ok() && listed->size() == 1u);
  EXPECT_EQ(listed->front().request, "");
  brief->request = listed->front().request = t.request;
  EXPECT_EQ(*brief, *stored);
  EXPECT_EQ(listed->front(), *stored);
}

TYPED_TEST(TaskStoreContract, DuplicateTaskUUIDIsRefusedForTheSameOwner) {
  this->enqueue("t1", "key_a");
  TaskRecord again = this->task("t1", "key_a");
  again.model = "other";
  auto same_owner = this->store->enqueue(again);
  ASSERT_FALSE(same_owner.ok());
  EXPECT_EQ(same_owner.error().code, "duplicateTaskUUID");
  EXPECT_EQ(this->get("t1").model, "klingai:5@3");
}

// Another owner's uuid reveals nothing: the task is accepted, and each owner reads, cancels and
// lists only its own; a worker tells them apart by key.
TYPED_TEST(TaskStoreContract, OwnersHaveTheirOwnTaskUUIDs) {
  auto first = this->store->enqueue(this->task("t1", "key_a"));
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->key, "t1");
  TaskRecord theirs = this->task("t1", "key_b");
  theirs.model = "klingai:other@1";
  auto second = this->store->enqueue(theirs);
  ASSERT_TRUE(second.ok()) << second.error().message;
  EXPECT_EQ(second->task_uuid, "t1");
  EXPECT_NE(second->key, first->key);
  EXPECT_EQ(this->store->enqueue(this->task("t1", "key_b")).error().code, "duplicateTaskUUID");
  EXPECT_EQ(this->store->get("key_a", "t1")->model, "klingai:5@3");
  EXPECT_EQ(this->store->get("key_b", "t1")->model, "klingai:other@1");
  // Each is claimed, held and finished through its own key.
  auto a = this->store->claim_next("w1", 1000);
  auto b = this->store->claim_next("w2", 1000);
  ASSERT_TRUE(a.ok() && *a && b.ok() && *b);
  const auto& b_task = (*a)->owner == "key_b" ? **a : **b;
  ASSERT_TRUE(this->store->put_result(claim_of(b_task), {0, "m-b", "success", "pb"}).ok());
  ASSERT_TRUE(this->store->complete(claim_of(b_task)).ok());
  EXPECT_EQ(this->store->get("key_b", "t1")->status, TaskStatus::Success);
  EXPECT_EQ(this->store->get("key_b", "t1")->results.size(), 1u);
  EXPECT_EQ(this->store->get("key_a", "t1")->status, TaskStatus::Processing);
  EXPECT_TRUE(this->store->get("key_a", "t1")->results.empty());
  ASSERT_TRUE(this->store->cancel("key_a", "t1").ok());
  EXPECT_EQ(this->store->get("key_b", "t1")->status, TaskStatus::Success);
  // Retention removes one owner's task, not the other's.
  auto finished = this->store->finished_before(this->clock.now_ms() + 1, 10);
  ASSERT_TRUE(finished.ok());
  ASSERT_EQ(finished->size(), 2u);
  ASSERT_EQ(this->store->remove_finished({{"key_b", "t1"}}).value(), 1);
  EXPECT_EQ(this->store->get("key_b", "t1").error().code, "notFound");
  EXPECT_EQ(this->store->get("key_a", "t1")->status, TaskStatus::Cancelled);
}

// Start-up conversion of stored requests: tasks whose request_version is older are listed (any
// owner, any status, bounded), rewritten in one call, and keep the new version.
TYPED_TEST(TaskStoreContract, OlderRequestsAreListedAndRewritten) {
  TaskRecord current = this->task("t2");
  current.request = "current";
  current.request_version = 2;
  ASSERT_TRUE(this->store->enqueue(this->task("t1")).ok());
  ASSERT_TRUE(this->store->enqueue(current).ok());
  ASSERT_TRUE(this->store->enqueue(this->task("t3", "key_b")).ok());
  ASSERT_TRUE(this->store->cancel("key_b", "t3").ok());
  EXPECT_EQ(this->get("t2").request_version, 2);
  auto older = this->store->older_requests(2, 10);
  ASSERT_TRUE(older.ok()) << older.error().message;
  ASSERT_EQ(older->size(), 2u);
  EXPECT_EQ(this->store->older_requests(2, 1)->size(), 1u);
  std::vector<TaskStore::RequestRewrite> rewrites;
  for (const auto& t : *older) rewrites.push_back({t.key, "converted " + t.task_uuid, 2});
  rewrites.push_back({"no-such-key", "x", 2});
  ASSERT_TRUE(this->store->rewrite_requests(rewrites).ok());
  EXPECT_TRUE(this->store->older_requests(2, 10)->empty());
  EXPECT_EQ(this->get("t1").request, "converted t1");
  EXPECT_EQ(this->get("t3", "key_b").request, "converted t3");
  EXPECT_EQ(this->get("t3", "key_b").request_version, 2);
  EXPECT_EQ(this->get("t3", "key_b").status, TaskStatus::Cancelled);
  EXPECT_EQ(this->get("t2").request, "current");
}

TYPED_TEST(TaskStoreContract, EnqueueRejectsMalformedRecords) {
  EXPECT_EQ(this->store->enqueue(this->task("")).error().code, "invalidArgument");
  EXPECT_EQ(this->store->enqueue(this->task("t1", "")).error().code, "invalidArgument");
  TaskRecord twice = this->task("t2");
  twice.results = {{0, "a", "processing", ""}, {0, "b", "processing", ""}};
  EXPECT_EQ(this->store->enqueue(twice).error().code, "invalidArgument");
  TaskRecord bad_status = this->task("t3");
  bad_status.results = {{0, "a", "done", ""}};
  EXPECT_EQ(this->store->enqueue(bad_status).error().code, "invalidArgument");
  EXPECT_EQ(this->store->count_by_status()->at(TaskStatus::Queued), 0);
}

TYPED_TEST(TaskStoreContract, OwnersSeeOnlyTheirOwnTasks) {
  this->enqueue("t1", "key_a");
  this->enqueue("t2", "key_b");
  auto foreign = this->store->get("key_b", "t1");
  ASSERT_FALSE(foreign.ok());
  EXPECT_EQ(foreign.error().code, "notFound");
  EXPECT_EQ(this->store->get("key_a", "missing").error().code, "notFound");
  EXPECT_EQ(this->store->get_brief("key_b", "t1").error().code, "notFound");
  EXPECT_EQ(this->store->cancel("key_b", "t1").error().code, "notFound");
  EXPECT_EQ(this->get("t1").status, TaskStatus::Queued);
  auto listed = this->store->list("key_b", 10, 0);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ(listed->front().task_uuid, "t2");
}

TYPED_TEST(TaskStoreContract, ClaimTakesOldestFirstAndSetsLease) {
  EXPECT_EQ(this->claim(), std::nullopt);
  this->enqueue("a");
  this->clock.advance_ms(10);
  this->enqueue("b");
  this->enqueue("c");  // same millisecond as b: enqueue order decides
  auto first = this->claim("worker-1", 5000);
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->task_uuid, "a");
  EXPECT_EQ(first->status, TaskStatus::Processing);
  EXPECT_EQ(first->attempts, 1);
  EXPECT_EQ(first->worker_id, "worker-1");
  EXPECT_EQ(first->lease_expires_ms, this->clock.now_ms() + 5000);
  EXPECT_EQ(first->request, "request of a");
  EXPECT_EQ(this->get("a"), *first);
  EXPECT_EQ(this->claimed_uuid(), "b");
  EXPECT_EQ(this->claimed_uuid(), "c");
  EXPECT_EQ(this->claim(), std::nullopt);
}

TYPED_TEST(TaskStoreContract, ExpiredLeaseIsReclaimedByAnotherWorker) {
  this->enqueue("a");
  ASSERT_TRUE(this->claim("w1", 1000).has_value());
  this->clock.advance_ms(999);
  EXPECT_EQ(this->claim("w2"), std::nullopt);
  this->clock.advance_ms(1);
  auto again = this->claim("w2", 1000);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->task_uuid, "a");
  EXPECT_EQ(again->attempts, 2);
  EXPECT_EQ(again->worker_id, "w2");
  EXPECT_EQ(this->store->renew_lease(this->as("a", "w1"), 1000).error().code, "leaseLost");
  EXPECT_TRUE(this->store->renew_lease(this->as("a", "w2"), 1000).ok());
}

TYPED_TEST(TaskStoreContract, ExpiredTaskComesBeforeNewerQueuedOnes) {
  this->enqueue("old");
  ASSERT_TRUE(this->claim("w1", 100).has_value());
  this->clock.advance_ms(50);
  this->enqueue("new");
  this->clock.advance_ms(50);
  EXPECT_EQ(this->claimed_uuid("w2"), "old");
  EXPECT_EQ(this->claimed_uuid("w2"), "new");
}

TYPED_TEST(TaskStoreContract, RenewLeaseKeepsTheTask) {
  this->enqueue("a");
  ASSERT_TRUE(this->claim("w1", 1000).has_value());
  this->clock.advance_ms(900);
  ASSERT_TRUE(this->store->renew_lease(this->as("a", "w1"), 1000).ok());
  EXPECT_EQ(this->get("a").lease_expires_ms, this->clock.now_ms() + 1000);
  this->clock.advance_ms(900);
  EXPECT_EQ(this->claim("w2"), std::nullopt);
  this->clock.advance_ms(100);
  EXPECT_EQ(this->claimed_uuid("w2"), "a");
  EXPECT_EQ(this->store->renew_lease(this->as("missing", "w1"), 1000).error().code, "notFound");
}

TYPED_TEST(TaskStoreContract, RenewTellsTheWorkerAboutCancellation) {
  this->enqueue("a");
  ASSERT_TRUE(this->claim("w1").has_value());
  ASSERT_TRUE(this->store->cancel("key_a", "a").ok());
  EXPECT_EQ(this->store->renew_lease(this->as("a", "w1"), 1000).error().code, "cancelled");
  this->enqueue("b");
  EXPECT_EQ(this->store->renew_lease(this->as("b", "w1"), 1000).error().code, "leaseLost");  // queued
}

TYPED_TEST(TaskStoreContract, CheckHeldReadsWhatTheNextWriteWouldSay) {
  this->enqueue("a");
  ASSERT_TRUE(this->claim("w1").has_value());
  const auto before = this->get("a");
  this->clock.advance_ms(500);
  EXPECT_TRUE(this->store->check_held(this->as("a", "w1")).ok());
  EXPECT_EQ(this->get("a"), before);  // a read: nothing changed, not even updated_ms
  EXPECT_EQ(this->store->check_held(this->as("a", "w2")).error().code, "leaseLost");
  EXPECT_EQ(this->store->check_held(this->as("missing", "w1")).error().code, "notFound");
  ASSERT_TRUE(this->store->cancel("key_a", "a").ok());
  EXPECT_EQ(this->store->check_held(this->as("a", "w1")).error().code, "cancelled");
}

TYPED_TEST(TaskStoreContract, ProgressIsWrittenByTheLeaseHolder) {
  TaskRecord t = this->task("a");
  t.progress = 42;  // store-owned: a new task starts at 0
  ASSERT_TRUE(this->store->enqueue(t).ok());
  EXPECT_EQ(this->get("a").progress, 0);
  ASSERT_TRUE(this->claim("w1", 1000).has_value());
  EXPECT_EQ(this->get("a").progress, 0);
  this->clock.advance_ms(7);
  ASSERT_TRUE(this->store->set_progress(this->as("a", "w1"), 37).ok());
  const TaskRecord a = this->get("a");
  EXPECT_EQ(a.progress, 37);
  EXPECT_EQ(a.updated_ms, this->clock.now_ms());
  EXPECT_EQ(a.lease_expires_ms, this->clock.now_ms() - 7 + 1000);  // the lease is untouched
  auto listed = this->store->list("key_a", 10, 0);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ(listed->front().progress, 37);
  ASSERT_TRUE(this->store->set_progress(this->as("a", "w1"), 140).ok());
  EXPECT_EQ(this->get("a").progress, 100);
  ASSERT_TRUE(this->store->set_progress(this->as("a", "w1"), -5).ok());
  EXPECT_EQ(this->get("a").progress, 0);
  EXPECT_EQ(this->store->set_progress(this->as("missing", "w1"), 5).error().code, "notFound");
}

TYPED_TEST(TaskStoreContract, ProgressIsRefusedToAnyoneButTheHolder) {
  this->enqueue("a");
  this->enqueue("queued");
  ASSERT_TRUE(this->claim("w1").has_value());
  ASSERT_TRUE(this->store->set_progress(this->as("a", "w1"), 20).ok());
  EXPECT_EQ(this->store->set_progress(this->as("a", "w2"), 60).error().code, "leaseLost");
  EXPECT_EQ(this->store->set_progress(this->as("queued", "w1"), 60).error().code, "leaseLost");
  EXPECT_EQ(this->get("a").progress, 20);
  EXPECT_EQ(this->get("queued").progress, 0);
  ASSERT_TRUE(this->store->fail(this->held("a"), "engineError", "boom").ok());
  EXPECT_EQ(this->store->set_progress(this->as("a", "w1"), 60).error().code, "invalidState");
  EXPECT_EQ(this->get("a").progress, 20);  // fail keeps the last value
  ASSERT_TRUE(this->store->cancel("key_a", "queued").ok());
  EXPECT_EQ(this->store->set_progress(this->as("queued", "w1"), 60).error().code, "cancelled");
}

TYPED_TEST(TaskStoreContract, ProgressTellsTheWorkerAboutCancellation) {
  this->enqueue("a");
  ASSERT_TRUE(this->claim("w1").has_value());
  ASSERT_TRUE(this->store->set_progress(this->as("a", "w1"), 30).ok());
  ASSERT_TRUE(this->store->cancel("key_a", "a").ok());
  EXPECT_EQ(this->store->set_progress(this->as("a", "w1"), 40).error().code, "cancelled");
  EXPECT_EQ(this->get("a").progress, 30);
}

TYPED_TEST(TaskStoreContract, CompleteSetsProgressTo100AndRequeueKeepsIt) {
  this->enqueue("a");
  this->enqueue("b");
  ASSERT_TRUE(this->claim("w1").has_value());
  ASSERT_TRUE(this->store->set_progress(this->as("a", "w1"), 55).ok());
  ASSERT_TRUE(this->store->complete(this->held("a")).ok());
  EXPECT_EQ(this->get("a").progress, 100);
  EXPECT_EQ(this->store->set_progress(this->as("a", "w1"), 10).error().code, "invalidState");
  ASSERT_TRUE(this->claim("w1").has_value());
  ASSERT_TRUE(this->store->set_progress(this->as("b", "w1"), 25).ok());
  ASSERT_TRUE(this->store->requeue_interrupted().ok());
  EXPECT_EQ(this->get("b").progress, 25);
  auto again = this->claim("w2");
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->progress, 25);
}

TYPED_TEST(TaskStoreContract, PutResultUpsertsByIndex) {
  this->enqueue("a");
  ASSERT_TRUE(this->claim().has_value());
  ASSERT_TRUE(this->store->put_result(this->held("a"), {1, "m1", "processing", "x"}).ok());
  ASSERT_TRUE(this->store->put_result(this->held("a"), {0, "m0", "success", "y"}).ok());
  this->clock.advance_ms(5);
  ASSERT_TRUE(this->store->put_result(this->held("a"), {1, "m1", "success", "z"}).ok());
  const TaskRecord t = this->get("a");
  EXPECT_EQ(t.results,
            (std::vector<ResultRecord>{{0, "m0", "success", "y"}, {1, "m1", "success", "z"}}));
  EXPECT_EQ(t.updated_ms, this->clock.now_ms());
  EXPECT_EQ(this->store->put_result(this->held("a"), {2, "m2", "ready", ""}).error().code, "invalidArgument");
  EXPECT_EQ(this->store->put_result(this->held("a"), {-1, "m", "success", ""}).error().code, "invalidArgument");
  EXPECT_EQ(this->store->put_result(this->held("missing"), {0, "m", "success", ""}).error().code, "notFound");
  ASSERT_TRUE(this->store->complete(this->held("a")).ok());
  EXPECT_EQ(this->store->put_result(this->held("a"), {0, "m0", "error", ""}).error().code, "invalidState");
}

TYPED_TEST(TaskStoreContract, CompleteAndFailAreFinal) {
  this->enqueue("a");
  this->enqueue("b");
  ASSERT_TRUE(this->claim().has_value());
  ASSERT_TRUE(this->claim().has_value());
  ASSERT_TRUE(this->store->complete(this->held("a")).ok());
  TaskRecord a = this->get("a");
  EXPECT_EQ(a.status, TaskStatus::Success);
  EXPECT_EQ(a.worker_id, "");
  EXPECT_EQ(a.lease_expires_ms, 0);
  EXPECT_EQ(this->store->complete(this->held("a")).error().code, "invalidState");
  EXPECT_EQ(this->store->fail(this->held("a"), "x", "y").error().code, "invalidState");
  ASSERT_TRUE(this->store->fail(this->held("b"), "engineError", "encoder crashed").ok());
  TaskRecord b = this->get("b");
  EXPECT_EQ(b.status, TaskStatus::Error);
  EXPECT_EQ(b.error_code, "engineError");
  EXPECT_EQ(b.error_message, "encoder crashed");
  EXPECT_EQ(this->store->complete(this->held("missing")).error().code, "notFound");
  this->clock.advance_ms(10'000);
  EXPECT_EQ(this->claim(), std::nullopt);  // final tasks are never claimed again
}

TYPED_TEST(TaskStoreContract, CancelStopsTheTask) {
  this->enqueue("queued");
  this->enqueue("running");
  this->enqueue("done");
  ASSERT_TRUE(this->store->cancel("key_a", "queued").ok());
  ASSERT_TRUE(this->store->cancel("key_a", "queued").ok());  // idempotent
  EXPECT_EQ(this->claimed_uuid(), "running");
  ASSERT_TRUE(this->store->cancel("key_a", "running").ok());
  EXPECT_EQ(this->store->complete(this->as("running", "w1")).error().code, "cancelled");
  EXPECT_EQ(this->store->fail(this->as("running", "w1"), "x", "y").error().code, "cancelled");
  EXPECT_EQ(this->store->put_result(this->as("running", "w1"), {0, "m", "success", ""}).error().code,
            "cancelled");
  EXPECT_EQ(this->claimed_uuid(), "done");
  ASSERT_TRUE(this->store->complete(this->held("done")).ok());
  EXPECT_EQ(this->store->cancel("key_a", "done").error().code, "invalidState");
  EXPECT_EQ(this->get("queued").status, TaskStatus::Cancelled);
  EXPECT_EQ(this->get("running").status, TaskStatus::Cancelled);
  EXPECT_EQ(this->get("done").status, TaskStatus::Success);
  this->clock.advance_ms(10'000);
  EXPECT_EQ(this->claim(), std::nullopt);
}

TYPED_TEST(TaskStoreContract, RequeueInterruptedResumesOnlyProcessingTasks) {
  this->enqueue("done");
  this->enqueue("running");
  this->enqueue("waiting");
  EXPECT_EQ(this->claimed_uuid(), "done");
  ASSERT_TRUE(this->store->complete(this->held("done")).ok());
  EXPECT_EQ(this->claimed_uuid(), "running");
  ASSERT_TRUE(this->store->put_result(this->held("running"), {0, "m0", "success", "kept"}).ok());

  auto requeued = this->store->requeue_interrupted();
  ASSERT_TRUE(requeued.ok());
  EXPECT_EQ(*requeued, 1);
  TaskRecord running = this->get("running");
  EXPECT_EQ(running.status, TaskStatus::Queued);
  EXPECT_EQ(running.attempts, 1);
  EXPECT_EQ(running.worker_id, "");
  EXPECT_EQ(running.lease_expires_ms, 0);
  ASSERT_EQ(running.results.size(), 1u);
  EXPECT_EQ(running.results[0].payload, "kept");

  auto resumed = this->claim();  // no lease expiry needed
  ASSERT_TRUE(resumed.has_value());
  EXPECT_EQ(resumed->task_uuid, "running");
  EXPECT_EQ(resumed->attempts, 2);
  EXPECT_EQ(this->get("done").status, TaskStatus::Success);
  EXPECT_EQ(this->get("done").attempts, 1);
}

TYPED_TEST(TaskStoreContract, CountByStatusListsEveryStatus) {
  auto empty = this->store->count_by_status();
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->size(), 5u);
  for (const auto& [status, n] : *empty) EXPECT_EQ(n, 0) << to_string(status);
  for (auto id : {"a", "b", "c", "d", "e", "f"}) this->enqueue(id);
  EXPECT_EQ(this->claimed_uuid(), "a");
  EXPECT_EQ(this->claimed_uuid(), "b");
  EXPECT_EQ(this->claimed_uuid(), "c");
  ASSERT_TRUE(this->store->complete(this->held("a")).ok());
  ASSERT_TRUE(this->store->fail(this->held("c"), "e", "m").ok());
  ASSERT_TRUE(this->store->cancel("key_a", "d").ok());
  auto counts = this->store->count_by_status();
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(*counts, (std::map<TaskStatus, std::int64_t>{{TaskStatus::Queued, 2},
                                                         {TaskStatus::Processing, 1},
                                                         {TaskStatus::Success, 1},
                                                         {TaskStatus::Error, 1},
                                                         {TaskStatus::Cancelled, 1}}));
}

TYPED_TEST(TaskStoreContract, ListIsNewestFirstWithPaging) {
  for (int i = 0; i < 5; ++i) {
    auto t = this->task("t" + std::to_string(i));
    if (i == 4) t.results = {{0, "m", "processing", "p"}};
    ASSERT_TRUE(this->store->enqueue(t).ok());
    if (i != 2) this->clock.advance_ms(1);  // t2 and t3 share a millisecond
  }
  this->enqueue("other", "key_b");
  auto page1 = this->store->list("key_a", 2, 0);
  auto page2 = this->store->list("key_a", 2, 2);
  auto page3 = this->store->list("key_a", 2, 4);
  ASSERT_TRUE(page1.ok() && page2.ok() && page3.ok());
  auto ids = [](const std::vector<TaskRecord>& v) {
    std::vector<std::string> out;
    for (const auto& t : v) out.push_back(t.task_uuid);
    return out;
  };
  EXPECT_EQ(ids(*page1), (std::vector<std::string>{"t4", "t3"}));
  EXPECT_EQ(ids(*page2), (std::vector<std::string>{"t2", "t1"}));
  EXPECT_EQ(ids(*page3), (std::vector<std::string>{"t0"}));
  ASSERT_EQ(page1->front().results.size(), 1u);  // results come along
  EXPECT_TRUE(this->store->list("key_a", 0, 0)->empty());
  EXPECT_TRUE(this->store->list("key_c", 10, 0)->empty());
}

TYPED_TEST(TaskStoreContract, ListFiltersByFrontEnd) {
  for (const auto& [uuid, api] : std::vector<std::pair<std::string, std::string>>{
           {"r1", "runware"}, {"k1", "kling:text2video"}, {"k2", "kling:image2video"}, {"k3", "kling:text2video"}}) {
    auto t = this->task(uuid);
    t.api = api;
    ASSERT_TRUE(this->store->enqueue(t).ok());
    this->clock.advance_ms(1);
  }
  auto text2video = this->store->list("key_a", TaskStore::ListQuery{10, 0, "kling:text2video"});
  ASSERT_TRUE(text2video.ok());
  ASSERT_EQ(text2video->size(), 2u);
  EXPECT_EQ((*text2video)[0].task_uuid, "k3");
  EXPECT_EQ((*text2video)[0].api, "kling:text2video");
  EXPECT_EQ(this->store->list("key_a", TaskStore::ListQuery{10, 1, "kling:text2video"})->size(), 1u);
  EXPECT_EQ(this->store->list("key_a", TaskStore::ListQuery{10, 0, ""})->size(), 4u);
  EXPECT_TRUE(this->store->list("key_b", TaskStore::ListQuery{10, 0, "runware"})->empty());
}

TYPED_TEST(TaskStoreContract, ListFiltersByStatus) {
  for (const auto* uuid : {"s1", "s2", "s3"}) {
    auto t = this->task(uuid);
    t.api = "runware";
    ASSERT_TRUE(this->store->enqueue(t).ok());
    this->clock.advance_ms(1);
  }
  ASSERT_TRUE(this->store->cancel("key_a", "s2").ok());
  TaskStore::ListQuery cancelled{10, 0, "runware", TaskStatus::Cancelled};
  auto only = this->store->list("key_a", cancelled);
  ASSERT_TRUE(only.ok());
  ASSERT_EQ(only->size(), 1u);
  EXPECT_EQ((*only)[0].task_uuid, "s2");
  TaskStore::ListQuery queued{10, 0, "", TaskStatus::Queued};
  auto waiting = this->store->list("key_a", queued);
  ASSERT_TRUE(waiting.ok());
  ASSERT_EQ(waiting->size(), 2u);
  EXPECT_EQ((*waiting)[0].task_uuid, "s3");  // newest first
  TaskStore::ListQuery done{10, 0, "", TaskStatus::Success};
  EXPECT_TRUE(this->store->list("key_a", done)->empty());
  TaskStore::ListQuery other_api{10, 0, "kling:text2video", TaskStatus::Cancelled};
  EXPECT_TRUE(this->store->list("key_a", other_api)->empty());
}

TYPED_TEST(TaskStoreContract, ExternalIdsAreUniquePerOwner) {
  auto a = this->task("t1");
  a.external_id = "order-7";
  ASSERT_TRUE(this->store->enqueue(a).ok());
  auto again = this->task("t2");
  again.external_id = "order-7";
  auto dup = this->store->enqueue(again);
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().code, errc::kDuplicateExternalId);
  EXPECT_EQ(this->store->get("key_a", "t2").error().code, errc::kNotFound);  // nothing half-stored
  auto other_owner = this->task("t3", "key_b");
  other_owner.external_id = "order-7";
  EXPECT_TRUE(this->store->enqueue(other_owner).ok());
  auto none1 = this->task("t4"), none2 = this->task("t5");  // "" is not an id: any number may lack one
  EXPECT_TRUE(this->store->enqueue(none1).ok());
  EXPECT_TRUE(this->store->enqueue(none2).ok());

  auto found = this->store->get_by_external_id("key_a", "order-7");
  ASSERT_TRUE(found.ok()) << found.error().message;
  EXPECT_EQ(found->task_uuid, "t1");
  EXPECT_EQ(found->external_id, "order-7");
  EXPECT_EQ(this->store->get_by_external_id("key_b", "order-7")->task_uuid, "t3");
  EXPECT_EQ(this->store->get_by_external_id("key_c", "order-7").error().code, errc::kNotFound);
  EXPECT_EQ(this->store->get_by_external_id("key_a", "").error().code, errc::kNotFound);
  // A duplicate in a batch fails only itself.
  auto b1 = this->task("t6"), b2 = this->task("t7");
  b1.external_id = "order-7";
  b2.external_id = "order-8";
  std::vector<TaskRecord> batch{b1, b2};
  auto results = this->store->enqueue_many(batch);
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[0].error().code, errc::kDuplicateExternalId);
  EXPECT_TRUE(results[1].ok());
}

TYPED_TEST(TaskStoreContract, ConcurrentWorkersNeverShareATask) {
  constexpr int kTasks = 200;
  constexpr int kWorkers = 8;
  for (int i = 0; i < kTasks; ++i) this->enqueue("t" + std::to_string(i));
  std::vector<std::vector<std::string>> claimed(kWorkers);
  std::vector<std::thread> workers;
  for (int w = 0; w < kWorkers; ++w) {
    workers.emplace_back([this, w, &claimed] {
      const std::string id = "worker-" + std::to_string(w);
      for (;;) {
        auto next = this->store->claim_next(id, 60'000);
        if (!next.ok() || !next->has_value()) return;
        const std::string uuid = (*next)->task_uuid;
        claimed[static_cast<std::size_t>(w)].push_back(uuid);
        if (!this->store->put_result(claim_of(**next), {0, "m-" + uuid, "success", id}).ok()) return;
        if (!this->store->complete(claim_of(**next)).ok()) return;
      }
    });
  }
  for (auto& t : workers) t.join();
  std::multiset<std::string> all;
  for (const auto& v : claimed) all.insert(v.begin(), v.end());
  EXPECT_EQ(all.size(), static_cast<std::size_t>(kTasks));
  EXPECT_EQ(std::set<std::string>(all.begin(), all.end()).size(), all.size()) << "task shared";
  EXPECT_EQ(this->store->count_by_status()->at(TaskStatus::Success), kTasks);
  for (int i = 0; i < kTasks; ++i) EXPECT_EQ(this->get("t" + std::to_string(i)).attempts, 1);
}

}  // namespace
}  // namespace vidserve::store
