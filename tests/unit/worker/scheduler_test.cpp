// Scheduler with an asynchronous input fetcher (RunnerDeps::fetch_async): URL inputs of the fake
// host "tarpit" are held by the test and answered only when it says so, like a host that accepts
// the connection and never answers. Every wait is for a state the test brings about.
#include "worker/scheduler.hpp"

#include <gtest/gtest.h>

#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/result_payload.hpp"
#include "runner_world.hpp"
#include "store/memory_task_store.hpp"

namespace vidserve::worker {
namespace {

using namespace std::chrono_literals;

// A distinct image per name: the name's length sets its width.
std::string image(const std::string& name) {
  return test_support::png(static_cast<int>(name.size()), 4);
}

// Records each render's inputs; renders of tasks named "blocker-*" wait until the test lets them
// go (release), so the test decides which worker is busy.
class RecordingEngine final : public engine::Engine {
 public:
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<std::vector<std::string>> input_roles;  // per render, the inputs' roles in order
  std::set<std::string> rendering, released;

  std::string_view name() const override { return "fake"; }
  Result<engine::Output> render(const engine::Job& job, engine::Progress& progress) override {
    {
      std::unique_lock lock(mutex);
      std::vector<std::string> roles;
      for (const auto& input : job.inputs) roles.push_back(input.role + "=" + input.blob.bytes);
      input_roles.push_back(std::move(roles));
      rendering.insert(job.task_uuid);
      changed.notify_all();
      if (job.task_uuid.rfind("blocker-", 0) == 0) {
        changed.wait(lock, [&] { return released.count(job.task_uuid) > 0; });
      }
    }
    // A render that only a cancel (or a stop handing it back) ends.
    if (job.task_uuid.rfind("endless-", 0) == 0) {
      while (!progress.cancelled()) std::this_thread::sleep_for(1ms);
      return Error{"taskCancelled", "the render was stopped"};
    }
    progress.update(0.5);
    if (progress.cancelled()) return Error{"taskCancelled", "the lease was lost"};
    std::ofstream(job.output_path, std::ios::binary) << "not really a video";
    return engine::Output{320, 240, 1.0};
  }
  bool wait_rendering(const std::string& uuid) {
    std::unique_lock lock(mutex);
    return changed.wait_for(lock, 30s, [&] { return rendering.count(uuid) > 0; });
  }
  void release(const std::string& uuid) {
    std::lock_guard lock(mutex);
    released.insert(uuid);
    changed.notify_all();
  }
};

class SchedulerTest : public testing::Test {
 protected:
  SchedulerTest() : tasks_(clock_) {}

  // A task whose inputs are `urls` (reference images, in this order).
  void enqueue(const std::string& uuid, const std::string& owner, std::vector<std::string> urls,
               int results = 1) {
    store::TaskRecord task;
    task.task_uuid = uuid;
    task.owner = owner;
    task.task_type = "videoInference";
    task.model = "fake:1";
    for (int i = 0; i < results; ++i) {
      task.results.push_back({i, "media-" + uuid + "-" + std::to_string(i), "processing", ""});
    }
    ASSERT_TRUE(tasks_.enqueue(task));
    std::lock_guard lock(mutex_);
    inputs_[uuid] = std::move(urls);
  }

  RunnerDeps deps() {
    RunnerDeps d{tasks_, media_, engines_, nullptr, nullptr};
    d.decode = [this](const store::TaskRecord& r) -> Result<core::DecodedTask> {
      core::VideoRequest request;
      std::lock_guard lock(mutex_);
      for (const auto& url : inputs_[r.task_uuid])
        request.inputs.reference_images.push_back({url, "inputs.referenceImages"});
      return core::DecodedTask{request, core::Plan{}, std::nullopt, 7, std::nullopt};
    };
    d.fetch_async = [this](const std::string& ref, const std::string&, InputDone done) {
      if (ref.rfind("http://tarpit/", 0) != 0)
        return done(fetch::Blob{image(ref.substr(ref.rfind('/') + 1)), "image/png"});
      std::lock_guard lock(mutex_);
      held_.push_back({ref, std::move(done)});
      changed_.notify_all();
    };
    events_.on_finished = [this](const store::TaskEvent& e) {
      std::lock_guard lock(mutex_);
      finished_.insert(e.task_uuid);
      changed_.notify_all();
    };
    d.events = &events_;
    d.lease_ms = 60'000;
    return d;
  }

