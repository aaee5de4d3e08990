// BackgroundLoop: wakes, periods, the waits a step asks for, and stop() in its three situations
// (waiting, inside a step, from a step). Waits for steps are bounded generously (10 s) and only
// fail when a step that must come does not; nothing here depends on how fast the machine is.
#include "common/background_loop.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <vector>

namespace vidserve {
namespace {

using namespace std::chrono_literals;
constexpr auto kPatience = 10s;  // for what must happen; a correct loop takes microseconds

// Counts steps; the test waits for a count.
class Steps {
 public:
  void add() {
    {
      std::lock_guard lock(mutex_);
      ++count_;
    }
    changed_.notify_all();
  }
  bool reach(int n) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, kPatience, [&] { return count_ >= n; });
  }
  int count() {
    std::lock_guard lock(mutex_);
    return count_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  int count_ = 0;
};

TEST(BackgroundLoop, WakeRunsAStepPromptly) {
  Steps steps;
  BackgroundLoop loop(1h, [&] { steps.add(); });
  loop.start();
  EXPECT_EQ(steps.count(), 0);  // the first step waits for the period or a wake
  loop.wake();
  EXPECT_TRUE(steps.reach(1));
  loop.wake();
  EXPECT_TRUE(steps.reach(2));
}

TEST(BackgroundLoop, AWakeStepWaitsForTheNextWake) {
  Steps steps;
  BackgroundLoop loop([&]() -> BackgroundLoop::Next {
    steps.add();
    return std::nullopt;
  });
  loop.start();
  loop.wake();
  ASSERT_TRUE(steps.reach(1));
  loop.wake();
  ASSERT_TRUE(steps.reach(2));
  loop.stop();
  EXPECT_EQ(steps.count(), 2);
}

TEST(BackgroundLoop, PeriodicStepsHappenWithoutWakes) {
  Steps steps;
  BackgroundLoop loop(1ms, [&] { steps.add(); });
  loop.start();
  EXPECT_TRUE(steps.reach(3));
}

TEST(BackgroundLoop, StopEndsTheWaitJoinsAndRunsNoMoreSteps) {
  Steps steps;
  BackgroundLoop loop(1h, [&] { steps.add(); });
  loop.start();
  loop.wake();
  ASSERT_TRUE(steps.reach(1));
  auto stopped = std::async(std::launch::async, [&] { loop.stop(); });
  ASSERT_EQ(stopped.wait_for(kPatience), std::future_status::ready);  // not after the hour
  loop.wake();  // the thread is gone: nothing runs it
  loop.stop();  // idempotent
  EXPECT_EQ(steps.count(), 1);
}

TEST(BackgroundLoop, StopWaitsForTheRunningStep) {
  std::promise<void> entered, release;
  auto released = release.get_future();
  std::atomic<bool> step_done{false};
  BackgroundLoop loop(1h, [&] {
    entered.set_value();
    released.wait();
    step_done = true;
  });
  loop.start();
  loop.wake();
  entered.get_future().wait();
  auto stopped = std::async(std::launch::async, [&] { loop.stop(); });
  EXPECT_EQ(stopped.wait_for(50ms), std::future_status::timeout);  // still in the step
  release.set_value();
  stopped.get();
  EXPECT_TRUE(step_done);
}

TEST(BackgroundLoop, WakesDuringAStepGiveOneMoreStep) {
  Steps steps;
  std::promise<void> entered, release;
  auto released = release.get_future().share();
  BackgroundLoop loop(1h, [&] {
    if (steps.count() == 0) {
      entered.set_value();
      released.wait();
    }
    steps.add();
  });
  loop.start();
  loop.wake();
  entered.get_future().wait();
  for (int i = 0; i < 3; ++i) loop.wake();
  release.set_value();
  ASSERT_TRUE(steps.reach(2));
  loop.stop();
  EXPECT_EQ(steps.count(), 2);
}

TEST(BackgroundLoop, StopFromWithinAStepDoesNotDeadlock) {
  Steps steps;
  BackgroundLoop* self = nullptr;
  BackgroundLoop loop(0ms, [&] {
    self->stop();  // returns at once; the loop ends after this step
    steps.add();
  });
  self = &loop;
  loop.start();
  ASSERT_TRUE(steps.reach(1));
  auto stopped = std::async(std::launch::async, [&] { loop.stop(); });
  ASSERT_EQ(stopped.wait_for(kPatience), std::future_status::ready);
  EXPECT_EQ(steps.count(), 1);  // a zero period would have stepped again
}

TEST(BackgroundLoop, TheStepChoosesTheNextWaitAndTestsCanSkipIt) {
  Steps steps;
  std::vector<std::chrono::milliseconds> waited;  // written on the loop's thread before each add()
  std::vector<BackgroundLoop::Next> plan{5000ms, 0ms, 60000ms, std::nullopt};
  BackgroundLoop loop(
      [&]() -> BackgroundLoop::Next {
        const auto next = plan[static_cast<std::size_t>(steps.count())];
        steps.add();
        return next;
      },
      [&](std::chrono::milliseconds delay) { waited.push_back(delay); });
  loop.start();
  loop.wake();
  ASSERT_TRUE(steps.reach(4));  // three steps without a wake, the hour-long waits skipped
  loop.stop();
  EXPECT_EQ(steps.count(), 4);  // the last one waits for a wake
  // A zero wait is no wait: the hook hears only of the others.
  EXPECT_EQ(waited, (std::vector<std::chrono::milliseconds>{5000ms, 60000ms}));
}

TEST(BackgroundLoop, RestartsAfterStop) {
  Steps steps;
  BackgroundLoop loop(1h, [&] { steps.add(); });
  loop.start();
  loop.stop();
  loop.start();
  loop.wake();
  EXPECT_TRUE(steps.reach(1));
}

TEST(BackgroundLoop, DestructorStopsAWaitingLoop) {
  Steps steps;
  auto destroyed = std::async(std::launch::async, [&] {
    BackgroundLoop loop(1h, [&] { steps.add(); });
    loop.start();
  });
  EXPECT_EQ(destroyed.wait_for(kPatience), std::future_status::ready);
  EXPECT_EQ(steps.count(), 0);
}

}  // namespace
}  // namespace vidserve
