#include <algorithm>
#include <cmath>

#include "common/text.hpp"
#include "core/error_codes.hpp"
#include "core/validate.hpp"
#include "core/validate_detail.hpp"

namespace vidserve::core {

namespace {

using catalog::DurationSpec;
using detail::Context;

std::string allowed_durations(const DurationSpec& spec) {
  if (spec.kind == DurationSpec::Kind::Values) {
    std::vector<std::string> values;
    for (double v : spec.values) values.push_back(text::format_number(v));
    return text::join_list(values, " or ") + " seconds";
  }
  return "a whole number of seconds from " + text::format_number(spec.min) + " to " +
         text::format_number(spec.max);
}

bool duration_allowed(const DurationSpec& spec, double d) {
  if (spec.kind == DurationSpec::Kind::Values) {
    return std::any_of(spec.values.begin(), spec.values.end(),
                       [&](double v) { return std::abs(v - d) < 1e-9; });
  }
  return d >= spec.min && d <= spec.max && std::floor(d) == d;
}

// The shots' total, when every shot has a duration.
std::optional<double> shots_total(const KlingSettings& s) {
  if (!s.multi_prompt || s.multi_prompt->empty()) return std::nullopt;
  double total = 0;
  for (const auto& shot : *s.multi_prompt) {
    if (!shot.duration_s) return std::nullopt;
    total += *shot.duration_s;
  }
  return total;
}

std::optional<double> check_duration(const Context& ctx, const catalog::Workflow& w,
                                     const VideoRequest& r, bool shots_allowed) {
  const auto& spec = w.duration;
  if (spec.kind == DurationSpec::Kind::FromInput) {
    if (r.duration && !spec.ignore_given) {
      ctx.problems.add("duration", errc::kUnsupportedParameter,
                       ctx.model.air + " takes the duration from inputs." + spec.from_input +
                           " in its " + w.kind + " workflow; remove duration.");
    }
    return std::nullopt;
  }
  const auto total = shots_allowed ? shots_total(r.klingai) : std::nullopt;
  const std::string shots_path = "providerSettings.klingai.multiPrompt";
  if (r.duration && total && std::abs(*r.duration - *total) > 1e-9) {
    ctx.problems.add(
        std::vector<std::string>{"duration", shots_path}, errc::kIncompatibleParameters,
        "the multiPrompt shots add up to " + text::format_number(*total) + " s but duration is " +
            text::format_number(*r.duration) + "; make them equal or omit duration.");
    return std::nullopt;
  }
  const double d = r.duration ? *r.duration : total ? *total : spec.default_value;
  if (!duration_allowed(spec, d)) {
    const std::string parameter = r.duration ? "duration" : shots_path;
    const std::string what = r.duration ? "duration " : "the multiPrompt shots' total of ";
    ctx.problems.add(parameter, errc::kUnsupportedDuration,
                     what + text::format_number(d) + " s is not supported by " + ctx.model.air +
                         " for " + w.kind + "; use " + allowed_durations(spec) + ".");
    return std::nullopt;
  }
  return d;
}

void check_fps(const Context& ctx, const catalog::Workflow& w, const VideoRequest& r) {
  if (!r.fps) return;
  if (!w.fps) {
    ctx.problems.add(
        "fps", errc::kUnsupportedParameter,
        ctx.model.air + " takes its frame rate from the input in " + w.kind + "; remove fps.");
  } else if (*r.fps != *w.fps) {
    ctx.problems.add("fps", errc::kInvalidValue,
                     ctx.model.air + " renders " + w.kind + " at " + std::to_string(*w.fps) +
                         " fps; fps must be " + std::to_string(*w.fps) + " or omitted.");
  }
}

void check_cfg_scale(const Context& ctx, const VideoRequest& r) {
  if (!r.cfg_scale) return;
  const auto& range = ctx.model.cfg_scale;
  if (!range) {
    const auto others = detail::models_where(
        ctx.catalog, [](const catalog::Model& m) { return m.cfg_scale.has_value(); }, ctx.model.air);
    ctx.problems.add("CFGScale", errc::kUnsupportedParameter,
                     ctx.model.air + " does not support CFGScale; models that do: " + others + ".");
  } else if (*r.cfg_scale < range->min || *r.cfg_scale > range->max) {
    ctx.problems.add("CFGScale", errc::kValueOutOfRange,
                     "CFGScale is " + text::format_number(*r.cfg_scale) + "; " + ctx.model.air +
                         " accepts " + text::format_number(range->min) + " to " +
                         text::format_number(range->max) + ".");
  }
}

Plan make_plan(const catalog::Model& model, const catalog::Workflow& w, const VideoRequest& r,
               std::optional<catalog::Size> size, std::optional<double> duration) {
  Plan plan = base_plan(model, w, r.options, "MP4");
  plan.size = size;
  plan.duration_s = duration;
  plan.fps = w.fps;
  plan.sound = r.klingai.sound.value_or(false);
  if (r.klingai.multi_prompt) plan.shots = *r.klingai.multi_prompt;
  return plan;
}

}  // namespace

Plan base_plan(const catalog::Model& model, const catalog::Workflow& workflow, const TaskOptions& options,
               const char* default_format) {
  Plan plan;
  plan.model = &model;
  plan.workflow = &workflow;
  plan.number_results = static_cast<int>(options.number_results.value_or(1));
  plan.output_type = options.output_type.value_or("URL");
  plan.output_format = options.output_format.value_or(default_format);
  plan.output_quality = static_cast<int>(options.output_quality.value_or(95));
  return plan;
}

Validation validate(const catalog::Catalog& catalog, const VideoRequest& r, Problems problems) {
  detail::check_task_uuid(r, problems);
  detail::check_options(r.options, MediaKind::Video, problems);
  detail::check_input_refs(r.inputs, problems);
  const auto* model = detail::find_model(catalog, r, catalog::ModelType::Video, problems);
  if (!model) return Validation{std::move(problems.list()), std::nullopt, std::nullopt};
  const Context ctx{catalog, *model, problems};
  detail::check_unsupported_known(ctx, r);
  const auto [workflow, complete] = detail::select_workflow(ctx, r.inputs);
  const bool shots_allowed = workflow && workflow->allows_setting("multiPrompt");
  detail::check_prompts(ctx, workflow, r, shots_allowed && r.klingai.multi_prompt.has_value());
  detail::check_voice_tags(ctx, r);
  detail::check_settings(ctx, workflow, r.klingai, r.inputs);
  check_cfg_scale(ctx, r);
  std::optional<catalog::Size> size;
  std::optional<double> duration;
  if (workflow) {
    detail::check_input_counts(ctx, *workflow, r.inputs);
    size = detail::check_size(ctx, *workflow, r);
    duration = check_duration(ctx, *workflow, r, shots_allowed);
    check_fps(ctx, *workflow, r);
  }
  Validation result{std::move(problems.list()), std::nullopt, std::nullopt};
  if (result.valid() && workflow && complete) {
    result.plan = make_plan(*model, *workflow, r, size, duration);
    const bool video_input = r.inputs.video.has_value() || !r.inputs.reference_videos.empty();
    result.quote = quote(*result.plan, PriceContext{result.plan->sound, video_input});
  }
  return result;
}

}  // namespace vidserve::core