  // Generous bounds: they only turn a hang into a failure.
  bool wait_finished(const std::string& uuid) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, 30s, [&] { return finished_.count(uuid) > 0; });
  }
  bool wait_held(std::size_t n) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, 30s, [&] { return held_.size() >= n; });
  }
  // Answers the held fetch of `ref` (called without the lock: it may run the task's callback).
  void answer(const std::string& ref, Result<fetch::Blob> answer) {
    InputDone done;
    {
      std::lock_guard lock(mutex_);
      for (auto it = held_.begin(); it != held_.end(); ++it) {
        if (it->first == ref) {
          done = std::move(it->second);
          held_.erase(it);
          break;
        }
      }
    }
    ASSERT_TRUE(done) << ref;
    done(std::move(answer));
  }
  void answer_all(const Error& error) {
    std::vector<std::pair<std::string, InputDone>> held;
    {
      std::lock_guard lock(mutex_);
      held.swap(held_);
    }
    for (auto& [ref, done] : held) done(error);
  }
  store::TaskRecord record(const std::string& uuid, const std::string& owner = "tarpit-user") {
    return *tasks_.get(owner, uuid);
  }

  FakeClock clock_;
  test_support::RunnerWorld<RecordingEngine> world_{clock_};
  store::MemoryTaskStore tasks_;
  delivery::MediaStore& media_ = world_.media;
  engine::EngineRouter& engines_ = world_.engines;
  RecordingEngine* engine_ = world_.engine;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::map<std::string, std::vector<std::string>> inputs_;
  std::vector<std::pair<std::string, InputDone>> held_;
  std::set<std::string> finished_;
  test_support::CallbackEvents events_;
};

// The case: with every worker free to claim, tasks waiting for a host that never answers
// hold no worker, so another key's task without URL inputs runs at once.
TEST_F(SchedulerTest, TasksWaitingForATarpitHoldNoWorker) {
  for (int i = 0; i < 4; ++i)
    enqueue("tarpit-" + std::to_string(i), "tarpit-user", {"http://tarpit/" + std::to_string(i)});
  enqueue("plain", "other-user", {});
  Scheduler scheduler(deps(), SchedulerOptions{1, 50, 16});
  scheduler.start();
  ASSERT_TRUE(wait_finished("plain"));
  EXPECT_EQ(tasks_.get("other-user", "plain")->status, store::TaskStatus::Success);
  ASSERT_TRUE(wait_held(4));
  for (int i = 0; i < 4; ++i)
    EXPECT_EQ(record("tarpit-" + std::to_string(i)).status, store::TaskStatus::Processing);
  // The deadline passes: each of them fails with the fetch's error, naming its input.
  answer_all(Error{"fetchTimeout", "http://tarpit/ did not answer completely within 60 s."});
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(wait_finished("tarpit-" + std::to_string(i)));
  const auto failed = record("tarpit-0");
  EXPECT_EQ(failed.status, store::TaskStatus::Error);
  EXPECT_EQ(failed.error_code, "fetchTimeout");
  // The input at fault is the error's parameter, kept with each result not made (the message
  // names no path), as on the synchronous path.
  ASSERT_EQ(failed.results.size(), 1u);
  const auto payload = core::decode_result_payload(failed.results[0].payload);
  EXPECT_EQ(payload.error_parameter.rfind("inputs.referenceImages", 0), 0u);
  scheduler.stop();
}

// All inputs of a task are asked for before any answers; they reach the engine in request order
// whatever order they arrive in.
TEST_F(SchedulerTest, InputsAreFetchedAtOnceAndKeptInRequestOrder) {
  enqueue("two", "tarpit-user",
          {"http://tarpit/first", "http://tarpit/second", "inline/third-one"});
  Scheduler scheduler(deps(), SchedulerOptions{1, 50, 16});
  scheduler.start();
  ASSERT_TRUE(wait_held(2));
  answer("http://tarpit/second", fetch::Blob{image("second"), "image/png"});
  answer("http://tarpit/first", fetch::Blob{image("first"), "image/png"});
  ASSERT_TRUE(wait_finished("two"));
  EXPECT_EQ(record("two").status, store::TaskStatus::Success);
  std::lock_guard lock(engine_->mutex);
  ASSERT_EQ(engine_->input_roles.size(), 1u);
  EXPECT_EQ(engine_->input_roles[0],
            (std::vector<std::string>{"referenceImage=" + image("first"),
                                      "referenceImage=" + image("second"),
                                      "referenceImage=" + image("third-one")}));
}

// A fetch cancelled because the server stops does not fail the task: it stays in processing and
// the next start requeues it.
TEST_F(SchedulerTest, ACancelledFetchLeavesTheTaskForTheNextStart) {
  enqueue("cut", "tarpit-user", {"http://tarpit/x"});
  Scheduler scheduler(deps(), SchedulerOptions{1, 50, 16});
  scheduler.start();
  ASSERT_TRUE(wait_held(1));
  answer_all(Error{fetch::errc::kFetchCancelled, "the server is stopping."});
  scheduler.stop();
  EXPECT_EQ(record("cut").status, store::TaskStatus::Processing);
  EXPECT_EQ(*tasks_.requeue_interrupted(), 1);
}

