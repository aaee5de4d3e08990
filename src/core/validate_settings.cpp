// providerSettings.klingai: which model and workflow take each setting, and its value rules.
#include <algorithm>
#include <cmath>

#include "common/text.hpp"
#include "core/error_codes.hpp"
#include "core/validate_detail.hpp"

namespace vidserve::core::detail {

namespace {

using catalog::SettingSpec;

const std::string kPrefix = "providerSettings.klingai.";

std::string where_allowed(const catalog::Model& model, const std::string& name) {
  std::vector<std::string> workflows;
  for (const auto& w : model.workflows) {
    if (!w.allows_setting(name)) continue;
    std::vector<std::string> inputs;
    for (const auto& [input, spec] : w.inputs) inputs.push_back(input);
    workflows.push_back(w.kind + (inputs.empty() ? "" : " (" + text::join(inputs, " + ") + ")"));
  }
  return text::join_list(workflows, " and ");
}

void check_string(const Context& ctx, const SettingSpec& spec, const std::string& value) {
  if (spec.enum_values.empty()) return;
  if (std::find(spec.enum_values.begin(), spec.enum_values.end(), value) == spec.enum_values.end()) {
    ctx.problems.add(kPrefix + spec.name, errc::kInvalidValue,
                     kPrefix + spec.name + " " + text::quoted(value) + " is not allowed; use " +
                         text::join_list(spec.enum_values, " or ") + ".");
  }
}

void check_number(const Context& ctx, const SettingSpec& spec, double value) {
  if ((spec.min && value < *spec.min) || (spec.max && value > *spec.max)) {
    ctx.problems.add(kPrefix + spec.name, errc::kValueOutOfRange,
                     kPrefix + spec.name + " is " + text::format_number(value) +
                         "; it must be between " + text::format_number(spec.min.value_or(0)) +
                         " and " + text::format_number(spec.max.value_or(0)) + ".");
  }
}

void check_shot(const Context& ctx, const SettingSpec& spec, const Shot& shot, std::size_t i) {
  const std::string path = kPrefix + spec.name + "[" + std::to_string(i) + "]";
  const auto length = text::utf8_length(shot.prompt).value_or(0);
  if (length == 0) {
    ctx.problems.add(path + ".prompt", errc::kMissingParameter,
                     path + ".prompt is required for every shot.");
  } else if (spec.prompt_max_length > 0 && length > static_cast<std::size_t>(spec.prompt_max_length)) {
    ctx.problems.add(path + ".prompt", errc::kInvalidLength,
                     path + ".prompt has " + std::to_string(length) +
                         " characters; a shot prompt has at most " +
                         std::to_string(spec.prompt_max_length) + ".");
  }
  if (!shot.duration_s) {
    ctx.problems.add(path + ".duration", errc::kMissingParameter,
                     path + ".duration is required: the seconds this shot lasts, e.g. \"5\".");
  } else if (*shot.duration_s < spec.min_shot_duration || std::floor(*shot.duration_s) != *shot.duration_s) {
    ctx.problems.add(path + ".duration", errc::kValueOutOfRange,
                     path + ".duration is " + text::format_number(*shot.duration_s) +
                         "; a shot lasts a whole number of seconds, at least " +
                         text::format_number(spec.min_shot_duration) + ".");
  }
}

void check_shots(const Context& ctx, const SettingSpec& spec, const std::vector<Shot>& shots) {
  const std::string path = kPrefix + spec.name;
  if (shots.empty()) {
    ctx.problems.add(path, errc::kMinItemsRequired,
                     path + " needs at least one shot {prompt, duration}.");
    return;
  }
  if (spec.max_items > 0 && shots.size() > static_cast<std::size_t>(spec.max_items)) {
    ctx.problems.add(path + "[" + std::to_string(spec.max_items) + "]", errc::kMaxItemsExceeded,
                     path + " has " + std::to_string(shots.size()) + " shots; at most " +
                         std::to_string(spec.max_items) + " are allowed.");
  }
  for (std::size_t i = 0; i < shots.size(); ++i) check_shot(ctx, spec, shots[i], i);
}

void check_value(const Context& ctx, const SettingSpec& spec, const KlingSettings& s) {
  const auto& n = spec.name;
  if (n == "characterOrientation" && s.character_orientation) check_string(ctx, spec, *s.character_orientation);
  if (n == "shotType" && s.shot_type) check_string(ctx, spec, *s.shot_type);
  if (n == "soundVolume" && s.sound_volume) check_number(ctx, spec, *s.sound_volume);
  if (n == "originalAudioVolume" && s.original_audio_volume) check_number(ctx, spec, *s.original_audio_volume);
  if (n == "multiPrompt" && s.multi_prompt) check_shots(ctx, spec, *s.multi_prompt);
}

void check_shot_type(const Context& ctx, const KlingSettings& s) {
  if (!s.shot_type) return;
  if (*s.shot_type == "customize" && !s.multi_prompt) {
    ctx.problems.add(
        kPrefix + "multiPrompt", errc::kMissingParameter,
        "shotType customize needs providerSettings.klingai.multiPrompt with the shots.");
  } else if (*s.shot_type == "intelligence" && s.multi_prompt) {
    ctx.problems.add(
        std::vector<std::string>{kPrefix + "shotType", kPrefix + "multiPrompt"},
        errc::kIncompatibleParameters,
        "shotType intelligence lets the model plan the shots; remove multiPrompt or use "
        "shotType customize.");
  }
}

}  // namespace

void check_settings(const Context& ctx, const catalog::Workflow* workflow,
                    const KlingSettings& settings, const Inputs& /*inputs*/) {
  const auto supported = ctx.model.all_settings();
  bool all_allowed = true;
  for (const auto& name : settings.present()) {
    const std::string path = kPrefix + name;
    const auto* spec = ctx.catalog.setting(name);
    if (!spec || std::find(supported.begin(), supported.end(), name) == supported.end()) {
      const auto others = models_where(
          ctx.catalog,
          [&](const catalog::Model& m) {
            const auto all = m.all_settings();
            return std::find(all.begin(), all.end(), name) != all.end();
          },
          ctx.model.air);
      ctx.problems.add(path, errc::kUnsupportedParameter,
                       ctx.model.air + " does not support " + path +
                           (others.empty() ? "." : "; models that do: " + others + "."));
      all_allowed = false;
      continue;
    }
    if (workflow && !workflow->allows_setting(name)) {
      ctx.problems.add(path, errc::kIncompatibleParameters,
                       path + " cannot be used in the " + workflow->kind + " workflow of " +
                           ctx.model.air + " (the inputs given select it); it applies to " +
                           where_allowed(ctx.model, name) + ".");
      all_allowed = false;
      continue;
    }
    check_value(ctx, *spec, settings);
  }
  if (all_allowed) check_shot_type(ctx, settings);
}

}  // namespace vidserve::core::detail
