#pragma once
// Which catalog model serves a native (product, model_name, mode), and the output size for an
// aspect_ratio. Data-driven: each model's "native" block in the catalog says where it lives on
// Kling's API.
#include <optional>
#include <string>

#include "catalog/catalog.hpp"
#include "core/problem.hpp"

namespace vidserve::api::kling {

struct NativeModelQuery {
  std::string product;      // "text2video", "omni-video", ...
  std::string model_name;   // "" = the product's default
  std::string mode;         // "" = the product's default
};

// Adds a problem naming model_name or mode when nothing matches.
const catalog::Model* find_native_model(const catalog::Catalog& catalog, const NativeModelQuery& query,
                                        core::Problems& problems);

// The size of `workflow_kind` on `model` with this aspect ratio ("16:9", "9:16", "1:1"); nullopt
// when the workflow takes its size from the input (or has no such workflow). Unknown ratios add a
// problem on aspect_ratio.
std::optional<catalog::Size> size_for_aspect(const catalog::Model& model, const std::string& workflow_kind,
                                             const std::string& aspect_ratio, core::Problems& problems);

const catalog::Workflow* find_workflow(const catalog::Model& model, const std::string& kind);

}  // namespace vidserve::api::kling
