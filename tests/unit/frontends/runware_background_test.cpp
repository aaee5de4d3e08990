// The front-ends' two background loops: the Submitter (group commit, the space check,
// stop commits what is queued) and the CompletionWaiter (notify, deadlines on the FakeClock's
// monotonic time, stop). Waits for callbacks are bounded generously (10 s).
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "api/runware/completion_waiter.hpp"
#include "api/tasks/submitter.hpp"
#include "api/wire/error_codes.hpp"
#include "common/clock.hpp"
#include "store/memory_task_store.hpp"

namespace vidserve::api::runware {
namespace {

using namespace std::chrono_literals;
using api::wire::errc::kInsufficientStorage;
using tasks::Submitter;
constexpr auto kPatience = 10s;

store::TaskRecord task(const std::string& uuid) {
  store::TaskRecord t;
  t.task_uuid = uuid;
  t.owner = "owner";
  t.task_type = "videoInference";
  t.model = "klingai:5@3";
  t.results.push_back({0, "media-" + uuid, "processing", ""});
  return t;
}

using Committed = std::vector<Result<store::TaskRecord>>;

TEST(Submitter, CommitsAndCallsBack) {
  FakeClock clock;
  store::MemoryTaskStore tasks(clock);
  Submitter submitter(tasks);
  submitter.start();
  std::promise<Committed> done;
  ASSERT_TRUE(
      submitter.submit({task("a"), task("b")}, [&](Committed r) { done.set_value(std::move(r)); }));
  auto result = done.get_future();
  ASSERT_EQ(result.wait_for(kPatience), std::future_status::ready);
  const auto committed = result.get();
  ASSERT_EQ(committed.size(), 2u);
  EXPECT_TRUE(committed[0] && committed[1]);
  EXPECT_TRUE(tasks.get("owner", "b"));
}

TEST(Submitter, StopCommitsWhatIsQueuedThenRefuses) {
  FakeClock clock;
  store::MemoryTaskStore tasks(clock);
  std::promise<void> in_check, release;
  auto released = release.get_future().share();
  int checks = 0;  // on the committer thread, then on the stopping one (ordered by the join)
  Submitter submitter(tasks, [&] {
    if (checks++ == 0) {
      in_check.set_value();
      released.wait();  // holds the first commit while the second group queues
    }
    return true;
  });
  submitter.start();
  int first = 0, second = 0;
  ASSERT_TRUE(
      submitter.submit({task("a")}, [&](Committed r) { first = static_cast<int>(r.size()); }));
  in_check.get_future().wait();
  ASSERT_TRUE(submitter.submit({task("b"), task("c")},
                               [&](Committed r) { second = static_cast<int>(r.size()); }));
  auto stopped = std::async(std::launch::async, [&] { submitter.stop(); });
  release.set_value();
  ASSERT_EQ(stopped.wait_for(kPatience), std::future_status::ready);
  EXPECT_EQ(first, 1);
  EXPECT_EQ(second, 2);  // queued when stop began: committed before stop returned
  EXPECT_TRUE(tasks.get("owner", "c"));
  EXPECT_FALSE(
      submitter.submit({task("d")}, [](Committed) { ADD_FAILURE() << "called after stop"; }));
}

TEST(Submitter, AFullDiskStoresNothing) {
  FakeClock clock;
  store::MemoryTaskStore tasks(clock);
  Submitter submitter(tasks, [] { return false; });
  submitter.start();
  std::promise<Committed> done;
  ASSERT_TRUE(submitter.submit({task("a")}, [&](Committed r) { done.set_value(std::move(r)); }));
  auto result = done.get_future();
  ASSERT_EQ(result.wait_for(kPatience), std::future_status::ready);
  const auto committed = result.get();
  ASSERT_EQ(committed.size(), 1u);
  ASSERT_FALSE(committed[0]);
  EXPECT_EQ(committed[0].error().code, kInsufficientStorage);
  EXPECT_FALSE(tasks.get("owner", "a"));
}

using Outcome = std::optional<store::TaskRecord>;

// A waiter on a FakeClock with one processing task, "a".
class CompletionWaiterTest : public testing::Test {
 protected:
  CompletionWaiterTest() : tasks_(clock_), waiter_(tasks_, clock_) {
    EXPECT_TRUE(tasks_.enqueue(task("a")));
    waiter_.start();
  }
  // Waits for "a" until the fake clock passed `timeout`; the outcome arrives through the future.
  std::future<Outcome> wait_for_a(std::chrono::milliseconds timeout) {
    auto done = std::make_shared<std::promise<Outcome>>();
    waiter_.wait("owner", "a", clock_.monotonic() + timeout,
                 [done](Outcome r) { done->set_value(std::move(r)); });
    return done->get_future();
  }

