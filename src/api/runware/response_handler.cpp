// getResponse and the result items of a task.
#include <algorithm>

#include "api/http/error_codes.hpp"
#include "api/runware/error_codes.hpp"
#include "api/runware/handlers.hpp"
#include "api/tasks/intake.hpp"
#include "common/error_codes.hpp"
#include "common/text.hpp"
#include "core/error_codes.hpp"
#include "core/result_payload.hpp"
#include "fetch/base64.hpp"

namespace vidserve::api::runware::handlers {

namespace json = boost::json;

namespace {

struct Delivery {
  std::string output_type = "URL";
  bool include_cost = false;
  bool safety_checked = false;
};

Delivery delivery_of(const store::TaskRecord& record) {
  Delivery d;
  const auto spec = tasks::spec_of(record);
  if (!spec) return d;
  const auto& o = spec->options();
  if (o.output_type && !o.output_type->empty()) d.output_type = *o.output_type;
  d.include_cost = o.include_cost.value_or(false);
  d.safety_checked = o.safety && o.safety->check_content.value_or(false);
  return d;
}

// videoURL / videoBase64Data / videoDataURI, or the image equivalents.
void add_media(const tasks::Context& s, const store::ResultRecord& r, const core::ResultPayload& p,
               const Delivery& d, const std::string& noun, json::object& item) {
  if (d.output_type == "URL") {
    item[noun + "URL"] = tasks::media_url(s, r, p);
    return;
  }
  auto bytes = s.media.read(r.media_uuid);
  if (!bytes) return;
  const auto b64 = fetch::encode_base64(*bytes);
  if (d.output_type == "dataURI") {
    item[noun + "DataURI"] = "data:" + p.content_type + ";base64," + b64;
  } else {
    item[noun + "Base64Data"] = b64;
  }
}

json::object result_item(const tasks::Context& s, const store::TaskRecord& t, const store::ResultRecord& r,
                         const Delivery& d) {
  const std::string noun = t.task_type == "imageInference" ? "image" : "video";
  json::object item{{"taskType", t.task_type}, {"taskUUID", t.task_uuid}, {"status", r.status}};
  item[noun + "UUID"] = r.media_uuid;
  if (r.status != "success") {
    // The task's stored progress (0..100, written by its worker), on items still being made.
    if (r.status == "processing") item["progress"] = t.progress;
    return item;
  }
  const auto payload = core::decode_result_payload(r.payload);
  add_media(s, r, payload, d, noun, item);
  item["seed"] = payload.seed;
  if (d.include_cost && payload.cost_micros) item["cost"] = money::to_usd(*payload.cost_micros);
  if (!payload.upload_url.empty()) item["uploadEndpoint"] = payload.upload_url;  // the result was PUT there
  if (!payload.notes.empty()) {  // how the engine used the inputs (e.g. an image letterboxed)
    json::array notes;
    for (const auto& note : payload.notes) notes.emplace_back(note);
    item["notes"] = std::move(notes);
  }
  if (d.safety_checked) item["NSFWContent"] = false;
  return item;
}

bool failed(const store::TaskRecord& t) {
  return t.status == store::TaskStatus::Error || t.status == store::TaskStatus::Cancelled;
}

void add_error(const store::TaskRecord& t, Envelope& out) {
  const bool cancelled = t.status == store::TaskStatus::Cancelled;
  const auto e = tasks::task_error(t);
  const auto message = e.parameter.empty() ? e.message : e.parameter + ": " + e.message;
  out.error(cancelled ? 400 : 500, cancelled ? vidserve::errc::kTaskCancelled : e.code,
            cancelled ? "the task was cancelled." : message, t.task_type, t.task_uuid,
            cancelled ? std::string() : e.parameter);
  out.errors.back().as_object()["status"] = "error";
}

void add_results(const tasks::Context& s, const store::TaskRecord& t, const Delivery& d, Envelope& out) {
  for (const auto& r : t.results) out.data.push_back(result_item(s, t, r, d));
}

}  // namespace

void task_items(const tasks::Context& s, const store::TaskRecord& t, Envelope& out) {
  if (failed(t)) return add_error(t, out);
  add_results(s, t, delivery_of(t), out);
}

void get_response(const Services& s, const json::object& task, const std::string& owner, Envelope& out) {
  const auto task_uuid = string_field(task, "taskUUID");
  if (task_uuid.empty()) {
    out.error(400, core::errc::kMissingParameter,
              "getResponse needs the taskUUID of the task to read.", "getResponse", "", "taskUUID");
    return;
  }
  if (auto cached = s.finished->get(owner, task_uuid)) {
    for (auto& item : *cached) out.data.push_back(std::move(item));
    return;
  }
  // A poll reads the task without its request (which may hold megabytes of inline inputs); the
  // request is read only for results to deliver, where its options say how.
  auto record = s.context.tasks.get_brief(owner, task_uuid);
  if (record && !created_here(record->api)) record = Error{store::errc::kNotFound, "another API's task"};
  if (!record) {
    const bool missing = record.error().code == store::errc::kNotFound;
    out.error(missing ? 404 : 500, missing ? errc::kTaskNotFound : http::errc::kInternalServerError,
              missing ? "no task " + text::excerpt(task_uuid, kMaxEchoedId) + " for this API key."
                      : record.error().message,
              "getResponse", task_uuid);
    return;
  }
  if (failed(*record)) return add_error(*record, out);
  const auto first = out.data.size();
  const bool delivers = std::any_of(record->results.begin(), record->results.end(),
                                    [](const store::ResultRecord& r) { return r.status == "success"; });
  Delivery d;
  if (delivers) {
    auto full = s.context.tasks.get(owner, task_uuid);
    if (full) d = delivery_of(*full);  // the stored spec, decoded once
  }
  add_results(s.context, *record, d, out);
  // Finished URL replies never change; base64 replies are too large to keep.
  if (record->status == store::TaskStatus::Success && d.output_type == "URL") {
    s.finished->put(owner, task_uuid, json::array(out.data.begin() + static_cast<std::ptrdiff_t>(first), out.data.end()));
  }
}

}  // namespace vidserve::api::runware::handlers
