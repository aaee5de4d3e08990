#include "api/runware/legacy_request.hpp"

#include "api/runware/document_check.hpp"
#include "api/runware/task_parser.hpp"

namespace vidserve::api::runware {

namespace {

constexpr const char* kLegacyCallerNamesKey = "vidserveCallerNames";

}  // namespace

Result<core::TaskSpec> spec_from_legacy_request(std::string_view stored) {
  wire::SyntaxError syntax;
  auto doc = wire::parse_json(stored, syntax);
  if (!doc || !doc->is_object()) {
    return Error{core::errc::kInvalidStoredTask, "the stored request is not a JSON object"};
  }
  auto& task = doc->get_object();
  core::TaskSpec spec;
  if (const auto* names = task.if_contains(kLegacyCallerNamesKey); names && names->is_object()) {
    for (const auto& [path, name] : names->get_object()) {
      if (name.is_string()) spec.caller_names[std::string(path)] = std::string(name.get_string());
    }
  }
  task.erase(kLegacyCallerNamesKey);
  auto parsed = parse_task(task);
  if (auto* video = std::get_if<core::VideoRequest>(&parsed.request)) {
    spec.request = std::move(*video);
  } else if (auto* image = std::get_if<core::ImageRequest>(&parsed.request)) {
    spec.request = std::move(*image);
  } else {
    return Error{core::errc::kInvalidStoredTask, "the stored request is not an inference task"};
  }
  return spec;
}

}  // namespace vidserve::api::runware
