#include "api/apimart/apimart_request.hpp"

#include "api/apimart/apimart_service.hpp"
#include "api/apimart/apimart_task_view.hpp"
#include "api/apimart/error_codes.hpp"
#include "api/tasks/intake.hpp"
#include "api/wire/error_codes.hpp"
#include "api/wire/json.hpp"
#include "api/wire/json_text.hpp"
#include "api/wire/problem_json.hpp"
#include "common/text.hpp"

namespace vidserve::api::apimart {

namespace json = boost::json;

namespace {

constexpr std::string_view kApi = "apimart";
constexpr std::string_view kTasksPath = "/v1/tasks/";
constexpr std::string_view kCancelSuffix = "/cancel";
constexpr std::size_t kMaxEcho = 100;  // bytes of a caller's task id quoted in a reply

wire::Reply error_reply(int status, const char* type, const char* code, std::string message, std::string param = {},
                           json::array details = {}) {
  json::object error{{"message", std::move(message)}, {"type", type}, {"code", code}};
  if (!param.empty()) error["param"] = std::move(param);
  json::object body{{"code", status}, {"error", std::move(error)}};
  if (!details.empty()) body["errors"] = std::move(details);
  return {status, wire::to_text(body)};
}

wire::Reply invalid(std::vector<core::Problem> problems) {
  std::string message;
  json::array details;
  for (auto& p : problems) {
    if (!message.empty()) message += " ";
    const auto parameter = p.parameter();
    message += parameter.empty() ? p.message : parameter + ": " + p.message;
    details.push_back(wire::to_json(p));
  }
  return error_reply(400, errc::kInvalidRequestError, errc::kInvalidParameter, message,
                     problems.front().parameter(), std::move(details));
}

bool is_cancel(std::string_view path) {
  return path.size() > kTasksPath.size() + kCancelSuffix.size() && path.rfind(kTasksPath, 0) == 0 &&
         path.ends_with(kCancelSuffix);
}

// The caller's task id: "task_<uuid>" or the bare uuid.
std::string uuid_of(const std::string& task_id) {
  return task_id.rfind(kTaskPrefix, 0) == 0 ? task_id.substr(kTaskPrefix.size()) : task_id;
}

wire::Reply not_found(const std::string& task_id) {
  return error_reply(404, errc::kInvalidRequestError, errc::kTaskNotFound,
                     "no task " + text::excerpt(task_id, kMaxEcho) + " for this API key.", "task_id");
}

}  // namespace

bool ApimartService::owns(std::string_view method, std::string_view path) {
  return (method == "POST" && (path == "/v1/videos/generations" || is_cancel(path))) ||
         (method == "GET" && path.rfind(kTasksPath, 0) == 0);
}

void ApimartService::handle(std::string_view method, std::string_view path, std::string_view body,
                            std::string_view authorization, wire::ReplyCallback done) const {
  if (!context_.ready())
    return done(error_reply(503, errc::kServerError, errc::kServiceUnavailable,
                            "the server is starting; retry shortly."));
  const auto key = Authenticator::bearer_token(authorization);
  auto owner = key.empty() ? std::nullopt : context_.auth.owner_for(key);
  if (!owner) {
    return done(error_reply(401, errc::kAuthenticationError,
                            key.empty() ? errc::kMissingApiKey : errc::kInvalidApiKey,
                            key.empty() ? "send Authorization: Bearer <API key>."
                                        : "the API key is not valid or was revoked."));
  }
  done = wire::with_key_id(std::move(done), *owner);
  if (const auto wait = context_.over_rate(*owner)) {
    auto reply = error_reply(429, errc::kRateLimitError, errc::kRateLimitExceeded,
                             "this API key is over its request rate; retry in " + std::to_string(*wait) + " s.");
    reply.retry_after_s = *wait;
    return done(std::move(reply));
  }
  if (method == "POST" && is_cancel(path)) {
    const auto id = path.substr(kTasksPath.size(), path.size() - kTasksPath.size() - kCancelSuffix.size());
    return cancel(std::string(id), *owner, std::move(done));
  }
  if (method == "POST") return create(body, *owner, std::move(done));
  done(read(std::string(path.substr(kTasksPath.size())), *owner));
}

void ApimartService::create(std::string_view body, const std::string& owner, wire::ReplyCallback done) const {
  const auto& s = context_;
  wire::SyntaxError syntax;
  auto doc = wire::parse_json(body, syntax);
  if (!doc || !doc->is_object()) {
    return done(error_reply(400, errc::kInvalidRequestError, errc::kInvalidJson,
                            doc ? "the body must be a JSON object." : syntax.describe()));
  }
  auto verdict = check_apimart(doc->get_object(), s.catalog);
  if (!verdict.problems.empty()) return done(invalid(std::move(verdict.problems)));
  if (auto spend = s.check_spend(owner, verdict.plan->model->air, verdict.quote, {}); !spend) {
    return done(error_reply(402, errc::kInvalidRequestError, errc::kSpendCapExceeded, spend.error().message));
  }
  auto record = tasks::new_record(std::move(*verdict.spec), owner, *verdict.plan);
  record.api = std::string(kApi);
  tasks::submit_one(s, std::move(record), [done = std::move(done)](Result<store::TaskRecord> stored) {
    if (!stored) {
      const auto& code = stored.error().code;
      if (code == wire::errc::kInsufficientStorage) {
        return done(error_reply(507, errc::kServerError, errc::kInsufficientStorage,
                                stored.error().message));
      }
      if (code == store::errc::kTooManyQueuedTasks) {
        return done(error_reply(429, errc::kRateLimitError, errc::kTooManyQueuedTasks,
                                stored.error().message));
      }
      const bool busy = code == wire::errc::kServiceUnavailable;
      return done(error_reply(busy ? 503 : 500, errc::kServerError,
                              busy ? errc::kServiceUnavailable : errc::kInternalError,
                              stored.error().message));
    }
    json::object reply{{"code", 200},
                       {"data", json::array{json::object{{"status", "submitted"},
                                                         {"task_id", std::string(kTaskPrefix) + stored->task_uuid}}}}};
    done({200, wire::to_text(reply)});
  });
}

wire::Reply ApimartService::read(const std::string& task_id, const std::string& owner) const {
  const auto& s = context_;
  auto record = tasks::find_task(s, owner, uuid_of(task_id), std::string(kApi));
  if (!record) {
    if (record.error().code != store::errc::kNotFound) {
      return error_reply(500, errc::kServerError, errc::kInternalError, record.error().message);
    }
    return not_found(task_id);
  }
  json::object body{{"code", 200}, {"data", task_view(s, *record)}};
  return {200, wire::to_text(body)};
}

void ApimartService::cancel(const std::string& task_id, const std::string& owner,
                            wire::ReplyCallback done) const {
  const auto& s = context_;
  auto answer = [&s, task_id, done = std::move(done)](Result<store::TaskRecord> record) {
    if (record) {
      return done({200, wire::to_text(json::object{{"code", 200}, {"data", task_view(s, *record)}})});
    }
    const auto& e = record.error();
    if (e.code == store::errc::kNotFound) return done(not_found(task_id));
    if (e.code == store::errc::kInvalidState) {
      return done(error_reply(409, errc::kInvalidRequestError, errc::kTaskNotCancellable, e.message,
                              "task_id"));
    }
    const bool busy = e.code == wire::errc::kServiceUnavailable;
    done(error_reply(busy ? 503 : 500, errc::kServerError,
                     busy ? errc::kServiceUnavailable : errc::kInternalError, e.message));
  };
  tasks::cancel_task(s, owner, uuid_of(task_id), std::string(kApi), std::move(answer));
}

}  // namespace vidserve::api::apimart
