// run_task with fakes (in-memory store, media index and engine): which lease and progress writes
// it makes and where it notices a cancellation.
#include "core/scheduler/task_runner.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <thread>
#include <vector>

#include "common/io_error.hpp"
#include "delivery/media_store.hpp"
#include "store/memory_media_index.hpp"
#include "store/memory_task_store.hpp"

namespace vidserve::core {
namespace {

using namespace std::chrono_literals;

// A MemoryTaskStore that counts lease renewals (each one a synchronous write in SQLite) and
// progress writes.
class CountingStore final : public store::TaskStore {
 public:
  explicit CountingStore(const Clock& clock) : inner_(clock) {}
  std::atomic<int> renewals{0};
  std::atomic<int> progress_writes{0};

  Result<store::TaskRecord> enqueue(store::TaskRecord task) override {
    return inner_.enqueue(std::move(task));
  }
  Result<store::TaskRecord> get(std::string_view owner, std::string_view uuid) override {
    return inner_.get(owner, uuid);
  }
  Result<std::optional<store::TaskRecord>> claim_next(std::string_view worker,
                                                      std::int64_t lease_ms) override {
    return inner_.claim_next(worker, lease_ms);
  }
  Status renew_lease(std::string_view uuid, std::string_view worker,
                     std::int64_t lease_ms) override {
    ++renewals;
    return inner_.renew_lease(uuid, worker, lease_ms);
  }
  Status defer(std::string_view uuid, std::string_view worker, std::int64_t delay_ms) override {
    return inner_.defer(uuid, worker, delay_ms);
  }
  Result<std::vector<FinishedTask>> finished_before(std::int64_t before, std::size_t limit) override {
    return inner_.finished_before(before, limit);
  }
  Result<std::int64_t> remove_finished(const std::vector<FinishedTask>& tasks) override {
    return inner_.remove_finished(tasks);
  }
  Status set_progress(std::string_view uuid, std::string_view worker, int percent) override {
    ++progress_writes;
    return inner_.set_progress(uuid, worker, percent);
  }
  Status put_result(std::string_view uuid, store::ResultRecord result) override {
    return inner_.put_result(uuid, std::move(result));
  }
  Status complete(std::string_view uuid) override { return inner_.complete(uuid); }
  Status fail(std::string_view uuid, std::string_view code, std::string_view message) override {
    return inner_.fail(uuid, code, message);
  }
  Status cancel(std::string_view owner, std::string_view uuid) override {
    return inner_.cancel(owner, uuid);
  }
  Result<std::int64_t> requeue_interrupted() override { return inner_.requeue_interrupted(); }
  Result<std::map<store::TaskStatus, std::int64_t>> count_by_status() override {
    return inner_.count_by_status();
  }
  Result<store::TaskRecord> get_by_external_id(std::string_view owner,
                                               std::string_view id) override {
    return inner_.get_by_external_id(owner, id);
  }
  using TaskStore::list;
  Result<std::vector<store::TaskRecord>> list(std::string_view owner,
                                              const ListQuery& query) override {
    return inner_.list(owner, query);
  }

 private:
  store::MemoryTaskStore inner_;
};

// Writes a few bytes per result; `during_render` runs inside render(), then `report` (which may
// report progress); a render that sees the task cancelled fails like a real engine.
class FakeEngine final : public engine::Engine {
 public:
  std::atomic<int> renders{0};
  // The next this many renders meet a full disk, as a media writer would: part of the file is
  // written, then ENOSPC.
  std::atomic<int> disk_full_renders{0};
  std::function<void(const engine::Job&)> during_render;
  std::function<void(const engine::Job&, engine::Progress&)> report;

