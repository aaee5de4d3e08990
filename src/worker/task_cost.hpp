#pragma once
// The price of a task whose price depends on an input's length (avatar and lip-sync audio, a
// video edit whose duration is its input video's): known once the inputs are fetched and measured
// (check_input_seconds), so the result's cost is filled like any other.
#include <optional>
#include <vector>

#include "core/pricing.hpp"
#include "core/task_spec.hpp"
#include "engine/engine.hpp"

namespace vidserve::worker {

// `decoded.quote` when the catalog priced the task at submission; otherwise the price from the
// measured length of the input the catalog prices by; nullopt when the model has no price (or
// that input is missing, which validation prevents).
std::optional<core::Quote> measured_quote(const core::DecodedTask& decoded,
                                          const std::vector<engine::InputMedia>& inputs);

}  // namespace vidserve::worker
