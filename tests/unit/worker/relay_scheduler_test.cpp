// Scheduler with an asynchronous engine (engine::Engine::start, the kling relay's path): the fake
// engine keeps each started job until the test answers it, as a provider that takes its time.
// Relayed tasks hold no worker; at most max_relayed are in the engine's hands; a cancel reaches
// the engine through Progress::cancelled(); the result is stored by a worker afterwards.
#include <gtest/gtest.h>

#include <condition_variable>
#include <fstream>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "runner_world.hpp"
#include "store/memory_task_store.hpp"
#include "worker/scheduler.hpp"

namespace vidserve::worker {
namespace {

using namespace std::chrono_literals;

class HeldEngine final : public engine::Engine {
 public:
  struct Held {
    engine::Job job;
    engine::Progress* progress;
    engine::RenderDone done;
  };
  std::mutex mutex;
  std::condition_variable changed;
  std::map<std::string, Held> held;  // by task uuid
  std::size_t most_held = 0;

  std::string_view name() const override { return "fake"; }
  bool asynchronous() const override { return true; }
  Result<engine::Output> render(const engine::Job&, engine::Progress&) override {
    return Error{"unexpected", "a worker rendered a task of an asynchronous engine"};
  }
  void start(const engine::Job& job, engine::Progress& progress, engine::RenderDone done) override {
    std::lock_guard lock(mutex);
    held[job.task_uuid] = {job, &progress, std::move(done)};
    most_held = std::max(most_held, held.size());
    changed.notify_all();
  }
  bool wait_held(std::size_t n) {
    std::unique_lock lock(mutex);
    return changed.wait_for(lock, 30s, [&] { return held.size() >= n; });
  }
  // Writes the output and answers the job of `uuid` (called without the lock).
  void finish(const std::string& uuid) {
    Held h;
    {
      std::lock_guard lock(mutex);
      h = std::move(held.at(uuid));
      held.erase(uuid);
    }
    h.progress->update(0.5);
    std::ofstream(h.job.output_path, std::ios::binary) << "relayed bytes";
    h.done(engine::Output{640, 360, 5.0});
  }
  engine::Progress* progress_of(const std::string& uuid) {
    std::lock_guard lock(mutex);
    return held.at(uuid).progress;
  }
};

class RelaySchedulerTest : public testing::Test {
 protected:
  RelaySchedulerTest() : tasks_(clock_) {}

  void enqueue(const std::string& uuid) {
    store::TaskRecord task;
    task.task_uuid = uuid;
    task.owner = "user";
    task.task_type = "videoInference";
    task.model = "fake:1";
    task.results.push_back({0, "media-" + uuid, "processing", ""});
    ASSERT_TRUE(tasks_.enqueue(task));
  }
  RunnerDeps deps() {
    RunnerDeps d{tasks_, world_.media, world_.engines, nullptr, nullptr};
    d.decode = [](const store::TaskRecord&) -> Result<core::DecodedTask> {
      return core::DecodedTask{core::VideoRequest{}, core::Plan{}, std::nullopt, 7, std::nullopt};
    };
    d.fetch_async = [](const std::string&, const std::string&, InputDone done) { done(fetch::Blob{}); };
    events_.on_finished = [this](const store::TaskEvent& e) {
      std::lock_guard lock(mutex_);
      finished_.push_back(e.task_uuid);
      changed_.notify_all();
    };
    d.events = &events_;
    d.lease_ms = 60'000;
    return d;
  }
  bool wait_finished(std::size_t n) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, 30s, [&] { return finished_.size() >= n; });
  }
  store::TaskStatus status(const std::string& uuid) { return tasks_.get("user", uuid)->status; }

  FakeClock clock_;
  test_support::RunnerWorld<HeldEngine> world_{clock_};
  store::MemoryTaskStore tasks_;
  HeldEngine& engine_ = *world_.engine;
  test_support::CallbackEvents events_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::string> finished_;
};

