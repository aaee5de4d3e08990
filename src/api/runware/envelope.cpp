#include "api/http/error_codes.hpp"

#include "api/runware/envelope.hpp"
#include "api/runware/error_codes.hpp"
#include "api/wire/error_codes.hpp"
#include "api/wire/json_text.hpp"
#include "api/wire/problem_json.hpp"
#include "common/error_codes.hpp"
#include "common/text.hpp"
#include "fetch/error_codes.hpp"
#include "store/error_codes.hpp"

namespace vidserve::api::runware {

namespace {

// The caller's taskType and taskUUID, cut short when they are not what those fields can be.
constexpr std::size_t kMaxEcho = 100;

void echo_task(boost::json::object& e, std::string_view task_type, std::string_view task_uuid) {
  if (!task_type.empty()) e["taskType"] = text::excerpt(task_type, kMaxEcho);
  if (!task_uuid.empty()) e["taskUUID"] = text::excerpt(task_uuid, kMaxEcho);
}

}  // namespace

int status_for_code(std::string_view code) {
  if (code == errc::kInvalidApiKey || code == errc::kMissingApiKey) return 401;
  if (code == errc::kTaskNotFound) return 404;
  if (code == http::errc::kPayloadTooLarge) return 413;
  if (code == store::errc::kTooManyQueuedTasks) return 429;
  if (code == http::errc::kInternalServerError || code == io_errc::kStorage) return 500;
  if (code == errc::kTimeout) return 504;
  if (code == wire::errc::kServiceUnavailable || code == fetch::errc::kFetchBusy ||
      code == fetch::errc::kFetchCancelled)
    return 503;
  return 400;
}

void Envelope::error(int status, std::string code, std::string message, std::string_view task_type,
                     std::string_view task_uuid, std::string parameter) {
  boost::json::object e;
  e["code"] = std::move(code);
  e["message"] = std::move(message);
  if (!parameter.empty()) e["parameter"] = std::move(parameter);
  echo_task(e, task_type, task_uuid);
  errors.push_back(std::move(e));
  if (error_status == 0) error_status = status;
}

void Envelope::problem(const core::Problem& p, std::string_view task_type, std::string_view task_uuid) {
  auto e = wire::to_json(p);
  echo_task(e, task_type, task_uuid);
  e["documentation"] = "https://runware.ai/docs/en/video-inference/api-reference";
  errors.push_back(std::move(e));
  if (error_status == 0) error_status = status_for_code(p.code);
}

void Envelope::merge(Envelope piece) {
  for (auto& item : piece.data) data.push_back(std::move(item));
  for (auto& item : piece.errors) errors.push_back(std::move(item));
  if (error_status == 0) error_status = piece.error_status;
}

std::string Envelope::body() const {
  boost::json::object o;
  if (!data.empty() || errors.empty()) o["data"] = data;
  if (!errors.empty()) {
    o["errors"] = errors;
    // @runware/ai-sdk-provider reads a singular `error`; the official SDKs read `errors`.
    o["error"] = errors.front();
  }
  return wire::to_text(o);
}

}  // namespace vidserve::api::runware
