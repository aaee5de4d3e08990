// A client's cancel as the worker meets it: noticed without a write within 250 ms of the
// monotonic clock, the render stopped, the task's media removed (staged and committed), no
// Finished event from the worker (the cancel publishes its own); a task merely taken over by
// another worker keeps its media.
#include <filesystem>

#include "task_runner_fixture.hpp"

namespace vidserve::worker::runner_test {
namespace {

std::size_t files_in(const std::filesystem::path& dir) {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir)) ++n;
  return n;
}

// An engine that writes nothing while it waits (a provider poll, an unchanged percent) still
// sees the cancel: the store is read at most every 250 ms, and only then.
TEST_F(TaskRunnerTest, ARenderThatWritesNothingNoticesACancelWithinAQuarterSecond) {
  const auto task = claimed_task(1);
  std::chrono::milliseconds waited{0};
  int checks_before_due = -1;
  engine_->report = [&](const engine::Job&, engine::Progress& progress) {
    ASSERT_TRUE(tasks_.cancel("owner", "task-1"));
    while (!progress.cancelled()) {
      clock_.advance_ms(10);
      waited += 10ms;
      if (waited == 240ms) checks_before_due = tasks_.checks;
      ASSERT_LT(waited, 1s);
    }
  };
  run_task(deps(), task, "w");
  EXPECT_EQ(checks_before_due, 0);  // no read before 250 ms
  EXPECT_EQ(waited, 250ms);
  EXPECT_EQ(tasks_.progress_writes, 0);
  EXPECT_EQ(tasks_.renewals, 0);
  EXPECT_EQ(status(), store::TaskStatus::Cancelled);
}

// Asking often costs one read per 250 ms, not one per call.
TEST_F(TaskRunnerTest, FrequentChecksAreThrottled) {
  const auto task = claimed_task(1);
  engine_->report = [&](const engine::Job&, engine::Progress& progress) {
    for (int i = 0; i < 1000; ++i) {
      EXPECT_FALSE(progress.cancelled());
      clock_.advance_ms(1);
    }
  };
  run_task(deps(), task, "w");
  EXPECT_EQ(status(), store::TaskStatus::Success);
  EXPECT_GE(tasks_.checks, 3);
  EXPECT_LE(tasks_.checks, 5);  // 1000 ms / 250 ms, plus the check after the run
}

// Cancelled during its second result: the first result's committed media and the second's
// staged file are both gone, and the worker publishes nothing.
TEST_F(TaskRunnerTest, ACancelledTaskLeavesNoMediaBehind) {
  const auto task = claimed_task(2);
  engine_->report = [&](const engine::Job& job, engine::Progress& progress) {
    if (job.result_index != 1) return;
    EXPECT_TRUE(media_.find("media-0"));  // committed before
    ASSERT_TRUE(tasks_.cancel("owner", "task-1"));
    clock_.advance_ms(300);
    EXPECT_TRUE(progress.cancelled());
  };
  test_support::CallbackEvents events;
  auto d = deps();
  d.events = &events;
  run_task(d, task, "w");
  EXPECT_EQ(engine_->renders, 2);
  EXPECT_EQ(status(), store::TaskStatus::Cancelled);
  EXPECT_FALSE(media_.find("media-0"));
  EXPECT_FALSE(media_.find("media-1"));
  EXPECT_EQ(files_in(world_.dir), 0u);
  EXPECT_TRUE(events.published.empty());
}

// Cancelled between the commit of a result and its record: the media just committed goes too.
TEST_F(TaskRunnerTest, ACancelAfterTheLastCommitRemovesThatMedia) {
  const auto task = claimed_task(1);
  engine_->during_render = [&](const engine::Job&) {
    ASSERT_TRUE(tasks_.cancel("owner", "task-1"));
  };
  run_task(deps(), task, "w");  // the fake engine asks cancelled() before the first check is due
  EXPECT_EQ(status(), store::TaskStatus::Cancelled);
  EXPECT_FALSE(media_.find("media-0"));
  EXPECT_EQ(files_in(world_.dir), 0u);
}

// A task claimed again by another worker is not cancelled: what it made stays for the new holder.
TEST_F(TaskRunnerTest, ATaskTakenOverKeepsItsMedia) {
  const auto task = claimed_task(2);
  engine_->report = [&](const engine::Job& job, engine::Progress& progress) {
    if (job.result_index != 1) return;
    clock_.advance_ms(61'000);  // the lease (60 s) expires
    auto other = tasks_.claim_next("w2", 60'000);
    ASSERT_TRUE(other && *other);
    EXPECT_TRUE(progress.cancelled());
  };
  run_task(deps(), task, "w");
  EXPECT_EQ(status(), store::TaskStatus::Processing);  // w2's now
  EXPECT_TRUE(media_.find("media-0"));
}

}  // namespace
}  // namespace vidserve::worker::runner_test
