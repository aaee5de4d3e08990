// The Runware front-end's two background loops: the Submitter (group commit, the space check,
// stop commits what is queued) and the CompletionWaiter (notify, deadlines on the FakeClock's
// monotonic time, stop). Waits for callbacks are bounded generously (10 s).
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <optional>
#include <string>
#include <vector>

#include "api/runware/completion_waiter.hpp"
#include "api/runware/submitter.hpp"
#include "common/clock.hpp"
#include "store/memory_task_store.hpp"

namespace vidserve::api::runware {
namespace {

using namespace std::chrono_literals;
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

TEST(CompletionWaiter, AFinishedTaskIsReported) {
  FakeClock clock;
  store::MemoryTaskStore tasks(clock);
  ASSERT_TRUE(tasks.enqueue(task("a")));
  CompletionWaiter waiter(tasks, clock);
  waiter.start();
  std::promise<Outcome> done;
  waiter.wait("owner", "a", clock.monotonic() + 1h,
              [&](Outcome r) { done.set_value(std::move(r)); });
  ASSERT_TRUE(tasks.cancel("owner", "a"));
  waiter.notify("a");
  auto result = done.get_future();
  ASSERT_EQ(result.wait_for(kPatience), std::future_status::ready);
  const auto record = result.get();
  ASSERT_TRUE(record);
  EXPECT_EQ(record->status, store::TaskStatus::Cancelled);
}

TEST(CompletionWaiter, TheDeadlineIsOnTheClocksMonotonicTime) {
  FakeClock clock;
  store::MemoryTaskStore tasks(clock);
  ASSERT_TRUE(tasks.enqueue(task("a")));
  CompletionWaiter waiter(tasks, clock);
  waiter.start();
  std::promise<Outcome> done;
  auto result = done.get_future();
  waiter.wait("owner", "a", clock.monotonic() + 120s,
              [&](Outcome r) { done.set_value(std::move(r)); });
  // The expiry looks every 250 ms of real time; the fake time has not reached the deadline.
  EXPECT_EQ(result.wait_for(600ms), std::future_status::timeout);
  clock.advance_ms(120'000);
  ASSERT_EQ(result.wait_for(kPatience), std::future_status::ready);
  EXPECT_FALSE(result.get());
}

TEST(CompletionWaiter, StopAnswersEveryWaiterWithNothing) {
  FakeClock clock;
  store::MemoryTaskStore tasks(clock);
  ASSERT_TRUE(tasks.enqueue(task("a")));
  CompletionWaiter waiter(tasks, clock);
  waiter.start();
  int answered = 0;
  waiter.wait("owner", "a", clock.monotonic() + 1h, [&](Outcome r) { answered += r ? 100 : 1; });
  waiter.stop();
  EXPECT_EQ(answered, 1);
  waiter.wait("owner", "a", clock.monotonic() + 1h, [&](Outcome r) { answered += r ? 100 : 1; });
  EXPECT_EQ(answered, 2);  // after stop: at once, with nothing
}

}  // namespace
}  // namespace vidserve::api::runware