  std::string_view name() const override { return "fake"; }
  Result<engine::Output> render(const engine::Job& job, engine::Progress& progress) override {
    ++renders;
    if (during_render) during_render(job);
    if (report) report(job, progress);
    if (progress.cancelled()) return Error{"taskCancelled", "the task was cancelled"};
    if (disk_full_renders > 0) {
      --disk_full_renders;
      std::ofstream(job.output_path, std::ios::binary) << "not really";
      return io_error(ENOSPC, "cannot write a packet");
    }
    std::ofstream(job.output_path, std::ios::binary) << "not really a video";
    return engine::Output{320, 240, 1.0};
  }
};

class TaskRunnerTest : public testing::Test {
 protected:
  TaskRunnerTest()
      : dir_(std::filesystem::temp_directory_path() /
             ("vidserve-runner-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++))),
        tasks_(clock_),
        index_(clock_),
        media_((std::filesystem::create_directories(dir_), dir_), index_, clock_) {
    auto owned = std::make_unique<FakeEngine>();
    engine_ = owned.get();
    engines_.add(std::move(owned));
    EXPECT_TRUE(engines_.route("*", "fake"));
  }
  ~TaskRunnerTest() override {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  // Enqueues a task with `results` results and claims it as worker "w".
  store::TaskRecord claimed_task(int results) {
    store::TaskRecord task;
    task.task_uuid = "task-1";
    task.owner = "owner";
    task.task_type = "videoInference";
    task.model = "fake:1";
    for (int i = 0; i < results; ++i)
      task.results.push_back({i, "media-" + std::to_string(i), "processing", ""});
    EXPECT_TRUE(tasks_.enqueue(task));
    auto claimed = tasks_.claim_next("w", 60'000);
    EXPECT_TRUE(claimed && *claimed);
    return **claimed;
  }

  RunnerDeps deps() {
    RunnerDeps d{tasks_, media_, engines_, nullptr, nullptr};
    d.decode = [this](const store::TaskRecord&) -> Result<DecodedTask> {
      DecodedTask decoded{request_, Plan{}, std::nullopt, 7, std::nullopt};
      return decoded;
    };
    d.fetch = [this](const std::string&, const std::string&) -> Result<FetchedInput> {
      if (during_fetch_) during_fetch_();
      return FetchedInput{"bytes", "image/png"};
    };
    d.lease_ms = 60'000;
    return d;
  }

  store::TaskStatus status() { return tasks_.get("owner", "task-1")->status; }
  int stored_progress() { return tasks_.get("owner", "task-1")->progress; }

  static inline int counter_ = 0;
  FakeClock clock_;
  std::filesystem::path dir_;
  CountingStore tasks_;
  store::MemoryMediaIndex index_;
  delivery::MediaStore media_;
  engine::EngineRouter engines_;
  FakeEngine* engine_ = nullptr;
  VideoRequest request_;
  std::function<void()> during_fetch_;
};

// claim_next has just written the lease; renewing it before rendering would be a second
// synchronous write with the same content, on the path of every task.
TEST_F(TaskRunnerTest, NoLeaseRenewalRightAfterTheClaim) {
  const auto task = claimed_task(1);
  run_task(deps(), task, "w");
  EXPECT_EQ(status(), store::TaskStatus::Success);
  EXPECT_EQ(engine_->renders, 1);
  EXPECT_EQ(tasks_.renewals, 0);
}

// A cancellation while a result renders stops the task before the next one.
TEST_F(TaskRunnerTest, ACancellationDuringAResultStopsBeforeTheNext) {
  const auto task = claimed_task(3);
  engine_->during_render = [this](const engine::Job& job) {
    if (job.result_index == 0) {
      ASSERT_TRUE(tasks_.cancel("owner", "task-1"));
    }
  };
  run_task(deps(), task, "w");
  EXPECT_EQ(engine_->renders, 1);
  EXPECT_EQ(status(), store::TaskStatus::Cancelled);
}

// Between results the lease is renewed (a render may have taken longer than the progress reports
// that renew it), which also notices a lease another worker took over.
TEST_F(TaskRunnerTest, EveryResultAfterTheFirstRenewsTheLease) {
  const auto task = claimed_task(3);
  run_task(deps(), task, "w");
  EXPECT_EQ(status(), store::TaskStatus::Success);
  EXPECT_EQ(engine_->renders, 3);
  EXPECT_EQ(tasks_.renewals, 2);
}

// When fetching the inputs took a while, the lease is renewed before the first result too, and
// a task cancelled meanwhile is not rendered.
TEST_F(TaskRunnerTest, ASlowInputFetchRenewsTheLeaseAndNoticesACancellation) {
  request_.inputs.image = InputRef{"https://example.com/a.png", "inputs.image"};
  const auto task = claimed_task(1);
  during_fetch_ = [this] {
    ASSERT_TRUE(tasks_.cancel("owner", "task-1"));
    std::this_thread::sleep_for(1100ms);
  };
  run_task(deps(), task, "w");
  EXPECT_EQ(tasks_.renewals, 1);
  EXPECT_EQ(engine_->renders, 0);
  EXPECT_EQ(status(), store::TaskStatus::Cancelled);
}

// The task's percent counts finished results as whole: with two results, half of the second one
// is 75. Each value is stored before on_progress hears of it; 100 comes only with complete().
TEST_F(TaskRunnerTest, ProgressIsStoredAcrossResultsAndReported) {
  const auto task = claimed_task(2);
  engine_->report = [](const engine::Job&, engine::Progress& progress) {
    for (double fraction : {0.0, 0.5, 1.0}) {
      progress.update(fraction);
      std::this_thread::sleep_for(260ms);  // past the 250 ms between two writes
    }
  };
  std::vector<int> reported, stored;
  auto d = deps();
  d.on_progress = [&](const store::TaskRecord& t, int percent) {
    EXPECT_EQ(t.task_uuid, "task-1");
    reported.push_back(percent);
    stored.push_back(stored_progress());
  };
  run_task(d, task, "w");
  EXPECT_EQ(status(), store::TaskStatus::Success);
  EXPECT_EQ(reported, (std::vector<int>{25, 50, 75, 99}));
  EXPECT_EQ(stored, reported);
  EXPECT_EQ(tasks_.progress_writes, 4);
  EXPECT_EQ(stored_progress(), 100);
}

// An engine reporting on every frame costs at most one store write per 250 ms, and the values
// only go up.
TEST_F(TaskRunnerTest, FrequentReportsAreThrottled) {
  const auto task = claimed_task(1);
  const auto start = std::chrono::steady_clock::now();
  engine_->report = [](const engine::Job&, engine::Progress& progress) {
    for (int i = 0; i <= 1000; ++i) {
      progress.update(i / 1000.0);
      std::this_thread::sleep_for(600us);
    }
  };
  std::vector<int> reported;
  auto d = deps();
  d.on_progress = [&](const store::TaskRecord&, int percent) { reported.push_back(percent); };
  run_task(d, task, "w");
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(status(), store::TaskStatus::Success);
  ASSERT_GE(reported.size(), 2u);
  EXPECT_LE(reported.size(), static_cast<std::size_t>(elapsed / 250ms) + 1);
  EXPECT_EQ(tasks_.progress_writes, static_cast<int>(reported.size()));
  EXPECT_TRUE(std::is_sorted(reported.begin(), reported.end()));
  EXPECT_EQ(std::adjacent_find(reported.begin(), reported.end()), reported.end());  // no repeats
  EXPECT_LE(reported.back(), 99);
}

// A progress write refused because the task was cancelled stops the render, like a renewal.
TEST_F(TaskRunnerTest, AProgressWriteNoticesACancellation) {
  const auto task = claimed_task(2);
  bool seen = false;
  engine_->report = [&](const engine::Job&, engine::Progress& progress) {
    ASSERT_TRUE(tasks_.cancel("owner", "task-1"));
    progress.update(0.5);
    seen = progress.cancelled();
  };
  int calls = 0;
  auto d = deps();
  d.on_progress = [&](const store::TaskRecord&, int) { ++calls; };
  run_task(d, task, "w");
  EXPECT_TRUE(seen);
  EXPECT_EQ(engine_->renders, 1);
  EXPECT_EQ(calls, 0);
  EXPECT_EQ(tasks_.renewals, 0);
  EXPECT_EQ(status(), store::TaskStatus::Cancelled);
}

// A full disk is not the task's fault: the task goes back to the queue, out of reach for 5 s, then
// 10 s, 20 s..., keeping its attempts; nobody hears of it finishing until it does.
TEST_F(TaskRunnerTest, ADiskFullRenderDefersTheTaskWithGrowingDelays) {
  engine_->disk_full_renders = 3;
  auto task = claimed_task(1);
  int finished = 0;
  auto d = deps();
  d.on_finished = [&](const store::TaskRecord&) { ++finished; };
  std::vector<std::int64_t> delays;
  for (;;) {
    const auto outcome = run_task(d, task, "w");
    if (!outcome.deferred_ms) break;
    delays.push_back(*outcome.deferred_ms);
    EXPECT_EQ(status(), store::TaskStatus::Queued);
    EXPECT_FALSE(std::filesystem::exists(media_.path_for("media-0", "video/mp4")));
    clock_.advance_ms(*outcome.deferred_ms - 1);
    ASSERT_FALSE(*tasks_.claim_next("w", 60'000));  // not before its time
    clock_.advance_ms(1);
    auto again = tasks_.claim_next("w", 60'000);
    ASSERT_TRUE(again && *again);
    task = **again;
  }
  EXPECT_EQ(delays, (std::vector<std::int64_t>{5'000, 10'000, 20'000}));
  EXPECT_EQ(status(), store::TaskStatus::Success);
  EXPECT_EQ(tasks_.get("owner", "task-1")->attempts, 4);
  EXPECT_EQ(finished, 1);
  EXPECT_EQ(engine_->renders, 4);
}

TEST_F(TaskRunnerTest, TheDiskFullDelayIsBounded) {
  const auto d = deps();
  EXPECT_EQ(storage_retry_delay_ms(d, 1), 5'000);
  EXPECT_EQ(storage_retry_delay_ms(d, 7), 300'000);
  EXPECT_EQ(storage_retry_delay_ms(d, 1'000'000), 300'000);  // no overflow: waits, never fails
}

// Other errors still fail the task at once.
TEST_F(TaskRunnerTest, OtherRenderErrorsFailTheTask) {
  const auto task = claimed_task(1);
  auto d = deps();
  request_.inputs.image = InputRef{"bad", "inputs.image"};
  d.fetch = [](const std::string&, const std::string&) -> Result<FetchedInput> {
    return Error{"invalidInput", "inputs.image is not an image"};
  };
  const auto outcome = run_task(d, task, "w");
  EXPECT_FALSE(outcome.deferred_ms);
  EXPECT_EQ(status(), store::TaskStatus::Error);
  EXPECT_EQ(tasks_.get("owner", "task-1")->error_code, "invalidInput");
}

// The regression of the finding: several keys' tasks while the disk is full for the first renders,
// then has space again. Every acknowledged task completes; none fails.
TEST_F(TaskRunnerTest, EveryTaskCompletesOnceTheDiskHasSpaceAgain) {
  engine_->disk_full_renders = 7;
  for (int i = 0; i < 6; ++i) {
    store::TaskRecord t;
    t.task_uuid = "t" + std::to_string(i);
    t.owner = i % 2 ? "key_a" : "key_b";
    t.task_type = "videoInference";
    t.model = "fake:1";
    t.results = {{0, "m" + std::to_string(i), "processing", ""}};
    ASSERT_TRUE(tasks_.enqueue(t));
  }
  auto d = deps();
  for (int round = 0; round < 100; ++round) {
    auto claimed = tasks_.claim_next("w", 60'000);
    ASSERT_TRUE(claimed);
    if (!*claimed) {
      clock_.advance_ms(1'000);
      continue;
    }
    (void)run_task(d, **claimed, "w");
  }
  auto counts = tasks_.count_by_status();
  ASSERT_TRUE(counts);
  EXPECT_EQ(counts->at(store::TaskStatus::Success), 6);
  EXPECT_EQ(counts->at(store::TaskStatus::Error), 0);
  EXPECT_EQ(engine_->disk_full_renders, 0);
}

}  // namespace
}  // namespace vidserve::core
