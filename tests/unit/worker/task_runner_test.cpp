// run_task with fakes (in-memory store, media index and engine): which lease and progress writes
// it makes and where it notices a cancellation.
#include "worker/task_runner.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <vector>

#include "common/io_error.hpp"
#include "core/result_payload.hpp"
#include "media/image_codec.hpp"
#include "media/inspect.hpp"
#include "runner_world.hpp"
#include "store/memory_task_store.hpp"

namespace vidserve::worker {
namespace {

using namespace std::chrono_literals;
using core::DecodedTask;
using core::decode_result_payload;
using core::InputRef;
using core::Plan;
using core::VideoRequest;

using test_support::png;

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
  Status renew_lease(const store::Claim& claim, std::int64_t lease_ms) override {
    ++renewals;
    return inner_.renew_lease(claim, lease_ms);
  }
  Status defer(const store::Claim& claim, std::int64_t delay_ms) override { return inner_.defer(claim, delay_ms); }
  Result<std::vector<FinishedTask>> finished_before(std::int64_t before, std::size_t limit) override {
    return inner_.finished_before(before, limit);
  }
  Result<std::int64_t> remove_finished(const std::vector<FinishedTask>& tasks) override {
    return inner_.remove_finished(tasks);
  }
  Status set_progress(const store::Claim& claim, int percent) override {
    ++progress_writes;
    return inner_.set_progress(claim, percent);
  }
  Status put_result(const store::Claim& claim, store::ResultRecord result) override {
    return inner_.put_result(claim, std::move(result));
  }
  Status save_provider_state(const store::Claim& claim, int index, std::string state) override {
    return inner_.save_provider_state(claim, index, std::move(state));
  }
  Status complete(const store::Claim& claim) override { return inner_.complete(claim); }
  Status fail(const store::Claim& claim, std::string_view code, std::string_view message) override {
    return inner_.fail(claim, code, message);
  }
  Status cancel(std::string_view owner, std::string_view uuid) override {
    return inner_.cancel(owner, uuid);
  }
  Result<std::int64_t> requeue_interrupted() override { return inner_.requeue_interrupted(); }
  Result<std::vector<store::TaskRecord>> older_requests(int version, int limit) override {
    return inner_.older_requests(version, limit);
  }
  Status rewrite_requests(const std::vector<RequestRewrite>& rewrites) override {
    return inner_.rewrite_requests(rewrites);
  }
  Result<std::map<store::TaskStatus, std::int64_t>> count_by_status() override {
    return inner_.count_by_status();
  }
  Result<store::TaskRecord> get_by_external_id(std::string_view owner,
                                               std::string_view id) override {
    return inner_.get_by_external_id(owner, id);
  }
  using TaskRepository::list;
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
  std::optional<Error> error;  // returned instead of a render when set

  std::string_view name() const override { return "fake"; }
  Result<engine::Output> render(const engine::Job& job, engine::Progress& progress) override {
    ++renders;
    if (during_render) during_render(job);
    if (error) return *error;
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
  TaskRunnerTest() : tasks_(clock_) {}

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
      Plan plan;
      plan.model = model_ ? &*model_ : nullptr;
      DecodedTask decoded{request_, plan, std::nullopt, 7, std::nullopt};
      return decoded;
    };
    d.fetch = [this](const std::string& ref, const std::string&) -> Result<fetch::Blob> {
      if (during_fetch_) during_fetch_();
      if (ref == kUnreachable) return Error{"fetchFailed", "connection refused"};
      return fetch::Blob{fetched_, "image/png"};
    };
    d.lease_ms = 60'000;
    d.clock = &clock_;  // intervals (fresh claim, progress throttle) pass only when a test advances it
    return d;
  }

  store::TaskStatus status() { return tasks_.get("owner", "task-1")->status; }
  int stored_progress() { return tasks_.get("owner", "task-1")->progress; }

  // Two frame images; the second one is `ref`.
  void with_frames(const std::string& ref) {
    request_.inputs.frame_images = {{{"https://img.example/a.png", "inputs.frameImages[0].image"}, "first", ""},
                                    {{ref, "inputs.frameImages[1].image"}, "last", ""}};
  }
  // The parameter each result not made carries in its payload.
  std::vector<std::string> error_parameters() {
    std::vector<std::string> out;
    const auto record = tasks_.get("owner", "task-1");
    for (const auto& r : record->results) {
      if (r.status == "error") out.push_back(decode_result_payload(r.payload).error_parameter);
    }
    return out;
  }

