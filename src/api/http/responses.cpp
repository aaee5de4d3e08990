#include "api/http/responses.hpp"

#include <boost/json.hpp>

namespace vidserve::api::http {
namespace {

// Seconds a client is asked to wait before retrying, by status: too many queued tasks (429),
// starting or stopping (503), disk nearly full (507). 0: no Retry-After.
int retry_after_s(bhttp::status status) {
  switch (status) {
    case bhttp::status::too_many_requests: return 10;
    case bhttp::status::service_unavailable: return 5;
    case bhttp::status::insufficient_storage: return 60;
    default: return 0;
  }
}

bhttp::response<bhttp::string_body> make_response(unsigned version, bool keep_alive, bool head,
                                                  bhttp::status status, std::string body,
                                                  std::string_view content_type, int retry_after = 0,
                                                  const HeaderList& extra = {}) {
  bhttp::response<bhttp::string_body> res{status, version};
  res.set(bhttp::field::server, kServerName);
  for (const auto& [name, value] : extra) res.set(name, value);
  res.set(bhttp::field::content_type, content_type);
  res.keep_alive(keep_alive);
  if (const int wait = retry_after > 0 ? retry_after : retry_after_s(status)) res.set(bhttp::field::retry_after, std::to_string(wait));
  if (head) {
    res.content_length(body.size());  // what a GET would have sent
  } else {
    res.body() = std::move(body);
    res.prepare_payload();
  }
  return res;
}

}  // namespace

bhttp::message_generator json_response(const Request& req, bhttp::status status, std::string body,
                                       const HeaderList& extra) {
  return make_response(req.version(), req.keep_alive(), req.method() == bhttp::verb::head, status,
                       std::move(body), "application/json", 0, extra);
}

bhttp::message_generator json_response(unsigned version, bool keep_alive, bhttp::status status,
                                       std::string body, int retry_after, const HeaderList& extra) {
  return make_response(version, keep_alive, false, status, std::move(body), "application/json", retry_after,
                       extra);
}

bhttp::message_generator text_response(const Request& req, bhttp::status status, std::string body,
                                       std::string_view content_type, const HeaderList& extra) {
  return make_response(req.version(), req.keep_alive(), req.method() == bhttp::verb::head, status,
                       std::move(body), content_type, 0, extra);
}

bhttp::message_generator redirect_response(const Request& req, std::string location,
                                           const HeaderList& extra) {
  bhttp::response<bhttp::string_body> res{bhttp::status::temporary_redirect, req.version()};
  res.set(bhttp::field::server, kServerName);
  for (const auto& [name, value] : extra) res.set(name, value);
  res.set(bhttp::field::location, std::move(location));
  res.set(bhttp::field::cache_control, "no-store");
  res.keep_alive(req.keep_alive());
  res.prepare_payload();
  return res;
}

std::string error_json(std::string_view code, std::string_view message) {
  boost::json::object error;
  error["code"] = code;
  error["message"] = message;
  boost::json::array errors;
  errors.push_back(std::move(error));
  boost::json::object doc;
  doc["errors"] = std::move(errors);
  return boost::json::serialize(doc);
}

bhttp::message_generator error_response(const Request& req, bhttp::status status,
                                        std::string_view code, std::string_view message) {
  return json_response(req, status, error_json(code, message));
}

bhttp::message_generator error_response(unsigned version, bool keep_alive, bhttp::status status,
                                        std::string_view code, std::string_view message) {
  return make_response(version, keep_alive, false, status, error_json(code, message),
                       "application/json");
}

}  // namespace vidserve::api::http
