#include "common/money.hpp"

#include <cmath>
#include <cstdlib>

namespace vidserve::money {

Micros from_usd(double usd) {
  return static_cast<Micros>(std::llround(usd * kMicrosPerUsd));
}

Micros times(Micros per_unit, double units) {
  return static_cast<Micros>(std::llround(static_cast<double>(per_unit) * units));
}

double to_usd(Micros micros) {
  return static_cast<double>(micros) / kMicrosPerUsd;
}

std::string decimal(Micros micros) {
  const bool negative = micros < 0;
  const auto magnitude =
      negative ? -static_cast<unsigned long long>(micros) : static_cast<unsigned long long>(micros);
  std::string fraction = std::to_string(magnitude % kMicrosPerUsd);
  fraction.insert(0, 6 - fraction.size(), '0');
  while (!fraction.empty() && fraction.back() == '0') fraction.pop_back();
  std::string out = (negative ? "-" : "") + std::to_string(magnitude / kMicrosPerUsd);
  return fraction.empty() ? out : out + "." + fraction;
}

std::string usd(Micros micros) {
  auto text = decimal(micros);
  const auto dot = text.find('.');
  if (dot == std::string::npos) return "$" + text + ".00";
  if (text.size() - dot == 2) text += '0';
  return "$" + text;
}

std::optional<Micros> parse(std::string_view text) {
  const auto dot = text.find('.');
  const auto whole = text.substr(0, dot);
  const auto fraction = dot == std::string_view::npos ? std::string_view{} : text.substr(dot + 1);
  if ((whole.empty() && fraction.empty()) || whole.size() > 12 || fraction.size() > 6)
    return std::nullopt;
  if (dot != std::string_view::npos && fraction.empty()) return std::nullopt;
  Micros value = 0;
  for (char c : whole) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  Micros part = 0;
  for (std::size_t i = 0; i < 6; ++i) {
    const char c = i < fraction.size() ? fraction[i] : '0';
    if (c < '0' || c > '9') return std::nullopt;
    part = part * 10 + (c - '0');
  }
  return value * kMicrosPerUsd + part;
}

}  // namespace vidserve::money
