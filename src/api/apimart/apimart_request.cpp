#include "api/apimart/apimart_request.hpp"

#include <algorithm>

#include "api/wire/kling/native_translation.hpp"
#include "api/wire/error_codes.hpp"
#include "api/wire/field_reader.hpp"
#include "core/error_codes.hpp"

namespace vidserve::api::apimart {

namespace json = boost::json;

namespace {

void copy(const json::object& from, const char* key, json::object& to, const char* as) {
  if (const auto* v = from.if_contains(key)) to[as] = *v;
}

}  // namespace

NativeBody to_native(const json::object& request) {
  NativeBody out;
  wire::FieldReader r(request, "", out.problems);
  auto& body = out.body;
  auto model = r.string("model");
  if (!model || model->empty())
    out.problems.add("model", core::errc::kMissingParameter, "model is required, e.g. kling-v2-6.");
  if (model) body["model_name"] = *model;
  if (!r.has("prompt"))
    out.problems.add("prompt", core::errc::kMissingParameter,
                     "prompt is required (at most 2500 characters).");
  for (const char* key : {"prompt", "negative_prompt", "mode", "aspect_ratio"}) {
    r.raw(key);
    copy(request, key, body, key);
  }
  if (const auto* duration = r.raw("duration")) {
    // APIMart sends an integer; Kling wants "5". Anything else is reported by the native reader.
    body["duration"] = duration->is_number() ? json::value(json::serialize(*duration)) : *duration;
  }
  const auto* images = r.array("image_urls");
  const auto audio = r.boolean("audio");
  if (auto watermark = r.boolean("watermark")) body["watermark_info"] = json::object{{"enabled", *watermark}};
  out.product = images && !images->empty() ? "image2video" : "text2video";
  // APIMart's documented rules for kling-v2-6: std is 720p and silent, pro is 1080p and may add
  // audio; a last frame needs pro, and in pro a last frame and audio exclude each other. Other
  // models are left to the catalog.
  const bool v26 = model == "kling-v2-6";
  if (images) {
    if (images->size() > 2)
      out.problems.add("image_urls", wire::errc::kTooManyItems,
                       "image_urls takes 1 or 2 images (first frame, last frame).");
    if (images->size() > 0) body["image"] = (*images)[0];
    if (images->size() > 1) body["image_tail"] = (*images)[1];
    const std::string mode = body.contains("mode") && body["mode"].is_string() ? std::string(body["mode"].get_string()) : "std";
    if (v26 && images->size() == 2 && mode != "pro") {
      out.problems.add("image_urls[1]", core::errc::kUnsupportedParameter,
                       "a last frame (image_urls[1]) needs mode pro.");
    }
    if (v26 && images->size() == 2 && audio.value_or(false)) {
      out.problems.add("audio", core::errc::kUnsupportedParameter,
                       "in pro mode a last frame and audio cannot be used together.");
    }
  }
  if (audio) {
    const bool pro = body.contains("mode") && body["mode"] == "pro";
    if (v26 && *audio && !pro)
      out.problems.add("audio", core::errc::kUnsupportedParameter, "audio needs mode pro.");
    body["sound"] = *audio ? "on" : "off";
  }
  r.report_unknown();
  return out;
}

std::string apimart_name(const std::string& native_name) {
  static const std::pair<const char*, const char*> kNames[] = {
      {"model_name", "model"},       {"image_tail", "image_urls[1]"}, {"image", "image_urls[0]"},
      {"sound", "audio"},            {"watermark_info.enabled", "watermark"}};
  for (const auto& [native, apimart] : kNames) {
    if (native_name == native) return apimart;
  }
  return native_name;
}

std::string apimart_text(std::string message) {
  // Only names no English word collides with: "image" alone is renamed as a parameter, never in
  // prose.
  static const std::pair<std::string_view, std::string_view> kText[] = {
      {"watermark_info.enabled", "watermark"}, {"model_name", "model"}, {"image_tail", "image_urls[1]"},
      {"/v1/videos/text2video", "text-to-video"}, {"/v1/videos/image2video", "image-to-video"}};
  for (const auto& [native, apimart] : kText) {
    for (auto at = message.find(native); at != std::string::npos; at = message.find(native, at + apimart.size())) {
      message.replace(at, native.size(), apimart);
    }
  }
  return message;
}

}  // namespace vidserve::api::apimart

namespace vidserve::api::apimart {

ApimartVerdict check_apimart(const boost::json::object& request, const catalog::Catalog& catalog) {
  auto native = to_native(request);
  auto verdict = kling::check_native(native.product, native.body, catalog);
  ApimartVerdict out;
  // APIMart-level problems first, then the native and core ones renamed, each parameter once.
  out.problems = std::move(native.problems.list());
  for (auto& p : verdict.problems) {
    for (auto& parameter : p.parameters) {
      auto renamed = apimart_name(parameter);
      if (const auto at = p.message.find(parameter); renamed != parameter && at != std::string::npos) {
        p.message.replace(at, parameter.size(), renamed);
      }
      parameter = std::move(renamed);
    }
    p.message = apimart_text(std::move(p.message));
    const bool known = std::any_of(out.problems.begin(), out.problems.end(),
                                   [&p](const core::Problem& q) { return q.parameters == p.parameters; });
    if (!known) out.problems.push_back(std::move(p));
  }
  if (out.problems.empty()) {
    out.plan = std::move(verdict.plan);
    out.quote = std::move(verdict.quote);
  }
  out.task = std::move(verdict.task);
  if (out.problems.empty() && verdict.spec) {
    out.spec = std::move(verdict.spec);
    for (auto& [path, name] : out.spec->caller_names) name = apimart_name(name);  // image_urls[1], ...
  }
  return out;
}

}  // namespace vidserve::api::apimart
