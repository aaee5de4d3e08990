#pragma once
// Pieces of the validator, shared by the video and image paths. Private to core.
#include <functional>
#include <string>
#include <vector>

#include "catalog/catalog.hpp"
#include "core/problem.hpp"
#include "core/request.hpp"

namespace vidserve::core::detail {

struct Context {
  const catalog::Catalog& catalog;
  const catalog::Model& model;
  Problems& problems;
};

// "klingai:kling-video@3-pro, klingai:kling@o1 and 3 more", or "" when none.
std::string models_where(const catalog::Catalog& catalog,
                         const std::function<bool(const catalog::Model&)>& predicate,
                         const std::string& exclude);

// taskUUID and the platform options (outputType, outputFormat, ...).
void check_task_uuid(const GenerationRequest& request, Problems& problems);
void check_options(const TaskOptions& options, MediaKind kind, Problems& problems);

// Finds the model; reports unknown models and models of the other media type.
const catalog::Model* find_model(const catalog::Catalog& catalog, const GenerationRequest& request,
                                 catalog::ModelType expected, Problems& problems);

// Known Runware parameters that no Kling model takes (seedImage, strength, ...).
void check_unsupported_known(const Context& ctx, const GenerationRequest& request);

// Picks the workflow the inputs ask for, reporting inputs the model does not accept. When a
// required input is missing, `workflow` is still the one the request aims at (so its other
// parameters are checked too) and `complete` is false.
struct WorkflowChoice {
  const catalog::Workflow* workflow = nullptr;
  bool complete = false;
};
WorkflowChoice select_workflow(const Context& ctx, const Inputs& inputs);
void check_input_counts(const Context& ctx, const catalog::Workflow& workflow, const Inputs& inputs);
void check_input_refs(const Inputs& inputs, Problems& problems);

// positivePrompt / negativePrompt presence and length (in characters).
void check_prompts(const Context& ctx, const catalog::Workflow* workflow,
                   const GenerationRequest& request, bool multi_prompt_given);

// width/height against the workflow; returns the resolved size when one is known.
std::optional<catalog::Size> check_size(const Context& ctx, const catalog::Workflow& workflow,
                                        const GenerationRequest& request);

// providerSettings.klingai: supported by the model, allowed in the workflow, valid values.
void check_settings(const Context& ctx, const catalog::Workflow* workflow,
                    const KlingSettings& settings, const Inputs& inputs);

// <<<voice_N>>> tags in the prompt must name one of inputs.referenceVoices.
void check_voice_tags(const Context& ctx, const GenerationRequest& request);

}  // namespace vidserve::core::detail
