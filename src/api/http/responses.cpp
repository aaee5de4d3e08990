#include "api/http/responses.hpp"

#include <boost/json.hpp>

namespace vidserve::api::http {
namespace {

bhttp::response<bhttp::string_body> make_response(unsigned version, bool keep_alive, bool head,
                                                  bhttp::status status, std::string body,
                                                  std::string_view content_type) {
  bhttp::response<bhttp::string_body> res{status, version};
  res.set(bhttp::field::server, kServerName);
  res.set(bhttp::field::content_type, content_type);
  res.keep_alive(keep_alive);
  if (head) {
    res.content_length(body.size());  // what a GET would have sent
  } else {
    res.body() = std::move(body);
    res.prepare_payload();
  }
  return res;
}

}  // namespace

bhttp::message_generator json_response(const Request& req, bhttp::status status, std::string body) {
  return make_response(req.version(), req.keep_alive(), req.method() == bhttp::verb::head, status,
                       std::move(body), "application/json");
}

bhttp::message_generator json_response(unsigned version, bool keep_alive, bhttp::status status,
                                       std::string body) {
  return make_response(version, keep_alive, false, status, std::move(body), "application/json");
}

bhttp::message_generator text_response(const Request& req, bhttp::status status, std::string body,
                                       std::string_view content_type) {
  return make_response(req.version(), req.keep_alive(), req.method() == bhttp::verb::head, status,
                       std::move(body), content_type);
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
