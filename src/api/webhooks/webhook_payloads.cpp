#include "api/webhooks/webhook_payloads.hpp"

#include "api/kling/native_task_view.hpp"
#include "api/runware/handlers.hpp"
#include "api/tasks/intake.hpp"
#include "api/wire/error_codes.hpp"
#include "api/wire/json_text.hpp"

namespace vidserve::api::webhooks {

namespace json = boost::json;

namespace {

// Runware's getResponse items, each in its own envelope: receivers parse {"data":[...]} or
// {"errors":[...]}, and Runware sends one call per result as it becomes available.
std::vector<std::string> runware_bodies(const tasks::Context& s, const store::TaskRecord& record) {
  runware::Envelope envelope;
  runware::handlers::task_items(s, record, envelope);
  std::vector<std::string> bodies;
  for (const auto& item : envelope.data) bodies.push_back(wire::to_text(json::object{{"data", json::array{item}}}));
  for (const auto& error : envelope.errors) {
    bodies.push_back(wire::to_text(json::object{{"errors", json::array{error}}}));
  }
  return bodies;
}

}  // namespace

std::string webhook_url(const store::TaskRecord& record) {
  const auto spec = tasks::spec_of(record);
  return spec ? spec->options().webhook_url.value_or("") : std::string();
}

Result<std::vector<std::string>> webhook_bodies(const tasks::Context& context, const store::TaskRecord& record,
                                                std::string_view event, const TaskView& apimart_view) {
  if (record.api.rfind("kling:", 0) == 0) {
    // The state the event announces, whatever the task has reached since: a late "submitted"
    // callback still says submitted.
    store::TaskRecord at_event = record;
    if (event == kEventSubmitted) {
      at_event.status = store::TaskStatus::Queued;
      at_event.progress = 0;
    } else if (event == kEventProcessing) {
      at_event.status = store::TaskStatus::Processing;
    }
    return std::vector<std::string>{wire::to_text(kling::native_task(context, at_event))};
  }
  if (event != kEventFinal) {
    return Error{wire::errc::kNoWebhookShape, "only Kling-native tasks announce the " + std::string(event) + " state"};
  }
  if (record.api == "apimart") {
    if (!apimart_view)
      return Error{wire::errc::kNoWebhookShape,
                   "no APIMart task view is wired into the webhook notifier"};
    return std::vector<std::string>{wire::to_text(apimart_view(record))};
  }
  // "runware", and "" for tasks stored before the api column: the stored request is a Runware task.
  return runware_bodies(context, record);
}

}  // namespace vidserve::api::webhooks
