#include "api/kling/error_codes.hpp"

#include "api/kling/native_envelope.hpp"
#include "api/wire/json_text.hpp"
#include "api/wire/problem_json.hpp"

namespace vidserve::api::kling {

namespace json = boost::json;

wire::Reply native_reply(int http_status, int code, std::string message, const std::string& request_id,
                            json::value data) {
  json::object body{{"code", code}, {"message", std::move(message)}, {"request_id", request_id}};
  if (!data.is_null()) body["data"] = std::move(data);
  return {http_status, wire::to_text(body)};
}

wire::Reply invalid_parameters(const std::vector<core::Problem>& problems, const std::string& request_id) {
  std::string message = "invalid parameters: ";
  json::array errors;
  for (std::size_t i = 0; i < problems.size(); ++i) {
    if (i > 0) message += " ";
    const auto parameter = problems[i].parameter();
    message += parameter.empty() ? problems[i].message : parameter + ": " + problems[i].message;
    errors.push_back(wire::to_json(problems[i]));
  }
  json::object body{{"code", errc::kInvalidParameters},
                    {"message", message},
                    {"request_id", request_id},
                    {"errors", std::move(errors)}};
  return {400, wire::to_text(body)};
}

}  // namespace vidserve::api::kling
