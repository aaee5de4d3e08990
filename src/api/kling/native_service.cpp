#include "api/kling/native_service.hpp"

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>
#include <charconv>

#include "api/kling/error_codes.hpp"
#include "api/kling/native_envelope.hpp"
#include "api/kling/native_task_view.hpp"
#include "api/wire/kling/native_translation.hpp"
#include "api/wire/json.hpp"
#include "api/tasks/intake.hpp"
#include "api/wire/error_codes.hpp"
#include "common/text.hpp"
#include "common/uuid.hpp"
#include "core/error_codes.hpp"
#include "store/error_codes.hpp"
#include "store/webhook_outbox.hpp"

namespace vidserve::api::kling {

namespace json = boost::json;

namespace {

constexpr std::string_view kPrefix = "/v1/videos/";
constexpr std::size_t kMaxEcho = 100;  // bytes of a caller's id or query value quoted in a reply

std::string_view without_kling_prefix(std::string_view path) {
  return path.rfind("/kling/", 0) == 0 ? path.substr(6) : path;
}

constexpr std::string_view kCancelSuffix = "/cancel";

// "text2video" or "avatar/image2video", the id after it ("" for the product itself), and whether
// the path asks to cancel that task ("<product>/<id>/cancel", vidserve's own: Kling has none).
struct Target {
  std::string product, id;
  bool cancel = false;
};
std::optional<Target> split_target(std::string_view rest) {
  for (const auto& product : native_products()) {
    if (rest.rfind(product, 0) != 0) continue;
    auto tail = rest.substr(product.size());
    if (tail.empty() || tail == "/") return Target{product, {}};
    const bool cancel = tail.size() > kCancelSuffix.size() + 1 && tail.ends_with(kCancelSuffix);
    if (cancel) tail.remove_suffix(kCancelSuffix.size());
    if (tail.front() == '/' && tail.find('/', 1) == std::string_view::npos) {
      return Target{product, std::string(tail.substr(1)), cancel};
    }
  }
  return std::nullopt;
}

std::string api_label(const std::string& product) { return "kling:" + product; }

// pageNum / pageSize within Kling's documented ranges, or a problem naming the parameter.
std::optional<std::size_t> page_param(const boost::urls::params_view& params, const char* name, std::size_t fallback,
                                      std::size_t max, std::vector<core::Problem>& problems) {
  auto it = params.find(name);
  if (it == params.end()) return fallback;
  const std::string text((*it).value);
  std::size_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < 1 || value > max) {
    problems.push_back({{name},
                        core::errc::kInvalidValue,
                        std::string(name) + " must be a whole number from 1 to " +
                            std::to_string(max) + "; got '" + text::excerpt(text, kMaxEcho) +
                            "'."});
    return std::nullopt;
  }
  return value;
}

wire::Reply store_error(const Error& error, const std::string& request_id) {
  return native_reply(500, errc::kServerError, "server internal error: " + error.message,
                      request_id);
}

wire::Reply no_such_task(const std::string& product, const std::string& id, const std::string& request_id) {
  return native_reply(404, errc::kNoSuchResource,
                      "resource does not exist: no " + product + " task with task_id or external_task_id '" +
                          text::excerpt(id, kMaxEcho) + "' for this key",
                      request_id);
}

}  // namespace

bool NativeService::owns(std::string_view path) {
  path = without_kling_prefix(path);
  return path.rfind(kPrefix, 0) == 0 && path != "/v1/videos/generations";
}

void NativeService::handle(const NativeCall& call, wire::ReplyCallback done) const {
  const std::string request_id = uuid::generate_v4();
  if (!context_.ready())
    return done(native_reply(503, errc::kServiceUnavailable,
                             "the server is starting; retry shortly", request_id));
  const auto target = split_target(without_kling_prefix(call.path).substr(kPrefix.size()));
  if (!target) {
    return done(
        native_reply(404, errc::kNoSuchResource,
                     "resource does not exist: vidserve serves /v1/videos/{text2video,"
                     "image2video,omni-video,multi-image2video,lip-sync,avatar/image2video}",
                     request_id));
  }
  const auto& [product, id, cancel_call] = *target;
  const bool create_call = call.method == "POST" && id.empty();
  if (!create_call && (call.method != (cancel_call ? "POST" : "GET"))) {
    return done(native_reply(404, errc::kInvalidMethod,
                             "invalid request method: use POST to create or cancel, GET to query",
                             request_id));
  }
  const auto who = auth_.authenticate(call.authorization);
  if (!who.owner) return done(native_reply(401, who.code, who.message, request_id));
  done = wire::with_key_id(std::move(done), *who.owner);
  if (const auto wait = context_.over_rate(*who.owner)) {
    auto reply = native_reply(429, errc::kRateLimited,
                              "rate limit exceeded: this key is over its request rate; retry in " +
                                  std::to_string(*wait) + " s",
                              request_id);
    reply.retry_after_s = *wait;
    return done(std::move(reply));
  }
  if (create_call) return create(product, call.body, *who.owner, request_id, std::move(done));
  if (cancel_call) return cancel(product, id, *who.owner, request_id, std::move(done));
  if (!id.empty()) return done(read_one(product, id, *who.owner, request_id));
  done(list(product, call.query, *who.owner, request_id));
}

