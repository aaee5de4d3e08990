#include "api/runware/service.hpp"

#include "api/runware/document_check.hpp"
#include "api/runware/handlers.hpp"
#include "common/uuid.hpp"

namespace vidserve::api::runware {

namespace json = boost::json;

namespace {

// Authorization header first, else a leading {"taskType":"authentication","apiKey":...} task.
std::optional<std::string> authenticate(const Services& s, const json::array& tasks,
                                        std::string_view authorization, Envelope& out, bool& auth_task) {
  auth_task = !tasks.empty() && tasks[0].is_object() &&
              handlers::string_field(tasks[0].get_object(), "taskType") == "authentication";
  std::string key(Authenticator::bearer_token(authorization));
  if (auth_task) key = handlers::string_field(tasks[0].get_object(), "apiKey");
  if (key.empty()) {
    out.error(401, "missingApiKey",
              "no API key: send Authorization: Bearer <key> or a leading authentication task.",
              "authentication", "");
    return std::nullopt;
  }
  auto owner = s.auth.owner_for(key);
  if (!owner) out.error(401, "invalidApiKey", "the API key is not valid or was revoked.", "authentication", "");
  return owner;
}

void dispatch(const Services& s, const json::value& value, const std::string& owner, Envelope& out) {
  if (!value.is_object()) {
    out.error(400, "invalidType", "each task must be a JSON object.", "", "");
    return;
  }
  const auto& task = value.get_object();
  const auto type = handlers::string_field(task, "taskType");
  if (type == "videoInference" || type == "imageInference") return handlers::inference(s, task, owner, out);
  if (type == "getResponse") return handlers::get_response(s, task, owner, out);
  if (type == "imageUpload") return handlers::image_upload(s, task, owner, out);
  if (type == "modelSearch") return handlers::model_search(s, task, out);
  if (type == "ping") {
    out.data.push_back(json::object{{"taskType", "ping"}, {"pong", true}});
    return;
  }
  // Anything else gets the validator's answer (missing or unknown taskType, with a suggestion).
  const auto verdict = check_task(value, 0, s.catalog);
  for (const auto& p : verdict.validation.problems) out.problem(p, type, handlers::string_field(task, "taskUUID"));
  if (verdict.validation.problems.empty()) {
    out.error(400, "unsupportedTaskType", "taskType " + type + " is not served over this endpoint.", type,
              handlers::string_field(task, "taskUUID"));
  }
}

}  // namespace

Reply Service::handle(std::string_view body, std::string_view authorization) const {
  Envelope out;
  SyntaxError syntax;
  auto doc = parse_json(body, syntax);
  if (!doc) {
    out.error(400, "invalidJSON",
              "malformed JSON at line " + std::to_string(syntax.line) + ", column " +
                  std::to_string(syntax.column) + ": " + syntax.message,
              "", "");
    return {out.status(), out.body()};
  }
  json::array tasks = doc->is_array() ? std::move(doc->get_array()) : json::array{std::move(*doc)};
  if (tasks.empty() || tasks.size() > s_.max_tasks_per_request) {
    out.error(400, "invalidTaskCount",
              "send between 1 and " + std::to_string(s_.max_tasks_per_request) + " tasks in a JSON array.", "", "");
    return {out.status(), out.body()};
  }
  bool auth_task = false;
  const auto owner = authenticate(s_, tasks, authorization, out, auth_task);
  if (!owner) return {out.status(), out.body()};
  if (auth_task) {
    out.data.push_back(json::object{{"taskType", "authentication"}, {"connectionSessionUUID", uuid::generate_v4()}});
  }
  for (std::size_t i = auth_task ? 1 : 0; i < tasks.size(); ++i) dispatch(s_, tasks[i], *owner, out);
  return {out.status(), out.body()};
}

}  // namespace vidserve::api::runware
