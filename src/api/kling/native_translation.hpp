#pragma once
// Kling's native request bodies (/v1/videos/<product>) translated into Runware tasks, so the core
// validates and runs them like any other task. Problems found while translating are reported in
// Kling's parameter names; problems the core finds later are mapped back through `names`.
#include <boost/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "catalog/catalog.hpp"
#include "core/problem.hpp"
#include "core/validate.hpp"

namespace vidserve::api::kling {

// The products this front-end serves: "text2video", "image2video", "omni-video",
// "multi-image2video", "lip-sync", "avatar/image2video".
const std::vector<std::string>& native_products();

struct Translation {
  boost::json::object task;  // the Runware videoInference task
  std::vector<std::pair<std::string, std::string>> names;  // Runware path prefix -> native name
  core::Problems problems;   // in native names
  std::string external_id;

  void name(std::string runware_path, std::string native) { names.emplace_back(std::move(runware_path), std::move(native)); }
  // "inputs.frameImages[1].image" -> "image_tail", by the longest recorded prefix; unmapped
  // paths come back unchanged.
  std::string native_name(const std::string& runware_path) const;
  const std::pair<std::string, std::string>* name_for(const std::string& runware_path) const;  // or nullptr
  // The core's problems, renamed.
  std::vector<core::Problem> native_problems(std::vector<core::Problem> core_problems) const;
  // The translation's own problems, then the core's renamed ones on parameters not reported yet,
  // so one reply lists every fault once.
  std::vector<core::Problem> all_problems(std::vector<core::Problem> core_problems) const;
};

Translation translate_native(const std::string& product, const boost::json::object& body,
                             const catalog::Catalog& catalog);

// Translation and the core's validation together: the task to store, its plan when valid, and
// every problem in native names.
struct NativeVerdict {
  boost::json::object task;
  std::optional<core::Plan> plan;
  std::vector<core::Problem> problems;
  std::string external_id;
};
NativeVerdict check_native(const std::string& product, const boost::json::object& body,
                           const catalog::Catalog& catalog);

}  // namespace vidserve::api::kling
