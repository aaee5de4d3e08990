#include "worker/task_runner.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <mutex>
#include <optional>

#include "common/error_codes.hpp"
#include "common/io_error.hpp"
#include "common/log.hpp"
#include "common/log_throttle.hpp"
#include "common/metrics.hpp"
#include "core/error_codes.hpp"
#include "core/result_payload.hpp"
#include "core/task_spec.hpp"
#include "store/task_lifecycle.hpp"
#include "worker/error_codes.hpp"
#include "worker/input_check.hpp"
#include "worker/task_cost.hpp"

namespace vidserve::worker {

using core::DecodedTask;
using core::FrameImage;
using core::GenerationRequest;
using core::InputRef;
using core::Inputs;
using core::ResultPayload;

namespace {

// A claim younger than this needs no renewal before the first result.
constexpr std::chrono::seconds kFreshClaim{1};

void publish(const RunnerDeps& deps, const store::TaskRecord& task, store::TaskEvent::Kind kind, int percent) {
  if (!deps.events) return;
  deps.events->publish({kind, task.owner, task.task_uuid, percent, core::may_name_webhook(task.request)});
}

// Engines report progress while they render or wait on a provider. A report renews the task's
// lease at most every 5 s, so a long render is never claimed by a second worker, and stores the
// task's percent at most every 250 ms (4 writes/s per task), only when it changed. One object per
// task: results already done count as whole, the percent stays below 100 until complete().
class TaskProgress final : public engine::Progress {
 public:
  TaskProgress(const RunnerDeps& deps, const store::TaskRecord& task, store::Claim claim)
      : deps_(deps),
        task_(task),
        claim_(std::move(claim)),
        results_(std::max<int>(1, static_cast<int>(task.results.size()))),
        stored_percent_(task.progress) {}

  // Before each result: later reports are fractions of this one. Run_task has just renewed the
  // lease (or claimed the task), so the next renewal is due 5 s from now.
  void begin_result(int index) {
    result_index_ = index;
    last_renewal_ = deps_.clock->monotonic();
  }

  void update(double fraction) override {
    const auto now = deps_.clock->monotonic();
    store_percent(fraction, now);
    if (lost_ || now - last_renewal_ < kRenewEvery) return;
    last_renewal_ = now;
    if (!deps_.tasks.renew_lease(claim_, deps_.lease_ms)) lost_ = true;
    last_check_ = now;
  }
  // A lost lease means the task was cancelled or handed to another worker: stop. Between writes
  // the store is asked (a read, TaskQueue::check_held) at most every 250 ms, so a cancel stops a
  // render that writes nothing (a provider wait, an unchanged percent) within that time.
  bool cancelled() const override {
    if (lost_ || (deps_.hand_back && deps_.hand_back->load())) return true;
    const auto now = deps_.clock->monotonic();
    if (now - last_check_ < kCheckEvery) return false;
    last_check_ = now;
    auto held = deps_.tasks.check_held(claim_);
    if (!held) lost_ = fenced_out(held.error());
    return lost_;
  }

  Status save_provider_state(std::string state) override {
    auto saved = deps_.tasks.save_provider_state(claim_, result_index_, std::move(state));
    if (!saved) lost_ = lost_ || fenced_out(saved.error());
    return saved;
  }

 private:
  using Time = Clock::MonotonicTime;
  static constexpr std::chrono::seconds kRenewEvery{5};
  static constexpr std::chrono::milliseconds kProgressEvery{250};
  static constexpr std::chrono::milliseconds kCheckEvery{250};

  void store_percent(double fraction, Time now) {
    if (lost_ || !(fraction >= 0)) return;  // also skips NaN
    const double done = result_index_ + std::min(fraction, 1.0);
    const int percent = std::clamp(static_cast<int>(std::lround(100 * done / results_)), 0, 99);
    if (percent == stored_percent_ || (last_write_ && now - *last_write_ < kProgressEvery)) return;
    last_write_ = now;
    auto stored = deps_.tasks.set_progress(claim_, percent);
    if (!stored) {
      // Like a failed renewal, except for a storage hiccup: progress is only informative.
      lost_ = fenced_out(stored.error());
      return;
    }
    stored_percent_ = percent;
    last_check_ = now;
    publish(deps_, task_, store::TaskEvent::Kind::Progress, percent);
  }

  // The task is no longer ours (cancelled, claimed again): anything but a storage hiccup.
  static bool fenced_out(const Error& e) {
    return e.code != store::errc::kStorage && e.code != store::errc::kStorageFull;
  }

