// Decoding a stored task (its wire JSON) back into typed form for the scheduler.
#include "api/runware/document_check.hpp"
#include "api/runware/service.hpp"
#include "api/runware/task_parser.hpp"

namespace vidserve::api::runware {

Result<core::DecodedTask> Service::decode_stored(const store::TaskRecord& record) const {
  SyntaxError syntax;
  auto doc = parse_json(record.request, syntax);
  if (!doc) return Error{"invalidStoredTask", "stored request is not JSON: " + syntax.message};
  if (doc->is_object()) doc->get_object().erase(kCallerNamesKey);
  auto parsed = parse_task(*doc);
  core::DecodedTask decoded;
  core::Validation validation;
  if (auto* video = std::get_if<core::VideoRequest>(&parsed.request)) {
    validation = core::validate(s_.catalog, *video, std::move(parsed.problems));
    decoded.request = *video;
  } else if (auto* image = std::get_if<core::ImageRequest>(&parsed.request)) {
    validation = core::validate(s_.catalog, *image, std::move(parsed.problems));
    decoded.request = *image;
  } else {
    return Error{"invalidStoredTask", "stored task is not an inference task"};
  }
  // The catalog may have changed since the task was accepted; such a task fails clearly.
  if (!validation.valid()) {
    const auto& p = validation.problems.front();
    return Error{p.code, "no longer valid against the catalog: " + p.parameter() + ": " + p.message};
  }
  decoded.plan = *validation.plan;
  decoded.quote = validation.quote;
  const auto& options = std::visit([](const auto& r) -> const core::TaskOptions& { return r.options; },
                                   decoded.request);
  decoded.seed = static_cast<std::uint64_t>(options.seed.value_or(0));
  decoded.ttl_s = options.ttl;
  return decoded;
}

}  // namespace vidserve::api::runware
