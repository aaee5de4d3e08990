// run_task with fakes (in-memory store, media index and engine): which lease and progress writes
// it makes, what it publishes and where it notices a cancellation.
#include <algorithm>

#include "task_runner_fixture.hpp"

namespace vidserve::worker::runner_test {
namespace {

// A finished task is published once, by owner and uuid, with a hint whether the stored task may
// name a webhook (the webhook notifier reads only those back).
TEST_F(TaskRunnerTest, AFinishedTaskIsPublishedWithItsOwnerAndWebhookHint) {
  test_support::CallbackEvents events;
  auto d = deps();
  d.events = &events;
  run_task(d, claimed_task(1, R"({"delivery":{"webhook_url":"https://hooks.example/a"}})"), "w");
  EXPECT_EQ(status(), store::TaskStatus::Success);
  ASSERT_EQ(events.published.size(), 1u);  // no progress: the fake engine reports none
  const auto& e = events.published[0];
  EXPECT_EQ(e.kind, store::TaskEvent::Kind::Finished);
  EXPECT_EQ(e.owner, "owner");
  EXPECT_EQ(e.task_uuid, "task-1");
  EXPECT_EQ(e.progress, 100);
  EXPECT_TRUE(e.may_have_webhook);
}

// A task that fails is published too; a spec that names no webhook says so.
TEST_F(TaskRunnerTest, AFailedTaskIsPublishedWithoutAWebhookHint) {
  test_support::CallbackEvents events;
  auto d = deps();
  d.events = &events;
  d.decode = [](const store::TaskRecord&) -> Result<DecodedTask> { return Error{"invalidStoredTask", "bad"}; };
  run_task(d, claimed_task(1, R"({"delivery":{"webhook_url":null}})"), "w");
  EXPECT_EQ(status(), store::TaskStatus::Error);
  ASSERT_EQ(events.published.size(), 1u);
  EXPECT_EQ(events.published[0].kind, store::TaskEvent::Kind::Finished);
  EXPECT_FALSE(events.published[0].may_have_webhook);
}

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
  test_support::CallbackEvents events;
  events.on_progress = [&](const store::TaskEvent& e) {
    EXPECT_EQ(e.task_uuid, "task-1");
    EXPECT_EQ(e.owner, "owner");
    reported.push_back(e.progress);
    stored.push_back(stored_progress());
  };
  d.events = &events;
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
  test_support::CallbackEvents events;
  events.on_progress = [&](const store::TaskEvent& e) { reported.push_back(e.progress); };
  d.events = &events;
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
  test_support::CallbackEvents events;
  events.on_progress = [&](const store::TaskEvent&) { ++calls; };
  d.events = &events;
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
  test_support::CallbackEvents events;
  events.on_finished = [&](const store::TaskEvent&) { ++finished; };
  d.events = &events;
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
  test_support::CallbackEvents events;
  events.on_finished = [&](const store::TaskEvent&) { ++finished; };
  d.events = &events;
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

// uploadEndpoint: each result is PUT (the bytes the media store holds) before it is recorded,
// and the recorded result names the URL.
TEST_F(TaskRunnerTest, EachResultIsUploadedBeforeItIsRecorded) {
  const auto task = claimed_task(2);
  auto d = deps();
  upload_endpoint_ = "https://up.example/out.mp4";
  std::vector<std::string> bodies;
  d.upload = [&](const std::string& url, const fetch::StreamedBody& body) -> Result<int> {
    EXPECT_EQ(url, "https://up.example/out.mp4");
    EXPECT_EQ(tasks_.get("owner", "task-1")->results[bodies.size()].status, "processing");
    std::string bytes(body.size, '\0');
    auto n = body.read(0, bytes.data(), bytes.size());
    EXPECT_TRUE(n && *n == bytes.size());
    bodies.push_back(bytes);
    return 200;
  };
  run_task(d, task, "w");
  EXPECT_EQ(status(), store::TaskStatus::Success);
  EXPECT_EQ(bodies, (std::vector<std::string>{"not really a video", "not really a video"}));
  const auto record = tasks_.get("owner", "task-1");
  ASSERT_TRUE(record);
  for (const auto& r : record->results) EXPECT_EQ(decode_result_payload(r.payload).upload_url, "https://up.example/out.mp4");
}

// A failed upload fails the task naming uploadEndpoint and where the result stays; the media is
// not deleted.
TEST_F(TaskRunnerTest, AFailedUploadFailsTheTaskAndKeepsTheMedia) {
  const auto task = claimed_task(1);
  auto d = deps();
  upload_endpoint_ = "https://up.example/out.mp4";
  d.upload_options.attempts = 2;
  int calls = 0;
  d.upload = [&](const std::string&, const fetch::StreamedBody&) -> Result<int> {
    ++calls;
    return 403;
  };
  run_task(d, task, "w");
  EXPECT_EQ(calls, 1);  // a 403 is not retried
  EXPECT_EQ(status(), store::TaskStatus::Error);
  const auto record = tasks_.get("owner", "task-1");
  EXPECT_EQ(record->error_code, "uploadFailed");
  EXPECT_NE(record->error_message.find("HTTP 403"), std::string::npos) << record->error_message;
  EXPECT_EQ(error_parameters(), std::vector<std::string>{"uploadEndpoint"});
  EXPECT_TRUE(media_.find("media-0"));
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

// The spend gate sees the task's engine and cost before the engine renders; a refusal fails the
// task with its error and the engine never sees it. A task without a price is not charged.
TEST_F(TaskRunnerTest, ASpendGateRefusalFailsTheTaskBeforeTheEngine) {
  auto d = deps();
  d.decode = [](const store::TaskRecord&) -> Result<DecodedTask> {
    return DecodedTask{VideoRequest{}, Plan{}, core::Quote{370'000, "x", ""}, 7, std::nullopt};
  };
  std::vector<std::pair<std::string, money::Micros>> asked;
  d.spend_gate = [&asked](const store::TaskRecord&, std::string_view engine, money::Micros cost) -> Status {
    asked.emplace_back(std::string(engine), cost);
    return Error{"spendCapExceeded", "over the cap of $0.40"};
  };
  run_task(d, claimed_task(2), "w");
  EXPECT_EQ(status(), store::TaskStatus::Error);
  EXPECT_EQ(tasks_.get("owner", "task-1")->error_code, "spendCapExceeded");
  EXPECT_EQ(engine_->renders.load(), 0);
  ASSERT_EQ(asked.size(), 1u);
  EXPECT_EQ(asked[0], (std::pair<std::string, money::Micros>{"fake", 370'000}));
}

TEST_F(TaskRunnerTest, AnUnpricedTaskIsNotCharged) {
  auto d = deps();
  int asked = 0;
  d.spend_gate = [&asked](const store::TaskRecord&, std::string_view, money::Micros) -> Status {
    ++asked;
    return Ok{};
  };
  run_task(d, claimed_task(1), "w");
  EXPECT_EQ(status(), store::TaskStatus::Success);
  EXPECT_EQ(asked, 0);
}

}  // namespace
}  // namespace vidserve::worker::runner_test