  const RunnerDeps& deps_;
  const store::TaskRecord& task_;
  store::Claim claim_;
  int results_;
  int result_index_ = 0;
  int stored_percent_;
  Time last_renewal_ = deps_.clock->monotonic();
  mutable Time last_check_ = last_renewal_;
  std::optional<Time> last_write_;
  mutable bool lost_ = false;
};

// Frame roles follow the validator's rule: an explicit frame wins; otherwise the first image is
// the first frame and the next one the last.
std::vector<std::string> frame_roles(const std::vector<FrameImage>& frames) {
  bool first_taken = false;
  for (const auto& f : frames) first_taken = first_taken || (f.frame && *f.frame == "first");
  std::vector<std::string> roles;
  for (const auto& f : frames) {
    if (f.frame) {
      roles.push_back("frame:" + *f.frame);
    } else if (!first_taken) {
      roles.push_back("frame:first");
      first_taken = true;
    } else {
      roles.push_back("frame:last");
    }
  }
  return roles;
}

struct Wanted {
  std::string role;
  const InputRef* ref;
};

std::vector<Wanted> wanted_inputs(const Inputs& in) {
  std::vector<Wanted> wanted;
  const auto roles = frame_roles(in.frame_images);
  for (std::size_t i = 0; i < in.frame_images.size(); ++i) wanted.push_back({roles[i], &in.frame_images[i].image});
  for (const auto& r : in.reference_images) wanted.push_back({"referenceImage", &r});
  for (const auto& r : in.reference_videos) wanted.push_back({"referenceVideo", &r.video});
  for (const auto& r : in.reference_voices) wanted.push_back({"referenceVoice", &r});
  if (in.video) wanted.push_back({"video", &*in.video});
  if (in.audio) wanted.push_back({"audio", &*in.audio});
  if (in.image) wanted.push_back({"image", &*in.image});
  return wanted;
}

// One fetched input, checked for its role; an error names the request field it came from.
Result<engine::InputMedia> checked_input(const Wanted& w, Result<fetch::Blob> blob, const catalog::Model* model) {
  if (!blob) return Error{blob.error().code, blob.error().message, w.ref->path};
  auto seconds = check_input_seconds(w.role, *blob, model);
  if (!seconds) return Error{seconds.error().code, seconds.error().message, w.ref->path};
  return engine::InputMedia{w.role, std::move(blob).value(), w.ref->path, *seconds};
}

Result<std::vector<engine::InputMedia>> fetch_inputs(const RunnerDeps& deps, const Inputs& inputs,
                                                     const std::string& owner, const catalog::Model* model) {
  std::vector<engine::InputMedia> fetched;
  for (const auto& w : wanted_inputs(inputs)) {
    auto input = checked_input(w, deps.fetch(w.ref->value, owner), model);
    if (!input) return input.error();
    fetched.push_back(std::move(input).value());
  }
  return fetched;
}

const GenerationRequest& generation(const DecodedTask& d) {
  return std::visit([](const auto& r) -> const GenerationRequest& { return r; }, d.request);
}

// The task's error goes into its record (code, message); the field at fault, when the error names
// one (an input that cannot be fetched or decoded), goes with it into each result not made, since
// the record has no place for it: front-ends read it back with the error (tasks::task_error).
void fail(const RunnerDeps& deps, const store::Claim& claim, const store::TaskRecord& task, const Error& e) {
  const auto code = e.code.empty() ? errc::kInferenceError : e.code;
  if (!e.parameter.empty()) {
    ResultPayload payload;
    payload.error_code = code;
    payload.error_message = e.message;
    payload.error_parameter = e.parameter;
    for (const auto& result : task.results) {
      if (result.status == "success") continue;
      (void)deps.tasks.put_result(claim, {result.index, result.media_uuid, "error", core::encode(payload)});
    }
  }
  auto failed = deps.tasks.fail(claim, code, e.message);
  // Another claim runs it now; or a client cancelled it, and the cancel published its end.
  if (!failed && (failed.error().code == store::errc::kLeaseLost ||
                  failed.error().code == store::errc::kCancelled)) {
    return;
  }
  if (failed) store::note_transition(metrics::transition::kFailed, task, code);
  publish(deps, task, store::TaskEvent::Kind::Finished, 100);
}

// A full disk is not the task's fault: back to the queue until there is space again.
RunOutcome defer_or_fail(const RunnerDeps& deps, const store::Claim& claim, const store::TaskRecord& task,
                         const Error& e) {
  if (e.code != io_errc::kStorageFull) {
    fail(deps, claim, task, e);
    return {};
  }
  const auto delay = storage_retry_delay_ms(deps, task.attempts);
  if (auto deferred = deps.tasks.defer(claim, delay); !deferred) {
    // Cancelled or reclaimed meanwhile: nothing to do. A store error leaves the task processing
    // under this worker; it is requeued at restart or when its lease expires.
    return {};
  }
  store::note_transition(metrics::transition::kDeferred, task);
  static LogThrottle log(30'000);
  if (auto left_out = log.admit(deps.clock->monotonic_ms())) {
    log::get().warn("disk full: task {} waits {}s before attempt {} ({}){}", task.task_uuid,
                    delay / 1000, task.attempts + 1, e.message,
                    *left_out ? ", " + std::to_string(*left_out) + " similar lines left out" : "");
  }
  return RunOutcome{delay};
}

// PUTs a stored result to the task's uploadEndpoint. A failure fails the task (see fail()); the
// media stays served until it expires, and the error says where.
Status upload_result(const RunnerDeps& deps, const store::Claim& claim, const store::MediaRecord& media,
                     const std::string& url) {
  if (!deps.upload) {
    return Error{delivery::errc::kUploadFailed, "this server does not upload results.", "uploadEndpoint"};
  }
  // Before each retry the lease is renewed, which also stops the upload of a cancelled task.
  const auto renew = [&]() -> Status { return deps.tasks.renew_lease(claim, deps.lease_ms); };
  auto uploaded =
      delivery::upload_media(deps.media, media, url, deps.upload, *deps.clock, deps.upload_options, renew);
  if (!uploaded && (uploaded.error().code == store::errc::kLeaseLost ||
                    uploaded.error().code == store::errc::kCancelled)) {
    return uploaded;  // no longer this worker's task: nothing to report
  }
  if (uploaded || uploaded.error().code == fetch::errc::kFetchCancelled) return uploaded;  // cancelled: the server stops
  auto e = uploaded.error();
  e.message += "; the result stays at " + deps.media.url(media.media_uuid, media.content_type) + " until it expires.";
  e.parameter = "uploadEndpoint";
  return e;
}

// Renders one result into a file staged in the media store, which commits it (or discards it when
// the render failed), then records the result.
Status render_result(const RunnerDeps& deps, engine::Engine& engine, const store::Claim& claim,
                     const store::TaskRecord& task,
                     const DecodedTask& decoded, const std::vector<engine::InputMedia>& inputs,
                     const store::ResultRecord& result, TaskProgress& progress) {
  auto staged = stage_job(deps, task, decoded, inputs, result);
  if (!staged) return staged.error();
  progress.begin_result(result.index);
  auto out = engine.render(staged->job, progress);
  return record_result(deps, engine, claim, task, decoded, *staged, std::move(out));
}

}  // namespace

Result<StagedJob> stage_job(const RunnerDeps& deps, const store::TaskRecord& task, const DecodedTask& decoded,
                            const std::vector<engine::InputMedia>& inputs, const store::ResultRecord& result) {
  const auto content_type = engine::output_content_type(decoded.plan);
  auto staged = deps.media.stage(result.media_uuid, content_type);
  if (!staged) return staged.error();
  engine::Job job{task.task_uuid, result.index, decoded.seed + static_cast<std::uint64_t>(result.index),
                  decoded.plan, decoded.request, inputs, staged->path.string(),
                  content_type, result.provider_state};
  return StagedJob{std::move(staged).value(), std::move(job), result.index, result.media_uuid,
                   deps.clock->monotonic()};
}

Status record_result(const RunnerDeps& deps, const engine::Engine& engine, const store::Claim& claim,
                     const store::TaskRecord& task, const DecodedTask& decoded, const StagedJob& staged,
                     Result<engine::Output> out) {
  metrics::record_render(engine.name(), out ? "ok" : "error",
                         std::chrono::duration<double>(deps.clock->monotonic() - staged.started).count());
  if (!out) {
    deps.media.discard(staged.staged);
    return out.error();
  }
  const auto& content_type = staged.job.content_type;
  auto committed = deps.media.commit(staged.staged, task.owner, task.task_uuid, decoded.ttl_s);
  if (!committed) return committed.error();
  ResultPayload payload{content_type, staged.job.seed, std::nullopt, out->width, out->height, out->duration_s,
                        std::string(engine.name()), {}, {}, {}, {}, out->notes};
  if (decoded.quote) payload.cost_micros = decoded.quote->cost_micros / decoded.plan.number_results;
  if (decoded.upload_endpoint) {
    // Before the result is recorded: a task run again after a crash here uploads again.
    if (auto uploaded = upload_result(deps, claim, *committed, *decoded.upload_endpoint); !uploaded) return uploaded;
    payload.upload_url = *decoded.upload_endpoint;
  }
  return deps.tasks.put_result(claim, {staged.index, staged.media_uuid, "success", core::encode(payload)});
}

void publish_progress(const RunnerDeps& deps, const store::TaskRecord& task, int percent) {
  publish(deps, task, store::TaskEvent::Kind::Progress, percent);
}

void hand_back(const RunnerDeps& deps, const store::Claim& claim) {
  if (!deps.tasks.defer(claim, 0)) return;
  if (deps.events) deps.events->publish_queued();
}

std::int64_t storage_retry_delay_ms(const RunnerDeps& deps, int attempts) {
  std::int64_t delay = std::max<std::int64_t>(1, deps.storage_retry_first_ms);
  for (int i = 1; i < attempts && delay < deps.storage_retry_max_ms; ++i) delay *= 2;
  return std::min(delay, deps.storage_retry_max_ms);
}

std::shared_ptr<PreparedTask> prepare_task(const RunnerDeps& deps, const store::TaskRecord& task,
                                           const std::string& worker_id) {
  auto prepared = std::make_shared<PreparedTask>();
  prepared->claimed = deps.clock->monotonic();
  prepared->task = task;
  prepared->claim = store::Claim{task.key, worker_id, task.attempts};
  auto decoded = deps.decode(task);
  if (!decoded) {
    fail(deps, prepared->claim, task, {core::errc::kInvalidStoredTask, decoded.error().message});
    return nullptr;
  }
  prepared->decoded = std::move(decoded).value();
  prepared->engine = deps.engines.engine_for(task.model);
  if (!prepared->engine) {
    fail(deps, prepared->claim, task,
         {errc::kModelUnavailable, "no engine is configured for " + task.model});
    return nullptr;
  }
  return prepared;
}

namespace {

// The inputs of one task being fetched at once; the last answer assembles them in request order.
struct InputsInFlight {
  std::mutex mutex;
  std::shared_ptr<PreparedTask> prepared;
  std::vector<Wanted> wanted;
  std::vector<std::optional<Result<fetch::Blob>>> answers;
  std::size_t left = 0;
  std::function<void(Status)> done;