// On a shared store a stopping worker process hands its tasks back at once, for the workers of
// the other processes: a task whose fetch the stop cancelled, and a render in hand (stopped as on
// a cancel). Both are Queued again, claimable at once, with their attempt counted, and a queue
// wake goes out.
TEST_F(SchedulerTest, HandingBackOnStopRequeuesFetchesAndRendersAtOnce) {
  enqueue("endless-1", "other-user", {});
  enqueue("cut", "tarpit-user", {"http://tarpit/x"});
  int wakes = 0;
  events_.on_queued([&] { ++wakes; });
  SchedulerOptions options{2, 50, 16};
  options.hand_back_on_stop = true;
  Scheduler scheduler(deps(), options);
  scheduler.start();
  ASSERT_TRUE(engine_->wait_rendering("endless-1"));
  ASSERT_TRUE(wait_held(1));
  EXPECT_EQ(scheduler.in_hand(), 2u);
  answer_all(Error{fetch::errc::kFetchCancelled, "the server is stopping."});  // as the fetcher's stop does
  scheduler.stop();
  EXPECT_EQ(scheduler.in_hand(), 0u);
  for (const auto& [owner, uuid] : {std::pair{"other-user", "endless-1"}, std::pair{"tarpit-user", "cut"}}) {
    const auto task = *tasks_.get(owner, uuid);
    EXPECT_EQ(task.status, store::TaskStatus::Queued) << uuid;
    EXPECT_EQ(task.attempts, 1) << uuid;
    EXPECT_LE(task.not_before_ms, clock_.now_ms()) << uuid;  // claimable now
  }
  EXPECT_EQ(wakes, 2);
  EXPECT_EQ(*tasks_.requeue_interrupted(), 0);  // nothing left in processing
}

// The lease of a task in hand is renewed while it waits for a host, though nothing else writes to
// it meanwhile: another worker (another process) cannot claim it once the first lease ran out.
TEST_F(SchedulerTest, TheLeaseOfAFetchingTaskIsKeptAlive) {
  enqueue("slow", "tarpit-user", {"http://tarpit/x"});
  SchedulerOptions options{1, 50, 16};
  options.renew_every_ms = 10;
  Scheduler scheduler(deps(), options);  // leases of 60 s
  scheduler.start();
  ASSERT_TRUE(wait_held(1));
  const auto first = record("slow").lease_expires_ms;
  clock_.advance_ms(50'000);
  const auto renewed = [&] { return record("slow").lease_expires_ms >= clock_.now_ms() + 50'000; };
  for (int i = 0; i < 30'000 && !renewed(); ++i) std::this_thread::sleep_for(1ms);  // a hang bound only
  EXPECT_GT(record("slow").lease_expires_ms, first);
  clock_.advance_ms(20'000);  // past the first lease
  EXPECT_FALSE(*tasks_.claim_next("another-process", 60'000));
  answer("http://tarpit/x", fetch::Blob{image("x"), "image/png"});
  ASSERT_TRUE(wait_finished("slow"));
  EXPECT_EQ(record("slow").status, store::TaskStatus::Success);
  scheduler.stop();
}

// The worker that renders a fetched task need not be the one that claimed it; the lease renewal
// before its second result and its progress writes still carry the claim's worker id.
TEST_F(SchedulerTest, AnotherWorkerRendersAFetchedTaskUnderTheClaimsLease) {
  enqueue("blocker-1", "other-user", {});
  Scheduler scheduler(deps(), SchedulerOptions{2, 50, 16});
  scheduler.start();
  ASSERT_TRUE(engine_->wait_rendering("blocker-1"));  // worker A is busy
  enqueue("fetched", "tarpit-user", {"http://tarpit/in"}, /*results=*/2);
  scheduler.wake();
  ASSERT_TRUE(wait_held(1));  // claimed by worker B, the only free one
  enqueue("blocker-2", "other-user", {});
  scheduler.wake();
  ASSERT_TRUE(engine_->wait_rendering("blocker-2"));  // now B is busy
  engine_->release("blocker-1");                      // and A is free
  answer("http://tarpit/in", fetch::Blob{image("in"), "image/png"});
  ASSERT_TRUE(wait_finished("fetched"));  // rendered by A
  EXPECT_EQ(record("fetched").status, store::TaskStatus::Success)
      << record("fetched").error_message;
  engine_->release("blocker-2");
  scheduler.stop();
}

}  // namespace
}  // namespace vidserve::worker
