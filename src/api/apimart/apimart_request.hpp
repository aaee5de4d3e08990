#pragma once
// An APIMart generation body as Kling's native body, and names back: model -> model_name,
// image_urls[0] -> image, image_urls[1] -> image_tail (the endpoint becomes image2video), audio ->
// sound "on", watermark -> watermark_info.enabled, duration 5 -> "5" (APIMart's duration is an
// integer, Kling's a string).
#include <boost/json.hpp>
#include <string>

#include "catalog/catalog.hpp"
#include "core/problem.hpp"
#include "core/task_spec.hpp"
#include "core/validate.hpp"

namespace vidserve::api::apimart {

struct NativeBody {
  std::string product;  // "text2video" or "image2video"
  boost::json::object body;
  core::Problems problems;  // in APIMart names
};

NativeBody to_native(const boost::json::object& request);
// "image_tail" -> "image_urls[1]", "sound" -> "audio", ...
std::string apimart_name(const std::string& native_name);
// A native message in APIMart's words: model_name -> model, /v1/videos/text2video -> text-to-video.
std::string apimart_text(std::string message);

// The whole check of a generation request: the Runware task to store and its plan when valid,
// else every problem once, in APIMart's names.
struct ApimartVerdict {
  boost::json::object task;  // the Runware task the body translates to
  std::optional<core::TaskSpec> spec;  // when valid: what is stored
  std::optional<core::Plan> plan;
  std::optional<core::Quote> quote;  // the catalog's price, when known at submission
  std::vector<core::Problem> problems;
};
ApimartVerdict check_apimart(const boost::json::object& request, const catalog::Catalog& catalog);

}  // namespace vidserve::api::apimart
