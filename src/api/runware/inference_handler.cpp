// videoInference / imageInference: validate, store durably, acknowledge (or wait, for sync
// image requests).
#include "api/runware/document_check.hpp"
#include "api/runware/handlers.hpp"
#include "api/tasks/intake.hpp"

namespace vidserve::api::runware::handlers {

namespace json = boost::json;

std::string string_field(const json::object& o, const char* key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

namespace {

bool wants_sync(const json::object& task) {
  return string_field(task, "taskType") == "imageInference" && string_field(task, "deliveryMethod") != "async";
}

}  // namespace

void inference(const Services& s, const json::object& task, const std::string& owner, Envelope& out,
               std::vector<Deferred>& deferred) {
  const auto type = string_field(task, "taskType");
  const auto task_uuid = string_field(task, "taskUUID");
  auto verdict = check_task(task, 0, s.context.catalog);
  if (!verdict.validation.valid()) {
    for (const auto& p : verdict.validation.problems) out.problem(p, type, task_uuid);
    return;
  }
  const auto& model = verdict.validation.plan->model->air;
  if (auto spend = s.context.check_spend(owner, model, verdict.validation.quote, task_uuid); !spend) {
    out.error(402, spend.error().code, spend.error().message, type, task_uuid);
    return;
  }
  auto record = tasks::new_record(core::TaskSpec{std::move(*verdict.request), {}}, owner, *verdict.validation.plan);
  record.api = std::string(kRunwareApi);
  deferred.push_back({std::move(record), wants_sync(task)});
}

}  // namespace vidserve::api::runware::handlers
