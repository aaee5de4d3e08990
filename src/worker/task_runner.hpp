#pragma once
// Runs one claimed task to the end: decode the stored request, fetch its inputs, render every
// result that is not done yet, store the media, complete or fail the task with a clear error.
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "common/clock.hpp"
#include "common/money.hpp"
#include "core/request.hpp"
#include "core/task_spec.hpp"
#include "core/validate.hpp"
#include "delivery/media_store.hpp"
#include "delivery/media_upload.hpp"
#include "engine/engine.hpp"
#include "fetch/blob.hpp"
#include "fetch/fetch_pool.hpp"
#include "store/task_events.hpp"
#include "store/task_store.hpp"

namespace vidserve::worker {

// A stored task's request (TaskRecord::request) as a worker runs it: core::decode_task with the
// server's catalog.
using TaskDecoder = std::function<Result<core::DecodedTask>(const store::TaskRecord&)>;

// Resolves one input reference (uploaded UUID, data URI, base64, URL) for an owner. The blob goes
// on to the engine as it is (engine::InputMedia::blob).
using InputFetcher = std::function<Result<fetch::Blob>(const std::string& ref, const std::string& owner)>;
// The same, answering later: `done` is called exactly once, on any thread, maybe before the call
// returns. The server runs URL fetches on its fetch pool, so no worker waits for a slow host.
using InputDone = std::function<void(Result<fetch::Blob>)>;
using AsyncInputFetcher =
    std::function<void(const std::string& ref, const std::string& owner, InputDone done)>;
// An input fetch abandoned because the server stops (fetch::errc::kFetchCancelled) does not fail
// the task: it stays in processing and is requeued at the next start
// (TaskStore::requeue_interrupted) or once its lease expires.

// Charges a task's cost (its quote, measured once its inputs are fetched) before it is sent to an
// engine that bills for it (the kling engine); an error (spendCapExceeded) fails the task there,
// before the engine sees it; any other error (the ledger could not be written) defers the task.
// Called once per attempt; charging the same task again is a no-op.
using SpendGate = std::function<Status(const store::TaskRecord& task, std::string_view engine,
                                       money::Micros cost)>;

struct RunnerDeps {
  store::TaskQueue& tasks;
  delivery::MediaStore& media;
  const engine::EngineRouter& engines;
  TaskDecoder decode;
  InputFetcher fetch;
  // When set, the Scheduler fetches the inputs of claimed tasks with it, all inputs of a task at
  // once, while its workers render other tasks (see SchedulerOptions::max_fetching).
  AsyncInputFetcher fetch_async = nullptr;
  std::int64_t lease_ms = 10 * 60 * 1000;
  // Where the runner publishes (when set): Finished after complete or fail, naming the task by
  // owner and uuid (its final state is in the store); Progress after the task's percent was
  // stored (TaskQueue::set_progress), 0..99 (100 comes only with complete), on the worker's
  // thread, at most every 250 ms per task and only when the percent changed. Nothing is
  // published for a task whose lease was lost.
  store::TaskEvents* events = nullptr;
  // A task that fails because the disk (or the quota) is full ("storageFull") is not failed but
  // deferred (TaskQueue::defer): it waits storage_retry_first_ms after its first attempt, twice as
  // long after each further one, at most storage_retry_max_ms, and is retried until space returns.
  std::int64_t storage_retry_first_ms = 5'000;
  std::int64_t storage_retry_max_ms = 5 * 60'000;
  // Sends a result to the task's uploadEndpoint (fetch::HttpClient::put_stream in the server);
  // a task with an uploadEndpoint fails with "uploadFailed" when it is not set.
  delivery::PutStream upload = nullptr;
  delivery::UploadOptions upload_options = {};
  // Monotonic time for fresh claims, lease renewals, progress throttling and log throttling.
  const Clock* clock = &SystemClock::instance();
  SpendGate spend_gate = nullptr;  // none: no spend caps
  // Set by a Scheduler whose store other processes' workers share (hand_back_on_stop). Once it
  // reads true the process stops: renders stop as on a cancel (engine::Progress::cancelled) and
  // their tasks go back to the queue (hand_back); so does a task whose input fetch or upload was
  // cancelled by the stop, which otherwise stays in processing for the next start to requeue.
  const std::atomic<bool>* hand_back = nullptr;
};

struct RunOutcome {
  // Set when the task went back to the queue for lack of disk space: the delay before it is
  // tried again. Other tasks would meet the same full disk, so the worker pauses too.
  std::optional<std::int64_t> deferred_ms;
};

// The delay before attempt `attempts + 1` of a task deferred for lack of space.
std::int64_t storage_retry_delay_ms(const RunnerDeps& deps, int attempts);

// Gives a claimed task back to the queue, claimable at once (TaskQueue::defer with no delay), and
// wakes idle workers (TaskEvents::publish_queued). A task the claim no longer holds is left alone.
void hand_back(const RunnerDeps& deps, const store::Claim& claim);

// `task` as claim_next returned it, just now (its lease is taken as fresh). Returns after the
// task reached a final status, was deferred, or its lease was lost.
RunOutcome run_task(const RunnerDeps& deps, const store::TaskRecord& task, const std::string& worker_id);

// run_task in three steps, for fetching inputs while the worker does something else.
struct PreparedTask {
  store::TaskRecord task;
  // The claim (key, worker id, attempt): every store write for the task carries it and is
  // refused once the task was claimed again, whichever thread renders the task.
  store::Claim claim;
  core::DecodedTask decoded;
  engine::Engine* engine = nullptr;
  std::vector<engine::InputMedia> inputs;  // filled by the fetch
  Clock::MonotonicTime claimed;
};
// Decodes the claimed task and picks its engine; on failure fails the task and returns nothing.
std::shared_ptr<PreparedTask> prepare_task(const RunnerDeps& deps, const store::TaskRecord& task,
                                           const std::string& worker_id);
// Fetches every input of `prepared` at once with deps.fetch_async. `done` is called once, on any
// thread, with Ok (prepared->inputs filled) or the error of the first input (in request order)
// that failed.
void fetch_inputs_async(const RunnerDeps& deps, std::shared_ptr<PreparedTask> prepared,
                        std::function<void(Status)> done);
// Renders the task whose inputs were fetched, or fails it with the fetch's error (a
// "fetchCancelled" fetch leaves it to be requeued). Renews the lease first unless just claimed.
RunOutcome finish_task(const RunnerDeps& deps, PreparedTask& prepared, const Status& fetched);

// finish_task in parts, for engines that render asynchronously (worker/relay_tasks.hpp).
// The task ends here (returns its outcome) when its fetch failed or its cost cannot be charged.
std::optional<RunOutcome> before_rendering(const RunnerDeps& deps, PreparedTask& prepared, const Status& fetched);
// Renews the lease before a result (not before the first right after the claim); false when
// the task is no longer held (cancelled: its media removed).
bool hold_before_result(const RunnerDeps& deps, const PreparedTask& prepared, bool first);
// The media staged for one result and the job that renders into it.
struct StagedJob {
  delivery::StagedMedia staged;
  engine::Job job;
  int index = 0;
  std::string media_uuid;
  Clock::MonotonicTime started;
};
Result<StagedJob> stage_job(const RunnerDeps& deps, const store::TaskRecord& task, const core::DecodedTask& decoded,
                            const std::vector<engine::InputMedia>& inputs, const store::ResultRecord& result);
// Commits the rendered media (uploads it) and records the result; discards it when `out` failed.
Status record_result(const RunnerDeps& deps, const engine::Engine& engine, const store::Claim& claim,
                     const store::TaskRecord& task, const core::DecodedTask& decoded, const StagedJob& staged,
                     Result<engine::Output> out);
// Completes a task whose results are all recorded.
RunOutcome complete_task(const RunnerDeps& deps, const PreparedTask& prepared);
// The end of a task that did not complete: failed, deferred, cancelled or taken over.
RunOutcome stopped(const RunnerDeps& deps, const PreparedTask& prepared, const Error& e);
// Removes the media of a task a client cancelled (see drop_media_if_cancelled in task_runner.cpp).
void drop_media_if_cancelled(const RunnerDeps& deps, const PreparedTask& prepared);
// Publishes a stored percent (TaskEvent::Kind::Progress), when deps.events is set.
void publish_progress(const RunnerDeps& deps, const store::TaskRecord& task, int percent);

}  // namespace vidserve::worker