  Status assemble() {
    for (std::size_t i = 0; i < wanted.size(); ++i) {
      auto input = checked_input(wanted[i], std::move(*answers[i]), prepared->decoded.plan.model);
      if (!input) return input.error();
      prepared->inputs.push_back(std::move(input).value());
    }
    return Ok{};
  }
};

}  // namespace

void fetch_inputs_async(const RunnerDeps& deps, std::shared_ptr<PreparedTask> prepared,
                        std::function<void(Status)> done) {
  auto flight = std::make_shared<InputsInFlight>();
  flight->wanted = wanted_inputs(generation(prepared->decoded).inputs);
  flight->prepared = std::move(prepared);
  flight->answers.resize(flight->wanted.size());
  flight->left = flight->wanted.size();
  flight->done = std::move(done);
  if (flight->wanted.empty()) return flight->done(Ok{});
  // `flight` (a local here, and in every callback) keeps the task and its input refs alive.
  const auto& owner = flight->prepared->task.owner;
  for (std::size_t i = 0; i < flight->wanted.size(); ++i) {
    deps.fetch_async(flight->wanted[i].ref->value, owner, [flight, i](Result<fetch::Blob> answer) {
      std::unique_lock lock(flight->mutex);
      flight->answers[i] = std::move(answer);
      if (--flight->left > 0) return;
      auto status = flight->assemble();
      lock.unlock();
      flight->done(std::move(status));
    });
  }
}

// A task a client cancelled while it ran leaves no media behind: render_result discarded what was
// staged, and what earlier results committed goes here. A task merely claimed again by another
// worker keeps its media (the new holder continues from it).
void drop_media_if_cancelled(const RunnerDeps& deps, const PreparedTask& prepared) {
  auto held = deps.tasks.check_held(prepared.claim);
  if (held || held.error().code != store::errc::kCancelled) return;
  const auto& task = prepared.task;
  if (auto removed = deps.media.remove_task_media(task.owner, task.task_uuid); !removed) {
    log::get().warn("cancelled task {}: its media stays until the retention removes it ({})", task.task_uuid,
                    removed.error().message);
  }
}

// The end of a task that did not complete: failed, deferred, cancelled or taken over.
RunOutcome stopped(const RunnerDeps& deps, const PreparedTask& prepared, const Error& e) {
  // The process stops on a shared store: back to the queue for another process's worker (a task
  // cancelled meanwhile stays cancelled, and its media goes).
  if (deps.hand_back && (e.code == fetch::errc::kFetchCancelled ||
                         (e.code == vidserve::errc::kTaskCancelled && deps.hand_back->load()))) {
    hand_back(deps, prepared.claim);
    drop_media_if_cancelled(deps, prepared);
    return {};
  }
  if (e.code == fetch::errc::kFetchCancelled) return {};  // the server stops: requeued at restart
  auto outcome = defer_or_fail(deps, prepared.claim, prepared.task, e);
  drop_media_if_cancelled(deps, prepared);
  return outcome;
}

std::optional<RunOutcome> before_rendering(const RunnerDeps& deps, PreparedTask& prepared, const Status& fetched) {
  const auto& task = prepared.task;
  const auto& claim = prepared.claim;
  if (!fetched) return stopped(deps, prepared, fetched.error());
  prepared.decoded.quote = measured_quote(prepared.decoded, prepared.inputs);
  if (deps.spend_gate && prepared.decoded.quote) {
    if (auto charged = deps.spend_gate(task, prepared.engine->name(), prepared.decoded.quote->cost_micros); !charged) {
      if (charged.error().code == errc::kSpendCapExceeded) {
        fail(deps, claim, task, charged.error());
        return RunOutcome{};
      }
      // The ledger could not be written (busy, disk): the task waits, uncharged, and tries again.
      if (deps.tasks.defer(claim, storage_retry_delay_ms(deps, task.attempts)))
        store::note_transition(metrics::transition::kDeferred, task);
      return RunOutcome{};
    }
  }
  return std::nullopt;
}

bool hold_before_result(const RunnerDeps& deps, const PreparedTask& prepared, bool first) {
  // Before each result the lease is renewed, which also tells whether the task was cancelled
  // meanwhile; not before the first one when the claim wrote that same lease a moment ago
  // (a second synchronous write for nothing). After a slow input fetch it is renewed.
  const bool fresh_claim = first && deps.clock->monotonic() - prepared.claimed < kFreshClaim;
  if (fresh_claim || deps.tasks.renew_lease(prepared.claim, deps.lease_ms)) return true;
  drop_media_if_cancelled(deps, prepared);
  return false;
}

RunOutcome complete_task(const RunnerDeps& deps, const PreparedTask& prepared) {
  const auto& task = prepared.task;
  auto completed = deps.tasks.complete(prepared.claim);
  if (!completed && (completed.error().code == store::errc::kLeaseLost ||
                     completed.error().code == store::errc::kCancelled)) {
    drop_media_if_cancelled(deps, prepared);  // another claim runs it now, or it was cancelled
    return {};
  }
  if (completed) store::note_transition(metrics::transition::kFinished, task);
  publish(deps, task, store::TaskEvent::Kind::Finished, 100);
  return {};
}

RunOutcome finish_task(const RunnerDeps& deps, PreparedTask& prepared, const Status& fetched) {
  if (auto ended = before_rendering(deps, prepared, fetched)) return *ended;
  const auto& task = prepared.task;
  TaskProgress progress(deps, task, prepared.claim);
  bool first = true;
  for (const auto& result : task.results) {
    if (result.status == "success") continue;  // done before a restart: never rendered twice
    if (!hold_before_result(deps, prepared, first)) return {};
    first = false;
    if (auto rendered = render_result(deps, *prepared.engine, prepared.claim, task, prepared.decoded,
                                      prepared.inputs, result, progress);
        !rendered) {
      return stopped(deps, prepared, rendered.error());
    }
  }
  return complete_task(deps, prepared);
}

RunOutcome run_task(const RunnerDeps& deps, const store::TaskRecord& task, const std::string& worker_id) {
  auto prepared = prepare_task(deps, task, worker_id);
  if (!prepared) return {};
  auto inputs = fetch_inputs(deps, generation(prepared->decoded).inputs, task.owner, prepared->decoded.plan.model);
  Status fetched = Ok{};
  if (inputs) {
    prepared->inputs = std::move(inputs).value();
  } else {
    fetched = inputs.error();
  }
  return finish_task(deps, *prepared, fetched);
}

}  // namespace vidserve::worker
