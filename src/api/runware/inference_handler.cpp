// videoInference / imageInference: validate, store durably, acknowledge (or wait, for sync
// image requests).
#include <random>

#include "api/runware/document_check.hpp"
#include "api/runware/handlers.hpp"
#include "common/uuid.hpp"

namespace vidserve::api::runware::handlers {

namespace json = boost::json;

std::string string_field(const json::object& o, const char* key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

namespace {

// The stored request is the task as sent, plus the seed chosen now when the client gave none, so
// a resumed task renders exactly what it would have before a restart.
std::string stored_request(json::object task) {
  if (!task.contains("seed")) {
    thread_local std::mt19937_64 rng{std::random_device{}()};
    task["seed"] = static_cast<std::int64_t>(1 + rng() % 2147483646);
  }
  return json::serialize(task);
}

store::TaskRecord new_record(const json::object& task, const std::string& owner, const core::Plan& plan) {
  store::TaskRecord record;
  record.task_uuid = string_field(task, "taskUUID");
  record.owner = owner;
  record.task_type = string_field(task, "taskType");
  record.model = plan.model->air;
  record.request = stored_request(task);
  for (int i = 0; i < plan.number_results; ++i) {
    record.results.push_back({i, uuid::generate_v4(), "processing", ""});
  }
  return record;
}

bool wants_sync(const json::object& task) {
  return string_field(task, "taskType") == "imageInference" && string_field(task, "deliveryMethod") != "async";
}

}  // namespace

void inference(const Services& s, const json::object& task, const std::string& owner, Envelope& out,
               std::vector<Deferred>& deferred) {
  const auto type = string_field(task, "taskType");
  const auto task_uuid = string_field(task, "taskUUID");
  const auto verdict = check_task(task, 0, s.catalog);
  if (!verdict.validation.valid()) {
    for (const auto& p : verdict.validation.problems) out.problem(p, type, task_uuid);
    return;
  }
  deferred.push_back({new_record(task, owner, *verdict.validation.plan), wants_sync(task)});
}

}  // namespace vidserve::api::runware::handlers