TEST_F(RelaySchedulerTest, OneWorkerHandsEveryTaskToTheEngineAndStoresTheResults) {
  for (int i = 0; i < 6; ++i) enqueue("t" + std::to_string(i));
  SchedulerOptions options{1, 20, 16};
  Scheduler scheduler(deps(), options);
  scheduler.start();
  // One worker, six tasks at the provider at once: none holds the worker.
  ASSERT_TRUE(engine_.wait_held(6));
  EXPECT_EQ(scheduler.in_hand(), 6u);
  for (int i = 0; i < 6; ++i) EXPECT_EQ(status("t" + std::to_string(i)), store::TaskStatus::Processing);
  for (int i = 0; i < 6; ++i) engine_.finish("t" + std::to_string(i));
  ASSERT_TRUE(wait_finished(6));
  for (int i = 0; i < 6; ++i) {
    const auto task = *tasks_.get("user", "t" + std::to_string(i));
    EXPECT_EQ(task.status, store::TaskStatus::Success);
    ASSERT_EQ(task.results.size(), 1u);
    EXPECT_EQ(task.results[0].status, "success");
  }
  // Released just after the task's end was published.
  for (int i = 0; i < 1000 && scheduler.in_hand() > 0; ++i) std::this_thread::sleep_for(5ms);
  EXPECT_EQ(scheduler.in_hand(), 0u);
  scheduler.stop();
}

TEST_F(RelaySchedulerTest, AtMostMaxRelayedTasksAreAtTheEngine) {
  for (int i = 0; i < 5; ++i) enqueue("t" + std::to_string(i));
  SchedulerOptions options{2, 20, 16};
  options.max_relayed = 2;
  Scheduler scheduler(deps(), options);
  scheduler.start();
  ASSERT_TRUE(engine_.wait_held(2));
  std::this_thread::sleep_for(100ms);  // time for a wrongly started third one
  std::vector<std::string> first;
  {
    std::lock_guard lock(engine_.mutex);
    EXPECT_EQ(engine_.held.size(), 2u);
    for (const auto& [uuid, h] : engine_.held) first.push_back(uuid);
  }
  for (const auto& uuid : first) engine_.finish(uuid);
  // The others follow, two at a time, as the first ones end.
  for (int round = 0; round < 2; ++round) {
    ASSERT_TRUE(engine_.wait_held(round == 0 ? 2 : 1));
    std::vector<std::string> next;
    {
      std::lock_guard lock(engine_.mutex);
      for (const auto& [uuid, h] : engine_.held) next.push_back(uuid);
    }
    for (const auto& uuid : next) engine_.finish(uuid);
  }
  ASSERT_TRUE(wait_finished(5));
  EXPECT_EQ(engine_.most_held, 2u);
  scheduler.stop();
}

TEST_F(RelaySchedulerTest, ACancelReachesTheEngineThroughProgress) {
  enqueue("c");
  SchedulerOptions options{1, 20, 16};
  options.relay_watch_ms = 10;
  Scheduler scheduler(deps(), options);
  scheduler.start();
  ASSERT_TRUE(engine_.wait_held(1));
  auto* progress = engine_.progress_of("c");
  EXPECT_FALSE(progress->cancelled());
  ASSERT_TRUE(tasks_.cancel("user", "c"));
  const auto until = std::chrono::steady_clock::now() + 10s;
  while (!progress->cancelled() && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(5ms);
  EXPECT_TRUE(progress->cancelled());
  EXPECT_EQ(status("c"), store::TaskStatus::Cancelled);
  engine_.finish("c");  // the engine's answer to a cancelled task changes nothing
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(status("c"), store::TaskStatus::Cancelled);
  scheduler.stop();
}

// Without a shared store, stop() leaves a relayed task in processing for the next start (which
// resumes it from its provider state) instead of failing it.
TEST_F(RelaySchedulerTest, StopLeavesARelayedTaskForTheNextStart) {
  enqueue("s");
  Scheduler scheduler(deps(), SchedulerOptions{1, 20, 16});
  scheduler.start();
  ASSERT_TRUE(engine_.wait_held(1));
  auto* progress = engine_.progress_of("s");
  std::thread stopper([&] { scheduler.stop(); });
  const auto until = std::chrono::steady_clock::now() + 10s;
  while (!progress->cancelled() && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(5ms);
  EXPECT_TRUE(progress->cancelled());
  {
    engine::RenderDone done;
    {
      std::lock_guard lock(engine_.mutex);
      done = std::move(engine_.held.at("s").done);
      engine_.held.clear();
    }
    done(Error{"taskCancelled", "the task was cancelled."});
  }
  stopper.join();
  EXPECT_EQ(status("s"), store::TaskStatus::Processing);
}

}  // namespace
}  // namespace vidserve::worker
