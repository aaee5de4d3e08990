#include "common/text.hpp"
#include "api/wire/kling/native_models.hpp"

#include <algorithm>
#include <vector>

#include "api/wire/kling/error_codes.hpp"
#include "core/error_codes.hpp"

namespace vidserve::api::kling {

namespace {

// Models without an "endpoint" in their native block live on text2video and image2video.
std::string endpoint_of(const catalog::Model& model) {
  auto it = model.native.find("endpoint");
  return it == model.native.end() ? "text2video|image2video" : it->second;
}

bool serves_product(const catalog::Model& model, const std::string& product) {
  const auto endpoint = endpoint_of(model);
  return model.type == catalog::ModelType::Video &&
         (endpoint == product || (endpoint == "text2video|image2video" && (product == "text2video" || product == "image2video")));
}

std::string native_value(const catalog::Model& model, const char* key) {
  auto it = model.native.find(key);
  return it == model.native.end() ? std::string() : it->second;
}

// Kling's documented default model_name and mode per product, when a request gives none.
std::string default_model_name(const std::string& product) {
  if (product == "omni-video") return "kling-video-o1";
  if (product == "multi-image2video") return "kling-v1-6";
  if (product == "text2video" || product == "image2video") return "kling-v1";
  return "";
}

std::string default_mode(const std::string& product) { return product == "omni-video" ? "pro" : "std"; }

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += ", ";
    out += item;
  }
  return out;
}

void add_unique(std::vector<std::string>& items, const std::string& item) {
  if (!item.empty() && std::find(items.begin(), items.end(), item) == items.end()) items.push_back(item);
}

}  // namespace

const catalog::Model* find_native_model(const catalog::Catalog& catalog, const NativeModelQuery& query,
                                        core::Problems& problems) {
  const std::string name = query.model_name.empty() ? default_model_name(query.product) : query.model_name;
  const std::string mode = query.mode.empty() ? default_mode(query.product) : query.mode;
  std::vector<std::string> names, modes;
  for (const auto& model : catalog.models()) {
    if (!serves_product(model, query.product)) continue;
    const auto model_name = native_value(model, "modelName");
    add_unique(names, model_name);
    if (model_name != name) continue;
    const auto model_mode = native_value(model, "mode");
    // Models without a mode (the masters) accept any: Kling ignores it for them.
    if (model_mode.empty() || model_mode == mode) return &model;
    add_unique(modes, model_mode);
  }
  if (!modes.empty()) {
    problems.add("mode", errc::kUnsupportedMode,
                 "mode " + text::quoted(mode) + " is not available for " + text::quoted(name) +
                     " on /v1/videos/" + query.product + "; use " + join(modes) + ".");
  } else if (names.empty() || (names.size() == 1 && names.front().empty())) {
    problems.add(default_model_name(query.product).empty() ? "mode" : "model_name",
                 core::errc::kUnsupportedModel,
                 "no model in vidserve's catalog serves /v1/videos/" + query.product +
                     (query.model_name.empty() ? " with mode " + text::quoted(mode)
                                               : " as " + text::quoted(name)) +
                     ".");
  } else {
    problems.add("model_name", core::errc::kUnsupportedModel,
                 "model_name " + text::quoted(name) + " is not served on /v1/videos/" +
                     query.product + "; use one of " + join(names) + ".");
  }
  return nullptr;
}

const catalog::Workflow* find_workflow(const catalog::Model& model, const std::string& kind) {
  for (const auto& w : model.workflows) {
    if (w.kind == kind) return &w;
  }
  return nullptr;
}

std::optional<catalog::Size> size_for_aspect(const catalog::Model& model, const std::string& workflow_kind,
                                             const std::string& aspect_ratio, core::Problems& problems) {
  int rw = 0, rh = 0;
  if (aspect_ratio == "16:9") rw = 16, rh = 9;
  if (aspect_ratio == "9:16") rw = 9, rh = 16;
  if (aspect_ratio == "1:1") rw = 1, rh = 1;
  if (rw == 0) {
    problems.add("aspect_ratio", core::errc::kInvalidValue,
                 "aspect_ratio must be 16:9, 9:16 or 1:1; got '" + aspect_ratio + "'.");
    return std::nullopt;
  }
  const auto* workflow = find_workflow(model, workflow_kind);
  if (!workflow || workflow->size.kind != catalog::SizeSpec::Kind::List) return std::nullopt;
  for (const auto& size : workflow->size.values) {
    if (static_cast<long>(size.width) * rh == static_cast<long>(size.height) * rw) return size;
  }
  problems.add("aspect_ratio", errc::kUnsupportedAspectRatio,
               "aspect_ratio " + aspect_ratio + " is not available for this model.");
  return std::nullopt;
}

}  // namespace vidserve::api::kling
