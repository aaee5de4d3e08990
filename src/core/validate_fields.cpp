// Prompts, width/height and voice tags.
#include <algorithm>
#include <cctype>

#include "common/text.hpp"
#include "core/error_codes.hpp"
#include "core/validate_detail.hpp"

namespace vidserve::core::detail {

namespace {

using catalog::Size;

void check_length(const Context& ctx, const char* parameter, const std::string& value,
                  const catalog::LengthLimit& limit) {
  const auto length = text::utf8_length(value);
  if (!length) {
    ctx.problems.add(parameter, errc::kInvalidValue,
                     std::string(parameter) + " is not valid UTF-8 text.");
    return;
  }
  if (*length < static_cast<std::size_t>(limit.min) || *length > static_cast<std::size_t>(limit.max)) {
    ctx.problems.add(parameter, errc::kInvalidLength,
                     std::string(parameter) + " has " + std::to_string(*length) + " characters; " +
                         ctx.model.air + " accepts " + std::to_string(limit.min) + " to " +
                         std::to_string(limit.max) + ".");
  }
}

std::vector<std::string> size_names(const std::vector<Size>& sizes) {
  std::vector<std::string> names;
  for (const auto& s : sizes) names.push_back(catalog::to_string(s));
  return names;
}

bool lists_size(const catalog::Model& m, const std::string& kind, Size size) {
  return std::any_of(m.workflows.begin(), m.workflows.end(), [&](const catalog::Workflow& w) {
    return w.kind == kind && w.size.kind == catalog::SizeSpec::Kind::List &&
           std::find(w.size.values.begin(), w.size.values.end(), size) != w.size.values.end();
  });
}

std::string where_size_is_served(const Context& ctx, const std::string& kind, Size size) {
  const std::string wanted = catalog::to_string(size);
  if (ctx.model.upgrade) {
    const auto* upgrade = ctx.catalog.find(*ctx.model.upgrade);
    if (upgrade && lists_size(*upgrade, kind, size)) return " " + upgrade->air + " serves " + wanted + ".";
  }
  const auto others = models_where(
      ctx.catalog, [&](const catalog::Model& m) { return lists_size(m, kind, size); }, ctx.model.air);
  return others.empty() ? "" : " Models that serve " + wanted + ": " + others + ".";
}

}  // namespace

void check_prompts(const Context& ctx, const catalog::Workflow* workflow,
                   const GenerationRequest& request, bool multi_prompt_given) {
  const auto& limit = ctx.model.positive_prompt;
  const auto rule = !limit ? catalog::PromptRule::None
                           : (workflow ? workflow->prompt : catalog::PromptRule::Optional);
  if (request.positive_prompt) {
    if (rule == catalog::PromptRule::None) {
      ctx.problems.add("positivePrompt", errc::kUnsupportedParameter,
                       ctx.model.air + " takes no positivePrompt" +
                           (workflow ? " in its " + workflow->kind + " workflow" : std::string()) +
                           ".");
    } else {
      check_length(ctx, "positivePrompt", *request.positive_prompt, *limit);
    }
  } else if (rule == catalog::PromptRule::Required && !multi_prompt_given) {
    ctx.problems.add("positivePrompt", errc::kMissingParameter,
                     "positivePrompt is required for " + workflow->kind + " on " + ctx.model.air +
                         " (" + std::to_string(limit->min) + " to " + std::to_string(limit->max) +
                         " characters).");
  }
  if (request.negative_prompt) {
    if (!ctx.model.negative_prompt) {
      const auto others = models_where(
          ctx.catalog, [](const catalog::Model& m) { return m.negative_prompt.has_value(); }, ctx.model.air);
      ctx.problems.add(
          "negativePrompt", errc::kUnsupportedParameter,
          ctx.model.air + " does not support negativePrompt; models that do: " + others + ".");
    } else {
      check_length(ctx, "negativePrompt", *request.negative_prompt, *ctx.model.negative_prompt);
    }
  }
}

std::optional<Size> check_size(const Context& ctx, const catalog::Workflow& workflow,
                               const GenerationRequest& request) {
  const auto& spec = workflow.size;
  const bool has_w = request.width.has_value(), has_h = request.height.has_value();
  if (spec.kind == catalog::SizeSpec::Kind::FromInput) {
    if (has_w || has_h) {
      std::vector<std::string> given;
      if (has_w) given.push_back("width");
      if (has_h) given.push_back("height");
      ctx.problems.add(given, errc::kUnsupportedParameter,
                       ctx.model.air + " takes the output size from the input in its " +
                           workflow.kind + " workflow; remove width and height.");
    }
    return std::nullopt;
  }
  const std::string allowed = text::join_list(size_names(spec.values), " or ");
  if (has_w != has_h) {
    const char* missing = has_w ? "height" : "width";
    ctx.problems.add(missing, errc::kMissingParameter,
                     std::string("width and height must be used together; ") + ctx.model.air +
                         " supports " + allowed + ".");
    return std::nullopt;
  }
  if (!has_w) {
    if (spec.required) {
      ctx.problems.add(std::vector<std::string>{"width", "height"}, errc::kMissingParameter,
                       "width and height are required for " + workflow.kind + " on " +
                           ctx.model.air + ": " + allowed + ".");
    }
    if (spec.required || spec.absent_from_input || spec.values.empty()) return std::nullopt;
    return spec.values.front();
  }
  const Size wanted{static_cast<int>(std::clamp<std::int64_t>(*request.width, -1, 1 << 20)),
                    static_cast<int>(std::clamp<std::int64_t>(*request.height, -1, 1 << 20))};
  if (std::find(spec.values.begin(), spec.values.end(), wanted) == spec.values.end()) {
    const std::string given = std::to_string(*request.width) + "x" + std::to_string(*request.height);
    ctx.problems.add(std::vector<std::string>{"width", "height"}, errc::kUnsupportedDimensions,
                     given + " is not supported by " + ctx.model.air + " for " + workflow.kind +
                         "; use " + allowed + "." +
                         where_size_is_served(ctx, workflow.kind, wanted));
    return std::nullopt;
  }
  return wanted;
}

void check_voice_tags(const Context& ctx, const GenerationRequest& request) {
  if (!request.positive_prompt) return;
  const int voices = request.inputs.count("referenceVoices");
  const std::string& prompt = *request.positive_prompt;
  static constexpr std::string_view kOpen = "<<<voice_", kClose = ">>>";
  for (auto at = prompt.find(kOpen); at != std::string::npos; at = prompt.find(kOpen, at + 1)) {
    auto digits_end = at + kOpen.size();
    while (digits_end < prompt.size() && digits_end - at - kOpen.size() < 7 &&
           std::isdigit(static_cast<unsigned char>(prompt[digits_end]))) {
      ++digits_end;
    }
    const auto digits = prompt.substr(at + kOpen.size(), digits_end - at - kOpen.size());
    if (digits.empty() || digits.size() > 6 || prompt.compare(digits_end, kClose.size(), kClose) != 0) continue;
    const int n = std::stoi(digits);
    if (n >= 1 && n <= voices) continue;
    ctx.problems.add("positivePrompt", errc::kInvalidVoiceReference,
                     "<<<voice_" + digits + ">>> refers to inputs.referenceVoices[" +
                         std::to_string(n - 1) + "], but " + std::to_string(voices) +
                         " reference voice" + (voices == 1 ? " was" : "s were") +
                         " given; tags count from <<<voice_1>>>.");
  }
}

}  // namespace vidserve::core::detail