  static constexpr const char* kUnreachable = "https://unreachable.example/b.png";
  FakeClock clock_;
  test_support::RunnerWorld<FakeEngine> world_{clock_};
  CountingStore tasks_;
  delivery::MediaStore& media_ = world_.media;
  engine::EngineRouter& engines_ = world_.engines;
  FakeEngine*& engine_ = world_.engine;
  VideoRequest request_;
  std::function<void()> during_fetch_;
  std::string fetched_ = png(320, 320);  // what every input fetch returns
  std::optional<catalog::Model> model_;   // the plan's model, for its input limits
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
    clock_.advance_ms(1100);
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
  engine_->report = [this](const engine::Job&, engine::Progress& progress) {
    for (double fraction : {0.0, 0.5, 1.0}) {
      progress.update(fraction);
      clock_.advance_ms(260);  // past the 250 ms between two writes
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
// only go up. One report per millisecond for a second: the first change (1 %) is written, then
// the value 250 ms later each time.
TEST_F(TaskRunnerTest, FrequentReportsAreThrottled) {
  const auto task = claimed_task(1);
  const auto start = clock_.monotonic();
  engine_->report = [this](const engine::Job&, engine::Progress& progress) {
    for (int i = 0; i <= 1000; ++i) {
      progress.update(i / 1000.0);
      clock_.advance_ms(1);
    }
  };
  std::vector<int> reported;
  auto d = deps();
  d.on_progress = [&](const store::TaskRecord&, int percent) { reported.push_back(percent); };
  run_task(d, task, "w");
  const auto elapsed = clock_.monotonic() - start;
  EXPECT_EQ(reported, (std::vector<int>{1, 26, 51, 76}));
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

// A worker whose lease expired and whose task another worker claimed while it rendered writes
// nothing: no result, no completion, no finish event; the new holder still owns the task.
TEST_F(TaskRunnerTest, ARunnerThatLostItsLeaseWritesNothing) {
  const auto task = claimed_task(1);
  std::optional<store::TaskRecord> taken;
  engine_->during_render = [&](const engine::Job&) {
    clock_.advance_ms(60'000);
    auto again = tasks_.claim_next("other", 60'000);
    ASSERT_TRUE(again && *again);
    taken = **again;
  };
  int finished = 0;
  auto d = deps();
  d.on_finished = [&](const store::TaskRecord&) { ++finished; };
  run_task(d, task, "w");
  ASSERT_TRUE(taken);
  EXPECT_EQ(finished, 0);
  const auto record = tasks_.get("owner", "task-1");
  EXPECT_EQ(record->status, store::TaskStatus::Processing);
  EXPECT_EQ(record->worker_id, "other");
  EXPECT_EQ(record->results.at(0).status, "processing");
  ASSERT_TRUE(tasks_.complete(store::claim_of(*taken)));  // the new holder still can
}

// What an engine saves through its Progress is stored for the result and handed back to the
// engine as Job::provider_state when the task runs again.
TEST_F(TaskRunnerTest, AProviderStateSavedByTheEngineReachesTheNextAttempt) {
  const auto task = claimed_task(2);
  std::vector<std::string> seen;
  engine_->report = [&](const engine::Job& job, engine::Progress& progress) {
    seen.push_back(job.provider_state);
    if (job.provider_state.empty()) {
      ASSERT_TRUE(progress.save_provider_state("provider-task-" + std::to_string(job.result_index)));
    }
  };
  engine_->disk_full_renders = 1;  // the first render is deferred after saving its state
  const auto outcome = run_task(deps(), task, "w");
  ASSERT_TRUE(outcome.deferred_ms);
  EXPECT_EQ(tasks_.get("owner", "task-1")->results.at(0).provider_state, "provider-task-0");
  clock_.advance_ms(*outcome.deferred_ms);
  auto again = tasks_.claim_next("w", 60'000);
  ASSERT_TRUE(again && *again);
  run_task(deps(), **again, "w");
  EXPECT_EQ(status(), store::TaskStatus::Success);
  EXPECT_EQ(seen, (std::vector<std::string>{"", "provider-task-0", ""}));
  EXPECT_EQ(tasks_.get("owner", "task-1")->results.at(1).provider_state, "provider-task-1");
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
    EXPECT_FALSE(media_.find("media-0").ok());
    EXPECT_TRUE(std::filesystem::is_empty(world_.dir));  // no media file, no scratch file
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
  d.fetch = [](const std::string&, const std::string&) -> Result<fetch::Blob> {
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

// An input that cannot be fetched fails the task with the fetch's code and message, and its path
// (the parameter at fault) goes into every result not made, where front-ends read it back.
TEST_F(TaskRunnerTest, AnInputThatCannotBeFetchedNamesItsParameter) {
  with_frames(kUnreachable);
  const auto task = claimed_task(2);
  run_task(deps(), task, "w");
  const auto stored = tasks_.get("owner", "task-1");
  EXPECT_EQ(stored->status, store::TaskStatus::Error);
  EXPECT_EQ(stored->error_code, "fetchFailed");
  EXPECT_EQ(stored->error_message, "connection refused");  // no path inside the message
  EXPECT_EQ(error_parameters(),
            (std::vector<std::string>{"inputs.frameImages[1].image", "inputs.frameImages[1].image"}));
  EXPECT_EQ(engine_->renders, 0);
}

// An engine that cannot use an input (not a decodable image, not a video) names it the same way;
// the engine learns each input's path with its bytes.
TEST_F(TaskRunnerTest, AnInputTheEngineRefusesNamesItsParameter) {
  with_frames("https://img.example/b.png");
  std::vector<std::string> paths;
  engine_->during_render = [&paths](const engine::Job& job) {
    for (const auto& in : job.inputs) paths.push_back(in.path);
  };
  engine_->error = Error{"invalidInput", "the input is not a decodable image", "inputs.frameImages[1].image"};
  run_task(deps(), claimed_task(1), "w");
  EXPECT_EQ(paths, (std::vector<std::string>{"inputs.frameImages[0].image", "inputs.frameImages[1].image"}));
  EXPECT_EQ(status(), store::TaskStatus::Error);
  EXPECT_EQ(error_parameters(), std::vector<std::string>{"inputs.frameImages[1].image"});
}

// Errors about no input in particular leave the results as they were.
TEST_F(TaskRunnerTest, AnErrorWithoutAParameterWritesNoResult) {
  engine_->error = Error{"providerError", "Kling said no"};
  run_task(deps(), claimed_task(1), "w");
  EXPECT_EQ(status(), store::TaskStatus::Error);
  EXPECT_TRUE(error_parameters().empty());
  EXPECT_EQ(tasks_.get("owner", "task-1")->results.front().status, "processing");
}

}  // namespace
}  // namespace vidserve::worker

namespace vidserve::worker {
namespace {

// Inputs are checked before any render: the kind their role needs, the model's limits from the
// catalog, a pixel cap read from the header alone.
class TaskRunnerInputTest : public TaskRunnerTest {
 protected:
  store::TaskRecord failed() {
    auto record = tasks_.get("owner", "task-1");
    EXPECT_TRUE(record);
    EXPECT_EQ(record->status, store::TaskStatus::Error);
    EXPECT_EQ(engine_->renders, 0);
    return *record;
  }
};

TEST_F(TaskRunnerInputTest, AnImageGivenAsTheVideoInputFails) {
  request_.inputs.video = InputRef{"https://example.com/a.mp4", "inputs.video"};
  run_task(deps(), claimed_task(1), "w");
  const auto task = failed();
  EXPECT_EQ(task.error_code, media::errc::kInvalidVideo);
  EXPECT_EQ(task.error_message.find("inputs.video"), std::string::npos) << task.error_message;
  EXPECT_EQ(error_parameters(), std::vector<std::string>{"inputs.video"});
}

class TaskRunnerImageTest : public TaskRunnerInputTest {
 protected:
  void SetUp() override { request_.inputs.image = InputRef{"https://example.com/a.png", "inputs.image"}; }
  store::TaskRecord run_with(std::string bytes) {
    fetched_ = std::move(bytes);
    run_task(deps(), claimed_task(1), "w");
    return *tasks_.get("owner", "task-1");
  }
};

TEST_F(TaskRunnerImageTest, ATruncatedImageFails) {
  run_with(fetched_.substr(0, fetched_.size() / 2));
  EXPECT_EQ(failed().error_code, media::errc::kInvalidImage);
}

TEST_F(TaskRunnerImageTest, AnSvgIsNotAnImageInput) {
  run_with("<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>");
  EXPECT_EQ(failed().error_code, media::errc::kInvalidImage);
}

TEST_F(TaskRunnerImageTest, AnImageBombIsRefusedByItsHeader) {
  std::string bomb = fetched_;
  const char side[4] = {0, 0, static_cast<char>(0xC3), 0x50};  // 50000 x 50000 declared
  bomb.replace(16, 4, side, 4);
  bomb.replace(20, 4, side, 4);
  run_with(bomb);
  const auto task = failed();
  EXPECT_EQ(task.error_code, media::errc::kInvalidImage);
  EXPECT_NE(task.error_message.find("50000x50000"), std::string::npos) << task.error_message;
}

class TaskRunnerLimitsTest : public TaskRunnerImageTest {
 protected:
  void SetUp() override {
    TaskRunnerImageTest::SetUp();
    model_.emplace();
    model_->input_limits["image"].min_side = 300;
    model_->input_limits["image"].min_aspect = 0.4;
    model_->input_limits["image"].max_aspect = 2.5;
  }
};

TEST_F(TaskRunnerLimitsTest, AnAspectRatioOutsideTheModelsRangeFails) {
  run_with(png(960, 320));  // 3:1
  EXPECT_NE(failed().error_message.find("width/height from 0.4 to 2.5"), std::string::npos);
}

TEST_F(TaskRunnerLimitsTest, ASideBelowTheModelsMinimumFails) {
  run_with(png(320, 298));
  EXPECT_NE(failed().error_message.find("at least 300 pixels"), std::string::npos);
}

TEST_F(TaskRunnerLimitsTest, AnImageWithinTheLimitsIsRendered) {
  EXPECT_EQ(run_with(png(400, 300)).status, store::TaskStatus::Success);
}

}  // namespace
}  // namespace vidserve::worker