void NativeService::create(const std::string& product, std::string_view body, const std::string& owner,
                           const std::string& request_id, wire::ReplyCallback done) const {
  const auto& s = context_;
  wire::SyntaxError syntax;
  auto doc = wire::parse_json(body, syntax);
  if (!doc || !doc->is_object()) {
    const std::string why = doc ? "the body must be a JSON object" : syntax.describe();
    return done(
        native_reply(400, errc::kBadRequest, "invalid request parameters: " + why, request_id));
  }
  auto verdict = check_native(product, doc->get_object(), s.catalog);
  if (!verdict.problems.empty()) return done(invalid_parameters(verdict.problems, request_id));
  if (auto spend = s.check_spend(owner, verdict.plan->model->air, verdict.quote, {}, verdict.external_id); !spend) {
    return done(native_reply(402, errc::kSpendCapReached, spend.error().message, request_id));
  }
  auto record = tasks::new_record(std::move(*verdict.spec), owner, *verdict.plan);
  record.api = api_label(product);
  // Kling's callback protocol announces every status change: submitted, processing, then final.
  record.webhook_events |= store::kWebhookSubmitted | store::kWebhookProcessing;
  record.external_id = std::move(verdict.external_id);
  tasks::submit_one(s, std::move(record), [request_id, done = std::move(done)](Result<store::TaskRecord> stored) {
    if (!stored) {
      const auto& e = stored.error();
      if (e.code == store::errc::kDuplicateExternalId) {
        return done(invalid_parameters(
            {{{"external_task_id"},
              store::errc::kDuplicateExternalId,
              "external_task_id is already used by another of your tasks, with a different request "
              "(resending the same request returns that task): " + e.message}},
            request_id));
      }
      if (e.code == wire::errc::kServiceUnavailable)
        return done(native_reply(503, errc::kServiceUnavailable, e.message, request_id));
      if (e.code == wire::errc::kInsufficientStorage)
        return done(native_reply(507, errc::kServiceUnavailable, e.message, request_id));
      // Kling's answer when the tasks in flight exceed the account's concurrency.
      if (e.code == store::errc::kTooManyQueuedTasks)
        return done(native_reply(429, errc::kTooManyTasks, e.message, request_id));
      return done(store_error(e, request_id));
    }
    json::object data{{"task_id", stored->task_uuid},
                      {"task_info", json::object{{"external_task_id", stored->external_id}}},
                      {"task_status", "submitted"},
                      {"created_at", stored->created_ms},
                      {"updated_at", stored->updated_ms}};
    done(native_reply(200, 0, "SUCCEED", request_id, std::move(data)));
  });
}

wire::Reply NativeService::read_one(const std::string& product, const std::string& id, const std::string& owner,
                                       const std::string& request_id) const {
  const auto& s = context_;
  auto record = tasks::find_task(s, owner, id, api_label(product));
  if (!record) {
    if (record.error().code != store::errc::kNotFound) return store_error(record.error(), request_id);
    return no_such_task(product, id, request_id);
  }
  return native_reply(200, 0, "SUCCEED", request_id, native_task(s, *record));
}

void NativeService::cancel(const std::string& product, const std::string& id, const std::string& owner,
                           const std::string& request_id, wire::ReplyCallback done) const {
  const auto& s = context_;
  auto answer = [&s, product, id, request_id, done = std::move(done)](Result<store::TaskRecord> record) {
    if (record) return done(native_reply(200, 0, "SUCCEED", request_id, native_task(s, *record)));
    const auto& e = record.error();
    if (e.code == store::errc::kNotFound) return done(no_such_task(product, id, request_id));
    if (e.code == store::errc::kInvalidState) {
      return done(native_reply(409, errc::kBadRequest, "invalid request: " + e.message, request_id));
    }
    if (e.code == wire::errc::kServiceUnavailable)
      return done(native_reply(503, errc::kServiceUnavailable, e.message, request_id));
    done(store_error(e, request_id));
  };
  tasks::cancel_task(s, owner, id, api_label(product), std::move(answer));
}

wire::Reply NativeService::list(const std::string& product, std::string_view query, const std::string& owner,
                                   const std::string& request_id) const {
  const auto& s = context_;
  // Parsed as a relative reference: Boost.URL 1.81's parse_query() iterates past the end of a
  // query that is not NUL-terminated (it read "500" as "500" plus the next byte).
  const std::string reference = "?" + std::string(query);
  auto parsed = boost::urls::parse_relative_ref(reference);
  if (!parsed)
    return native_reply(400, errc::kBadRequest,
                        "invalid request parameters: malformed query string", request_id);
  const auto params = parsed->params();
  std::vector<core::Problem> problems;
  const auto page = page_param(params, "pageNum", 1, 1000, problems);
  const auto size = page_param(params, "pageSize", 30, 500, problems);
  if (!problems.empty()) return invalid_parameters(problems, request_id);
  json::array data;
  if (auto it = params.find("external_task_id"); it != params.end()) {
    // Kling lets a client query by task_id or external_task_id; clients also send the latter as
    // ?external_task_id= on the list path.
    auto record = tasks::find_task(s, owner, std::string((*it).value), api_label(product));
    if (record) data.push_back(native_task(s, *record));
    return native_reply(200, 0, "SUCCEED", request_id, std::move(data));
  }
  auto records = s.tasks.list(owner, store::TaskRepository::ListQuery{*size, (*page - 1) * *size, api_label(product)});
  if (!records) return store_error(records.error(), request_id);
  for (const auto& record : *records) data.push_back(native_task(s, record));
  return native_reply(200, 0, "SUCCEED", request_id, std::move(data));
}

}  // namespace vidserve::api::kling
