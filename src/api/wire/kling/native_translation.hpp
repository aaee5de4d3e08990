#pragma once
// Kling's native request bodies (/v1/videos/<product>) translated into Runware tasks, so the core
// validates and runs them like any other task. Problems found while translating are reported in
// Kling's parameter names; problems the core finds later are mapped back through `names`.
#include <boost/json.hpp>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "api/wire/kling/native_names.hpp"
#include "catalog/catalog.hpp"
#include "core/problem.hpp"
#include "core/task_spec.hpp"
#include "core/validate.hpp"

namespace vidserve::api::kling {

// The products this front-end serves: "text2video", "image2video", "omni-video",
// "multi-image2video", "lip-sync", "avatar/image2video".
const std::vector<std::string>& native_products();

struct Translation {
  boost::json::object task;  // the Runware videoInference task
  NameMap names;             // where each Runware field came from
  core::Problems problems;   // in native names
  std::string external_id;

  // The Runware field `runware_path` (and all under it) comes from the native field `native`.
  void name(std::string runware_path, std::string native) { names.whole(std::move(runware_path), std::move(native)); }
  // ... item by item: runware_path[2].prompt is native[2].prompt.
  void name_items(std::string runware_path, std::string native) {
    names.items(std::move(runware_path), std::move(native));
  }
  // "inputs.frameImages[1].image" -> "image_tail" (see NameMap).
  std::string native_name(const std::string& runware_path) const { return names.native_name(runware_path); }
  // The core's problems, renamed, their messages in native words too.
  std::vector<core::Problem> native_problems(std::vector<core::Problem> core_problems) const;
  // The translation's own problems, then the core's renamed ones on parameters not reported yet,
  // so one reply lists every fault once.
  std::vector<core::Problem> all_problems(std::vector<core::Problem> core_problems) const;
  // The caller's name of every input the task will fetch, keyed by its Runware path
  // ("inputs.frameImages[1].image" -> "image_tail"), to name a worker's input errors.
  std::map<std::string, std::string> input_names() const;
};

Translation translate_native(const std::string& product, const boost::json::object& body,
                             const catalog::Catalog& catalog);

// Translation and the core's validation together: the translated task, and when it is valid the
// spec to store and its plan; every problem in native names.
struct NativeVerdict {
  boost::json::object task;  // the Runware task the body translates to
  std::optional<core::TaskSpec> spec;
  std::optional<core::Plan> plan;
  std::optional<core::Quote> quote;  // the catalog's price, when known at submission
  std::vector<core::Problem> problems;
  std::string external_id;
};
NativeVerdict check_native(const std::string& product, const boost::json::object& body,
                           const catalog::Catalog& catalog);

}  // namespace vidserve::api::kling
