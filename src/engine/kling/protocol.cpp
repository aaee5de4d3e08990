#include "engine/kling/protocol.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <cstdlib>

#include "engine/error_codes.hpp"

namespace vidserve::engine::kling {

namespace json = boost::json;

namespace {

std::string string_at(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (!v) return {};
  if (v->is_string()) return std::string(v->get_string());
  if (v->is_int64()) return std::to_string(v->get_int64());
  if (v->is_uint64()) return std::to_string(v->get_uint64());
  return {};
}

std::optional<double> number_at(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (!v) return std::nullopt;
  if (v->is_number()) return v->to_number<double>();
  if (v->is_string()) {
    const std::string s(v->get_string());
    char* end = nullptr;
    const double d = std::strtod(s.c_str(), &end);
    if (!s.empty() && end && *end == '\0') return d;
  }
  return std::nullopt;
}

const json::object* object_at(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_object() ? &v->get_object() : nullptr;
}

// The first element of data.task_result.<list> that is an object.
const json::object* first_result(const json::object& task_result, std::string_view list) {
  const auto* v = task_result.if_contains(list);
  if (!v || !v->is_array() || v->get_array().empty() || !v->get_array()[0].is_object())
    return nullptr;
  return &v->get_array()[0].get_object();
}

std::string shorten(std::string_view text, std::size_t limit = 200) {
  std::string s(text.substr(0, limit));
  std::replace_if(
      s.begin(), s.end(), [](char c) { return c == '\n' || c == '\r'; }, ' ');
  if (text.size() > limit) s += "...";
  return s;
}

// "code 1201: model_name is invalid" / "HTTP 502"
std::string detail(const Reply& r) {
  std::string d =
      r.code ? "code " + std::to_string(*r.code) : "HTTP " + std::to_string(r.http_status);
  if (!r.message.empty()) d += ": " + r.message;
  if (!r.request_id.empty()) d += "; request_id " + r.request_id;
  return d;
}

}  // namespace

Reply parse_reply(int http_status, std::string_view body) {
  Reply r;
  r.http_status = http_status;
  boost::system::error_code ec;
  auto value = json::parse(body, ec);
  if (ec || !value.is_object()) {
    r.message = shorten(body);
    return r;
  }
  r.json = true;
  const auto& o = value.get_object();
  if (const auto* c = o.if_contains("code"); c && c->is_number())
    r.code = c->to_number<long long>();
  r.message = shorten(string_at(o, "message"), 500);
  r.request_id = string_at(o, "request_id");
  const auto* data = object_at(o, "data");
  if (!data) return r;
  r.task_id = string_at(*data, "task_id");
  r.task_status = string_at(*data, "task_status");
  r.task_status_msg = shorten(string_at(*data, "task_status_msg"), 500);
  if (const auto* result = object_at(*data, "task_result")) {
    if (const auto* video = first_result(*result, "videos")) {
      r.result_url = string_at(*video, "url");
      r.result_duration_s = number_at(*video, "duration");
    } else if (const auto* image = first_result(*result, "images")) {
      r.result_url = string_at(*image, "url");
    }
  }
  return r;
}

Judgement judge(const Reply& r) {
  const int http = r.http_status;
  const bool http_ok = http >= 200 && http < 300;
  if (http_ok && r.json && r.code.value_or(0) == 0) return {Verdict::Success, {}};
  const auto fail = [&](std::string code, std::string what, std::string hint = {}) {
    return Judgement{Verdict::Fail,
                     Error{std::move(code), what + " (" + detail(r) + ")" +
                                                (hint.empty() ? "" : "; " + hint) + "."}};
  };
  const auto retry = [&](std::string code, std::string what) {
    return Judgement{Verdict::Retry, Error{std::move(code), what + " (" + detail(r) + ")"}};
  };
  const std::string key_hint = "check VIDSERVE_KLING_ACCESS_KEY and VIDSERVE_KLING_SECRET_KEY";
  if (r.code) {
    const long long c = *r.code;
    if (c >= 1000 && c <= 1004) {
      return fail(engine::errc::kProviderAuthFailed, "Kling rejected the access key", key_hint);
    }
    if (c == 1100)
      return fail(engine::errc::kProviderAccountError, "Kling reports a problem with the account");
    if (c == 1101 || c == 1102) {
      return fail(engine::errc::kProviderInsufficientCredits,
                  "the Kling account has no balance or resource pack left for this request");
    }
    if (c == 1103)
      return fail(engine::errc::kProviderPermissionDenied,
                  "the Kling account may not use this model or API");
    if (c >= 1200 && c <= 1203)
      return fail(engine::errc::kProviderInvalidRequest, "Kling rejected the request");
    if (c == 1300 || c == 1301)
      return fail(engine::errc::kContentPolicyViolation,
                  "Kling's content policy refused the request");
    if (c == 1302 || c == 1303)
      return retry(engine::errc::kProviderRateLimited,
                   "Kling kept answering that the rate or concurrency limit was hit");
    if (c == 1304)
      return fail(engine::errc::kProviderAccessDenied,
                  "Kling refused this server's IP address (IP allow-list)");
    if (c >= 5000 && c <= 5099)
      return retry(engine::errc::kProviderUnavailable, "Kling stayed temporarily unavailable");
  }
  if (http == 429)
    return retry(engine::errc::kProviderRateLimited,
                 "Kling kept answering that the rate or concurrency limit was hit");
  if (http >= 500)
    return retry(engine::errc::kProviderUnavailable, "Kling stayed temporarily unavailable");
  if (http == 401 || http == 403) {
    return fail(engine::errc::kProviderAuthFailed, "Kling rejected the access key", key_hint);
  }
  if (http == 400 || http == 404)
    return fail(engine::errc::kProviderInvalidRequest, "Kling rejected the request");
  if (http_ok && !r.json)
    return fail(engine::errc::kProviderError, "Kling answered something that is not JSON");
  return fail(engine::errc::kProviderError, "Kling answered with an error");
}

std::chrono::milliseconds backoff_delay(std::chrono::milliseconds initial,
                                        std::chrono::milliseconds max, int attempt) {
  auto delay = std::max(initial, std::chrono::milliseconds(1));
  for (int i = 0; i < attempt && delay < max; ++i) delay *= 2;
  return std::min(delay, max);
}

}  // namespace vidserve::engine::kling
