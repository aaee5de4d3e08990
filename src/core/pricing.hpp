#pragma once
#include <optional>
#include <string>

#include "catalog/model.hpp"

namespace vidserve::core {

struct Plan;

struct Quote {
  double cost_usd = 0;
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

// Price once an input's length is known (avatar, lip-sync): used after inputs are resolved.
std::optional<Quote> quote_with_input_seconds(const Plan& plan, const PriceContext& context,
                                              double input_seconds);

// Why quote() gave nothing: "priced per second of inputs.audio ($0.044/s); quoted once the input is
// fetched" or "the catalog has no price for this model".
std::string unquoted_reason(const Plan& plan, const PriceContext& context);

}  // namespace vidserve::core
