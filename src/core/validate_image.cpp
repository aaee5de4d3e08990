#include <algorithm>

#include "common/text.hpp"
#include "core/error_codes.hpp"
#include "core/validate.hpp"
#include "core/validate_detail.hpp"

namespace vidserve::core {

namespace {

void check_resolution(const detail::Context& ctx, const catalog::Workflow* w, const ImageRequest& r) {
  if (!r.resolution) return;
  const auto& tiers = ctx.model.resolutions;
  if (tiers.empty()) {
    ctx.problems.add(
        "resolution", errc::kUnsupportedParameter,
        ctx.model.air + " does not support resolution; give width and height instead.");
  } else if (std::find(tiers.begin(), tiers.end(), *r.resolution) == tiers.end()) {
    ctx.problems.add("resolution", errc::kInvalidValue,
                     "resolution " + text::quoted(*r.resolution) + " is not allowed for " +
                         ctx.model.air + "; use " + text::join_list(tiers, " or ") + ".");
  } else if (r.width || r.height) {
    ctx.problems.add(
        std::vector<std::string>{"resolution", "width"}, errc::kIncompatibleParameters,
        "give either resolution (size inferred from the reference image) or width and height, "
        "not both.");
  } else if (w && w->kind != "image-to-image") {
    ctx.problems.add("resolution", errc::kIncompatibleParameters,
                     "resolution applies to image-to-image (inputs.referenceImages); " + w->kind +
                         " needs width and height.");
  }
}

}  // namespace

Validation validate(const catalog::Catalog& catalog, const ImageRequest& r, Problems problems) {
  detail::check_task_uuid(r, problems);
  detail::check_options(r.options, MediaKind::Image, problems);
  detail::check_input_refs(r.inputs, problems);
  const auto* model = detail::find_model(catalog, r, catalog::ModelType::Image, problems);
  if (!model) return Validation{std::move(problems.list()), std::nullopt, std::nullopt};
  const detail::Context ctx{catalog, *model, problems};
  detail::check_unsupported_known(ctx, r);
  const auto [workflow, complete] = detail::select_workflow(ctx, r.inputs);
  detail::check_prompts(ctx, workflow, r, false);
  detail::check_settings(ctx, workflow, r.klingai, r.inputs);
  check_resolution(ctx, workflow, r);
  std::optional<catalog::Size> size;
  if (workflow) {
    detail::check_input_counts(ctx, *workflow, r.inputs);
    // resolution replaces width/height only for image-to-image; elsewhere the size is still needed.
    if (!r.resolution || workflow->kind != "image-to-image") size = detail::check_size(ctx, *workflow, r);
  }
  Validation result{std::move(problems.list()), std::nullopt, std::nullopt};
  if (result.valid() && workflow && complete) {
    Plan plan = base_plan(*model, *workflow, r.options, "JPG");
    plan.size = size;
    result.plan = plan;
    result.quote = quote(plan, PriceContext{});
  }
  return result;
}

}  // namespace vidserve::core
