#include "api/tasks/intake.hpp"

#include <cmath>
#include <cstdio>
#include <random>

#include "api/wire/error_codes.hpp"
#include "common/metrics.hpp"
#include "common/uuid.hpp"
#include "store/key_crypto.hpp"
#include "store/task_lifecycle.hpp"
#include "store/webhook_outbox.hpp"

namespace vidserve::api::tasks {

namespace json = boost::json;

store::TaskRecord new_record(core::TaskSpec spec, const std::string& owner, const core::Plan& plan) {
  spec.digest = request_digest(spec);
  auto& generation = spec.generation();
  if (!generation.options.seed) {
    thread_local std::mt19937_64 rng{std::random_device{}()};
    generation.options.seed = static_cast<std::int64_t>(1 + rng() % 2147483646);
  }
  store::TaskRecord record;
  record.task_uuid = generation.task_uuid;
  record.owner = owner;
  record.task_type = generation.task_type;
  record.model = plan.model->air;
  record.request = core::encode_task_spec(spec);
  record.request_version = static_cast<int>(core::kTaskSpecVersion);
  record.webhook_url = spec.options().webhook_url.value_or("");
  record.webhook_events = store::kWebhookFinal;
  for (int i = 0; i < plan.number_results; ++i) {
    record.results.push_back({i, uuid::generate_v4(), "processing", ""});
  }
  return record;
}

std::string request_digest(core::TaskSpec spec) {
  spec.generation().task_uuid.clear();
  spec.digest.clear();
  auto hex = store::key_crypto::sha256_hex(core::encode_task_spec(spec));
  return hex ? *hex : std::string();  // "" never matches: a resubmission then gets the duplicate error
}

namespace {

// The committer no longer takes work: the server stops.
Error shutting_down() {
  return Error{wire::errc::kServiceUnavailable, "the server is shutting down; retry shortly."};
}

}  // namespace

void submit_one(const Context& s, store::TaskRecord record,
                std::function<void(Result<store::TaskRecord>)> done) {
  auto shared_done = std::make_shared<decltype(done)>(std::move(done));
  std::vector<store::TaskRecord> records;
  records.push_back(std::move(record));
  const bool accepted = s.submitter->submit(std::move(records), [&s, shared_done](auto results) {
    if (s.wake && !results.empty() && results.front()) s.wake();
    (*shared_done)(std::move(results.front()));
  });
  if (!accepted) (*shared_done)(shutting_down());
}

std::string media_url(const Context& s, const store::ResultRecord& result,
                      const core::ResultPayload& payload) {
  return s.media.url(result.media_uuid, payload.content_type);
}

TaskMedia task_media(const Context& s, const store::TaskRecord& record) {
  TaskMedia media;
  if (record.status != store::TaskStatus::Success) return media;
  for (const auto& result : record.results) {
    const auto payload = core::decode_result_payload(result.payload);
    media.preview = media.preview || payload.engine == "preview";
    media.results.push_back({result.media_uuid, media_url(s, result, payload), payload.duration_s, payload.notes});
  }
  return media;
}

TaskError task_error(const store::TaskRecord& record) {
  TaskError error{record.error_code, record.error_message, {}};
  for (const auto& result : record.results) {
    if (result.status != "error") continue;
    error.parameter = core::decode_result_payload(result.payload).error_parameter;
    if (!error.parameter.empty()) break;
  }
  return error;
}

std::string caller_name(const Context& s, const store::TaskRecord& record, const std::string& runware_path) {
  auto spec = spec_of(record);
  if (!spec && record.request.empty()) {  // read without its request: only failed tasks get here
    const auto full = s.tasks.get(record.owner, record.task_uuid);
    if (full) spec = spec_of(*full);
  }
  return spec ? spec->caller_name(runware_path) : runware_path;
}

Result<core::TaskSpec> spec_of(const store::TaskRecord& record) {
  return core::decode_task_spec(record.request);
}

Result<store::TaskRecord> find_task(const Context& s, const std::string& owner, const std::string& id,
                                    const std::string& api) {
  auto record = s.tasks.get_brief(owner, id);
  if (!record || record->api != api) record = s.tasks.get_by_external_id(owner, id);
  if (record && record->api != api) return Error{store::errc::kNotFound, "no task " + id};
  return record;
}

void cancel_task(const Context& s, const std::string& owner, const std::string& id, const std::string& api,
                 std::function<void(Result<store::TaskRecord>)> done) {
  auto shared_done = std::make_shared<decltype(done)>(std::move(done));
  const bool accepted = s.submitter->run([&s, owner, id, api, shared_done] {
    auto record = find_task(s, owner, id, api);
    if (!record) return (*shared_done)(record.error());
    auto cancelled = s.tasks.cancel(owner, record->task_uuid);
    if (!cancelled) return (*shared_done)(cancelled.error());
    if (!store::is_terminal(record->status)) store::note_transition(metrics::transition::kCancelled, *record);
    (void)s.media.remove_task_media(owner, record->task_uuid);
    if (s.events && !store::is_terminal(record->status)) {
      const auto full = s.tasks.get(owner, record->task_uuid);  // the request names any webhook
      s.events->publish({store::TaskEvent::Kind::Finished, owner, record->task_uuid, 100,
                         !full || core::may_name_webhook(full->request)});
    }
    (*shared_done)(s.tasks.get_brief(owner, record->task_uuid));
  });
  if (!accepted) (*shared_done)(shutting_down());
}

std::string seconds_text(double seconds) {
  if (seconds <= 0 || !std::isfinite(seconds)) return "0";
  char text[32];
  std::snprintf(text, sizeof text, "%.2f", seconds);
  std::string out(text);
  while (out.back() == '0') out.pop_back();
  if (out.back() == '.') out.pop_back();
  return out;
}

}  // namespace vidserve::api::tasks
