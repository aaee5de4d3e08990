#pragma once
#include <optional>
#include <string>

#include "catalog/model.hpp"
#include "common/money.hpp"

namespace vidserve::core {

struct Plan;

struct Quote {
  money::Micros cost_micros = 0;  // exact, in millionths of a dollar
  std::string basis;   // "$0.037/s x 5 s x 1 result"
  std::string source;  // where the price was published
};

struct PriceContext {
  bool sound = false;
  bool video_input = false;
};

// The catalog's price for a plan, or nullopt when the catalog has no price for it or the price
// depends on an input's length that is only known once the input is fetched.
std::optional<Quote> quote(const Plan& plan, const PriceContext& context);

// The input whose length prices the plan when quote() cannot ("audio", "video",
// "referenceVideos": the catalog's names), or nullopt when quote() prices it or nothing does.
std::optional<std::string> priced_input(const Plan& plan, const PriceContext& context);

// Price once an input's length is known (avatar, lip-sync, a duration taken from an input video):
// used after inputs are resolved.
std::optional<Quote> quote_with_input_seconds(const Plan& plan, const PriceContext& context,
                                              double input_seconds);

// Why quote() gave nothing: "priced per second of inputs.audio ($0.044/s); quoted once the input is
// fetched" or "the catalog has no price for this model".
std::string unquoted_reason(const Plan& plan, const PriceContext& context);

}  // namespace vidserve::core
