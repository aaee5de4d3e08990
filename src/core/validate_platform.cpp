#include <algorithm>
#include <boost/url/parse.hpp>

#include "common/text.hpp"
#include "common/uuid.hpp"
#include "core/error_codes.hpp"
#include "core/validate_detail.hpp"

namespace vidserve::core::detail {

namespace {

bool one_of(const std::string& value, std::initializer_list<const char*> allowed) {
  return std::any_of(allowed.begin(), allowed.end(), [&](const char* a) { return value == a; });
}

std::string list(std::initializer_list<const char*> allowed) {
  std::vector<std::string> items(allowed.begin(), allowed.end());
  return text::join(items, ", ");
}

void check_enum(const std::optional<std::string>& value, const char* parameter,
                std::initializer_list<const char*> allowed, Problems& problems) {
  if (value && !one_of(*value, allowed)) {
    problems.add(parameter, errc::kInvalidValue,
                 std::string(parameter) + " " + text::quoted(*value) +
                     " is not allowed; use one of " + list(allowed) + ".");
  }
}

// Longer webhook URLs are refused rather than stored and called: no receiver needs one.
constexpr std::size_t kMaxUrlBytes = 4096;

void check_http_url(const std::optional<std::string>& value, const char* parameter,
                    Problems& problems) {
  if (!value) return;
  if (value->size() > kMaxUrlBytes) {
    problems.add(parameter, errc::kInvalidURL,
                 std::string(parameter) + " has " + std::to_string(value->size()) +
                     " bytes; at most " + std::to_string(kMaxUrlBytes) + " are allowed.");
    return;
  }
  auto url = boost::urls::parse_absolute_uri(*value);
  const bool http = url && (url->scheme() == "http" || url->scheme() == "https") && url->has_authority() &&
                    !url->host().empty();
  if (!http) {
    problems.add(parameter, errc::kInvalidURL,
                 std::string(parameter) + " must be an absolute http:// or https:// URL.");
  }
}

void check_range(const std::optional<std::int64_t>& value, const char* parameter,
                 std::int64_t min, std::optional<std::int64_t> max, Problems& problems) {
  if (!value || (*value >= min && (!max || *value <= *max))) return;
  std::string allowed = max ? "between " + std::to_string(min) + " and " + std::to_string(*max)
                            : "at least " + std::to_string(min);
  problems.add(
      parameter, errc::kValueOutOfRange,
      std::string(parameter) + " is " + std::to_string(*value) + "; it must be " + allowed + ".");
}

}  // namespace

void check_task_uuid(const GenerationRequest& request, Problems& problems) {
  if (request.task_uuid.empty()) {
    problems.add("taskUUID", errc::kMissingParameter,
                 "taskUUID is required: a UUID v4 chosen by the client.");
  } else if (!uuid::is_uuid(request.task_uuid)) {
    problems.add("taskUUID", errc::kInvalidUUID,
                 "taskUUID " + text::quoted(request.task_uuid) +
                     " is not a UUID (8-4-4-4-12 hex digits, v4 recommended).");
  }
}

void check_options(const TaskOptions& o, MediaKind kind, Problems& problems) {
  check_enum(o.output_type, "outputType", {"URL", "base64Data", "dataURI"}, problems);
  if (kind == MediaKind::Video) {
    check_enum(o.output_format, "outputFormat", {"MP4", "WEBM", "MOV"}, problems);
    check_enum(o.delivery_method, "deliveryMethod", {"async"}, problems);
  } else {
    check_enum(o.output_format, "outputFormat", {"JPG", "PNG", "WEBP"}, problems);
    check_enum(o.delivery_method, "deliveryMethod", {"sync", "async"}, problems);
  }
  check_range(o.output_quality, "outputQuality", 20, 99, problems);
  check_range(o.number_results, "numberResults", 1, 4, problems);
  check_range(o.ttl, "ttl", 60, std::nullopt, problems);
  check_range(o.seed, "seed", 0, std::nullopt, problems);
  if (o.ttl && o.output_type && *o.output_type != "URL") {
    problems.add(std::vector<std::string>{"ttl", "outputType"}, errc::kIncompatibleParameters,
                 "ttl applies only to outputType URL; remove ttl or use outputType URL.");
  }
  check_http_url(o.webhook_url, "webhookURL", problems);
  check_http_url(o.upload_endpoint, "uploadEndpoint", problems);
  if (o.safety) check_enum(o.safety->mode, "safety.mode", {"none", "fast", "full"}, problems);
}

const catalog::Model* find_model(const catalog::Catalog& catalog, const GenerationRequest& request,
                                 catalog::ModelType expected, Problems& problems) {
  if (request.model.empty()) {
    problems.add("model", errc::kMissingParameter,
                 "model is required, e.g. klingai:kling-video@3-pro.");
    return nullptr;
  }
  const auto* model = catalog.find(request.model);
  if (!model) {
    std::string message = "model " + text::quoted(request.model) + " is not in the catalog";
    const auto ids = catalog.model_ids();
    if (auto near = text::nearest(request.model, ids)) message += "; did you mean " + *near + "?";
    message += " Run `vidserve models` for the list.";
    problems.add("model", errc::kUnknownModel, message);
    return nullptr;
  }
  if (model->type != expected) {
    const bool video = model->type == catalog::ModelType::Video;
    problems.add("model", errc::kUnsupportedModel,
                 model->air + " is " + (video ? "a video" : "an image") +
                     " model; send it as taskType " +
                     (video ? "videoInference" : "imageInference") + ".");
    return nullptr;
  }
  return model;
}

void check_unsupported_known(const Context& ctx, const GenerationRequest& request) {
  for (const auto& name : request.unsupported_known) {
    ctx.problems.add(
        name, errc::kUnsupportedParameter,
        name + " is not supported by " + ctx.model.air + " (no Kling model takes it).");
  }
}

std::string models_where(const catalog::Catalog& catalog,
                         const std::function<bool(const catalog::Model&)>& predicate,
                         const std::string& exclude) {
  std::vector<std::string> ids;
  for (const auto& m : catalog.models()) {
    if (m.air != exclude && predicate(m)) ids.push_back(m.air);
  }
  constexpr std::size_t kShown = 4;
  if (ids.size() <= kShown) return text::join_list(ids);
  const auto more = ids.size() - kShown;
  ids.resize(kShown);
  return text::join(ids, ", ") + " and " + std::to_string(more) + " more";
}

}  // namespace vidserve::core::detail
