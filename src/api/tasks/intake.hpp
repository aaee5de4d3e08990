#pragma once
// Accepting an inference task, whichever API it came through: every front-end translates its
// request into a Runware task and validates it; this builds the record to store, commits it
// through the Submitter (off the io threads) and finds it again for the API that created it.
#include <boost/json.hpp>
#include <functional>
#include <string>
#include <vector>

#include "api/tasks/context.hpp"
#include "core/result_payload.hpp"
#include "core/task_spec.hpp"

namespace vidserve::api::tasks {

// A new record for a validated task: one "processing" result per numberResults, each with its
// media uuid, and the seed chosen now when the client gave none, so a resumed task renders exactly
// what it would have before a restart. The stored request is the encoded core::TaskSpec; whatever
// else a front-end needs to answer in its own shape is in the record's `api` and `external_id`,
// and in the spec's caller_names. The spec's webhook URL (webhookURL, Kling's callback_url) is
// the record's webhook_url, with the final state as its only event (store::kWebhookFinal); a
// front-end that announces more adds them. The spec's digest (core::TaskSpec::digest) is set
// here, before the seed is chosen.
store::TaskRecord new_record(core::TaskSpec spec, const std::string& owner, const core::Plan& plan);

// SHA-256 (hex) of the spec as encoded without its task uuid and digest: what makes two
// submissions the same request.
std::string request_digest(core::TaskSpec spec);

// The stored task's spec; "invalidStoredTask" when its request cannot be read.
Result<core::TaskSpec> spec_of(const store::TaskRecord& record);

// A failed task's error as its worker stored it: code, message, and the Runware path of the
// input at fault ("" when the error is not about one input).
struct TaskError {
  std::string code, message, parameter;
};
TaskError task_error(const store::TaskRecord& record);
// The caller's name of a Runware path as its front-end recorded it at submission ("image_tail"),
// else the path itself. A record read without its request (get_brief, list) has it read here.
std::string caller_name(const Context& s, const store::TaskRecord& record, const std::string& runware_path);

// Commits one record durably and wakes the workers; `done` gets the stored record or the error
// (e.g. duplicateExternalId, serviceUnavailable while shutting down), possibly on another thread.
void submit_one(const Context& s, store::TaskRecord record,
                std::function<void(Result<store::TaskRecord>)> done);

// The public URL of a finished result's media.
std::string media_url(const Context& s, const store::ResultRecord& result,
                      const core::ResultPayload& payload);

// The media of a succeeded task as the Kling and APIMart front-ends show it (empty otherwise).
struct ResultMedia {
  std::string id;  // the media uuid
  std::string url;
  double duration_s = 0;
  std::vector<std::string> notes = {};  // the engine's notes on how it used the inputs
};
struct TaskMedia {
  std::vector<ResultMedia> results;
  bool preview = false;  // a result came from the preview engine
};
TaskMedia task_media(const Context& s, const store::TaskRecord& record);

// What a front-end says of a preview render, which is never passed off as Kling's output.
inline constexpr const char* kPreviewNote =
    "rendered by vidserve's preview engine: a placeholder video, not Kling model output";

// A stored task by the id a client sent: its task uuid, else its external id; only tasks created
// through `api` count ("notFound" otherwise). Found by its task uuid, the record comes without its
// request (TaskRepository::get_brief): what a query needs.
Result<store::TaskRecord> find_task(const Context& s, const std::string& owner, const std::string& id,
                                    const std::string& api);

// Cancels a task of `api` found as find_task finds it (Queued|Processing -> Cancelled, durably, on
// the committer thread), removes any media it already has (its worker stops within a second and
// removes what it made after this), and answers with the cancelled record: "notFound" for no such
// task of this owner and API, "invalidState" once it succeeded or failed; cancelling a cancelled
// task answers it again. `done` may run on another thread.
void cancel_task(const Context& s, const std::string& owner, const std::string& id, const std::string& api,
                 std::function<void(Result<store::TaskRecord>)> done);

// Seconds as Kling and APIMart write them: "5", "5.04".
std::string seconds_text(double seconds);

}  // namespace vidserve::api::tasks
