#include "core/pricing.hpp"

#include <algorithm>

#include "common/text.hpp"
#include "core/validate.hpp"

namespace vidserve::core {

namespace {

using catalog::PriceRule;

bool matches(const PriceRule& rule, const Plan& plan, const PriceContext& ctx) {
  if (!rule.workflows.empty() &&
      std::find(rule.workflows.begin(), rule.workflows.end(), plan.workflow->kind) == rule.workflows.end()) {
    return false;
  }
  if (rule.sound && *rule.sound != ctx.sound) return false;
  if (rule.video_input && *rule.video_input != ctx.video_input) return false;
  if (rule.min_pixels) {
    const std::int64_t pixels = plan.size ? std::int64_t{plan.size->width} * plan.size->height : 0;
    if (pixels < *rule.min_pixels) return false;
  }
  return true;
}

const PriceRule* find_rule(const Plan& plan, const PriceContext& ctx) {
  for (const auto& rule : plan.model->pricing) {
    if (matches(rule, plan, ctx)) return &rule;
  }
  return nullptr;
}

std::string results_note(int n) { return std::to_string(n) + (n == 1 ? " result" : " results"); }

std::string usd(double amount) { return money::usd(money::from_usd(amount)); }

Quote per_second(const PriceRule& rule, double seconds, int results) {
  return Quote{money::times(money::from_usd(rule.amount), seconds) * results,
               usd(rule.amount) + "/s x " + text::format_number(seconds) + " s x " +
                   results_note(results),
               rule.source};
}

}  // namespace

std::optional<Quote> quote(const Plan& plan, const PriceContext& ctx) {
  const auto* rule = find_rule(plan, ctx);
  if (!rule) return std::nullopt;
  const int n = plan.number_results;
  switch (rule->basis) {
    case PriceRule::Basis::PerItem:
      return Quote{money::from_usd(rule->amount) * n, usd(rule->amount) + " x " + results_note(n), rule->source};
    case PriceRule::Basis::PerSecond:
      if (!plan.duration_s) return std::nullopt;
      return per_second(*rule, *plan.duration_s, n);
    case PriceRule::Basis::InputPerSecond:
    case PriceRule::Basis::InputTiers:
      return std::nullopt;  // needs the input's length: see quote_with_input_seconds
  }
  return std::nullopt;
}

std::string unquoted_reason(const Plan& plan, const PriceContext& ctx) {
  const auto* rule = find_rule(plan, ctx);
  if (!rule) return "the catalog has no price for " + plan.model->air + " " + plan.workflow->kind;
  if (rule->basis == PriceRule::Basis::InputPerSecond) {
    return "priced at " + usd(rule->amount) + "/s of inputs." + rule->input +
           "; quoted once the input is fetched";
  }
  if (rule->basis == PriceRule::Basis::InputTiers) {
    return "priced by the length of inputs." + rule->input + "; quoted once the input is fetched";
  }
  return "the duration comes from an input; quoted once the input is fetched";
}

std::optional<std::string> priced_input(const Plan& plan, const PriceContext& ctx) {
  const auto* rule = find_rule(plan, ctx);
  if (!rule) return std::nullopt;
  if (rule->basis == PriceRule::Basis::InputPerSecond || rule->basis == PriceRule::Basis::InputTiers) {
    return rule->input;
  }
  const auto& duration = plan.workflow->duration;
  if (rule->basis == PriceRule::Basis::PerSecond && !plan.duration_s &&
      duration.kind == catalog::DurationSpec::Kind::FromInput) {
    return duration.from_input;
  }
  return std::nullopt;
}

std::optional<Quote> quote_with_input_seconds(const Plan& plan, const PriceContext& ctx,
                                              double input_seconds) {
  const auto* rule = find_rule(plan, ctx);
  if (!rule) return std::nullopt;
  const int n = plan.number_results;
  if (rule->basis == PriceRule::Basis::InputPerSecond) return per_second(*rule, input_seconds, n);
  if (rule->basis == PriceRule::Basis::PerSecond && !plan.duration_s) {
    return per_second(*rule, input_seconds, n);  // the duration is the input's
  }
  if (rule->basis != PriceRule::Basis::InputTiers) return quote(plan, ctx);
  money::Micros price = 0;
  double covered = 0;
  for (const auto& [up_to, tier_price] : rule->tiers) {
    covered = up_to;
    price = money::from_usd(tier_price);
    if (input_seconds <= up_to) break;
  }
  if (input_seconds > covered) price += money::times(money::from_usd(rule->beyond_per_second), input_seconds - covered);
  return Quote{price * n,
               "tiered by input length " + text::format_number(input_seconds) + " s x " + results_note(n),
               rule->source};
}

}  // namespace vidserve::core
