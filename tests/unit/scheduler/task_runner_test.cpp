// run_task with fakes (in-memory store, media index and engine): which lease writes it makes and
// where it notices a cancellation.
#include "core/scheduler/task_runner.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <thread>

#include "delivery/media_store.hpp"
#include "store/memory_media_index.hpp"
#include "store/memory_task_store.hpp"

namespace vidserve::core {
namespace {

using namespace std::chrono_literals;

// A MemoryTaskStore that counts lease renewals (each one a synchronous write in SQLite).
class CountingStore final : public store::TaskStore {
 public:
  explicit CountingStore(const Clock& clock) : inner_(clock) {}
  std::atomic<int> renewals{0};

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

// Writes a few bytes per result; `during_render` runs inside render().
class FakeEngine final : public engine::Engine {
 public:
  std::atomic<int> renders{0};
  std::function<void(const engine::Job&)> during_render;

  std::string_view name() const override { return "fake"; }
  Result<engine::Output> render(const engine::Job& job, engine::Progress&) override {
    ++renders;
    if (during_render) during_render(job);
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

}  // namespace
}  // namespace vidserve::core
