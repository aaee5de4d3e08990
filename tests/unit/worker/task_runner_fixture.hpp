#pragma once
// The task runner tests' fixture: a MemoryTaskStore that counts lease renewals and progress
// writes, a fake engine, and TaskRunnerTest, which enqueues and claims a task and builds the
// RunnerDeps (decode, fetch) around them.
#include <gtest/gtest.h>
#include <unistd.h>

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
#include "runner_world.hpp"
#include "store/memory_task_store.hpp"
#include "worker/task_runner.hpp"

namespace vidserve::worker::runner_test {

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
  std::atomic<int> checks{0};  // check_held: reads only

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
  Status check_held(const store::Claim& claim) override {
    ++checks;
    return inner_.check_held(claim);
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
  store::TaskRecord claimed_task(int results, std::string request = "") {
    store::TaskRecord task;
    task.request = std::move(request);
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
      decoded.upload_endpoint = upload_endpoint_;
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
  std::optional<std::string> upload_endpoint_;
};

}  // namespace vidserve::worker::runner_test