  FakeClock clock_;
  store::MemoryTaskStore tasks_;
  CompletionWaiter waiter_;
};

TEST_F(CompletionWaiterTest, AFinishedTaskIsReported) {
  auto result = wait_for_a(1h);
  ASSERT_TRUE(tasks_.cancel("owner", "a"));
  waiter_.notify("owner", "a");
  ASSERT_EQ(result.wait_for(kPatience), std::future_status::ready);
  const auto record = result.get();
  ASSERT_TRUE(record);
  EXPECT_EQ(record->status, store::TaskStatus::Cancelled);
}

// A taskUUID is unique per owner only: another owner's task "a" finishing answers neither the
// waiter of this owner's "a" nor is answered by it.
TEST_F(CompletionWaiterTest, AnotherOwnersTaskWithTheSameUuidIsNotThisOne) {
  store::TaskRecord theirs = task("a");
  theirs.owner = "other";
  ASSERT_TRUE(tasks_.enqueue(theirs));
  auto mine = wait_for_a(1h);
  auto done = std::make_shared<std::promise<Outcome>>();
  waiter_.wait("other", "a", clock_.monotonic() + 1h, [done](Outcome r) { done->set_value(std::move(r)); });
  auto other = done->get_future();
  ASSERT_TRUE(tasks_.cancel("other", "a"));
  waiter_.notify("other", "a");
  ASSERT_EQ(other.wait_for(kPatience), std::future_status::ready);
  const auto record = other.get();
  ASSERT_TRUE(record);
  EXPECT_EQ(record->owner, "other");
  EXPECT_EQ(record->status, store::TaskStatus::Cancelled);
  EXPECT_EQ(mine.wait_for(300ms), std::future_status::timeout);  // this owner's "a" still runs
  ASSERT_TRUE(tasks_.cancel("owner", "a"));
  waiter_.notify("owner", "a");
  ASSERT_EQ(mine.wait_for(kPatience), std::future_status::ready);
  EXPECT_EQ(mine.get()->owner, "owner");
}

TEST_F(CompletionWaiterTest, TheDeadlineIsOnTheClocksMonotonicTime) {
  auto result = wait_for_a(120s);
  // The expiry looks every 250 ms of real time; the fake time has not reached the deadline.
  EXPECT_EQ(result.wait_for(600ms), std::future_status::timeout);
  clock_.advance_ms(120'000);
  ASSERT_EQ(result.wait_for(kPatience), std::future_status::ready);
  EXPECT_FALSE(result.get());
}

TEST_F(CompletionWaiterTest, StopAnswersEveryWaiterWithNothing) {
  auto pending = wait_for_a(1h);
  waiter_.stop();
  ASSERT_EQ(pending.wait_for(0s), std::future_status::ready);
  EXPECT_FALSE(pending.get());
  auto late = wait_for_a(1h);  // after stop: answered at once, with nothing
  ASSERT_EQ(late.wait_for(0s), std::future_status::ready);
  EXPECT_FALSE(late.get());
}

}  // namespace
}  // namespace vidserve::api::runware
