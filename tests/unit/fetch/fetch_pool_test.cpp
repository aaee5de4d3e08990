// FetchPool with fake jobs: a job "hangs" until the test releases it (a Gate) or until the pool's
// stop flag rises (like a transfer that watches FetchLimits::cancel). Nothing here sleeps for a
// fixed time; every wait is for a state the test itself brings about.
#include "fetch/fetch_pool.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

namespace vidserve::fetch {
namespace {

// Counts jobs that started, and holds them until opened.
class Gate {
 public:
  void enter() {
    std::unique_lock lock(mutex_);
    ++entered_;
    changed_.notify_all();
    changed_.wait(lock, [this] { return open_; });
  }
  void open() {
    std::lock_guard lock(mutex_);
    open_ = true;
    changed_.notify_all();
  }
  void wait_entered(int n) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return entered_ >= n; });
  }
  int entered() {
    std::lock_guard lock(mutex_);
    return entered_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  int entered_ = 0;
  bool open_ = false;
};

// Records which jobs ran, in order, and lets the test wait for a count.
class Log {
 public:
  void add(std::string what) {
    std::lock_guard lock(mutex_);
    entries_.push_back(std::move(what));
    changed_.notify_all();
  }
  std::vector<std::string> wait_for(std::size_t n) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return entries_.size() >= n; });
    return entries_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::string> entries_;
};

FetchPoolOptions options(int threads, std::size_t per_host, std::size_t max_queued = 100,
                         std::size_t max_queued_per_host = 100) {
  FetchPoolOptions o;
  o.threads = threads;
  o.per_host = per_host;
  o.max_queued = max_queued;
  o.max_queued_per_host = max_queued_per_host;
  return o;
}

TEST(FetchPool, RunsEveryJob) {
  FetchPool pool(options(3, 2));
  pool.start();
  Log log;
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(pool.submit("h" + std::to_string(i % 4), [&log] { log.add("x"); }));
  }
  EXPECT_EQ(log.wait_for(20).size(), 20u);
  pool.stop();
}

TEST(FetchPool, ASaturatedHostDoesNotHoldUpOtherHosts) {
  FetchPool pool(options(4, 2));
  pool.start();
  Gate tarpit;
  Log log;
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(pool.submit("tarpit", [&] { tarpit.enter(); }));
  tarpit.wait_entered(2);
  // Two tarpit jobs hold two threads; three wait for their host. Other hosts pass them.
  ASSERT_TRUE(pool.submit("good", [&] { log.add("good"); }));
  ASSERT_TRUE(pool.submit("other", [&] { log.add("other"); }));
  EXPECT_EQ(log.wait_for(2).size(), 2u);
  EXPECT_EQ(tarpit.entered(), 2);  // the per-host cap held while free threads were there
  // The good and other jobs have logged, but their threads may not have returned to the pool
  // yet: wait (bounded) until only the two tarpit jobs run.
  auto counts = pool.counts();
  for (int i = 0; i < 500 && counts.running != 2u; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    counts = pool.counts();
  }
  EXPECT_EQ(counts.running, 2u);
  EXPECT_EQ(counts.queued, 3u);
  tarpit.open();
  pool.stop();
  EXPECT_EQ(tarpit.entered(), 5);
}

TEST(FetchPool, RefusesWhenTheQueueIsFull) {
  FetchPool pool(options(1, 1, /*max_queued=*/2));
  pool.start();
  Gate gate;
  ASSERT_TRUE(pool.submit("a", [&] { gate.enter(); }));
  gate.wait_entered(1);  // running, not queued
  ASSERT_TRUE(pool.submit("b", [] {}));
  ASSERT_TRUE(pool.submit("c", [] {}));
  bool ran = false;
  auto refused = pool.submit("d", [&] { ran = true; });
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, errc::kFetchBusy);
  gate.open();
  pool.stop();
  EXPECT_FALSE(ran);
}

TEST(FetchPool, RefusesWhenOneHostsWaitListIsFullButTakesOtherHosts) {
  FetchPool pool(options(2, 1, /*max_queued=*/100, /*max_queued_per_host=*/2));
  pool.start();
  Gate gate;
  ASSERT_TRUE(pool.submit("slow", [&] { gate.enter(); }));
  gate.wait_entered(1);
  ASSERT_TRUE(pool.submit("slow", [&] { gate.enter(); }));
  ASSERT_TRUE(pool.submit("slow", [&] { gate.enter(); }));
  auto refused = pool.submit("slow", [] {});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, errc::kFetchBusy);
  Log log;
  EXPECT_TRUE(pool.submit("fast", [&] { log.add("fast"); }));
  EXPECT_EQ(log.wait_for(1).size(), 1u);
  gate.open();
  pool.stop();
}

TEST(FetchPool, StopEndsAHangingJobThroughTheStopFlagAndRunsTheQueuedOnes) {
  FetchPool pool(options(1, 1));
  pool.start();
  std::atomic<int> started{0};
  std::vector<bool> saw_stop(3, false);
  // Like a transfer to a host that never answers: it ends only when the stop flag rises.
  auto hang = [&](int i) {
    return [&, i] {
      ++started;
      started.notify_all();
      pool.stopping().wait(false);
      saw_stop[i] = pool.stopping().load();
    };
  };
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(pool.submit("tarpit", hang(i)));
  started.wait(0);
  pool.stop();  // returns: the flag ends the running job, the queued ones run with it raised
  EXPECT_EQ(started.load(), 3);
  EXPECT_EQ(saw_stop, std::vector<bool>(3, true));
  auto late = pool.submit("x", [] {});
  ASSERT_FALSE(late);
  EXPECT_EQ(late.error().code, errc::kFetchCancelled);
}

TEST(FetchPool, RefusesBeforeStart) {
  FetchPool pool(options(1, 1));
  auto refused = pool.submit("x", [] {});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, errc::kFetchCancelled);
  pool.stop();  // no threads: returns at once
}

}  // namespace
}  // namespace vidserve::fetch
