#include "worker/task_cost.hpp"

#include <variant>

namespace vidserve::worker {

namespace {

// The catalog names inputs as the request does ("referenceVideos"); the runner names one input's
// role in the singular ("referenceVideo").
bool is_named(const engine::InputMedia& input, const std::string& catalog_name) {
  return input.role == catalog_name || input.role + "s" == catalog_name;
}

}  // namespace

std::optional<core::Quote> measured_quote(const core::DecodedTask& decoded,
                                          const std::vector<engine::InputMedia>& inputs) {
  if (decoded.quote || !decoded.plan.model || !decoded.plan.workflow) return decoded.quote;
  const auto& in =
      std::visit([](const auto& r) -> const core::Inputs& { return r.inputs; }, decoded.request);
  const core::PriceContext context{decoded.plan.sound,
                                   in.video.has_value() || !in.reference_videos.empty()};
  const auto name = core::priced_input(decoded.plan, context);
  if (!name) return std::nullopt;
  for (const auto& input : inputs) {
    if (is_named(input, *name))
      return core::quote_with_input_seconds(decoded.plan, context, input.duration_s);
  }
  return std::nullopt;
}

}  // namespace vidserve::worker
