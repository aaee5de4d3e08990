#pragma once
// Money as an exact count of micro-dollars (millionths of a US dollar), so that a price times a
// duration adds no binary-float noise, and its plain decimal text: "0.185", never "1.85E-1" nor
// "0.18500000000000002". Every cost the server computes, stores and prints goes through here.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace vidserve::money {

using Micros = std::int64_t;  // 1 USD = 1'000'000

inline constexpr Micros kMicrosPerUsd = 1'000'000;

// A catalog amount (a double read from JSON) to the nearest micro-dollar.
Micros from_usd(double usd);

// `per_unit` x `units` (seconds, possibly fractional), to the nearest micro-dollar.
Micros times(Micros per_unit, double units);

// The nearest double; it prints back (shortest round-trip) as decimal(micros).
double to_usd(Micros micros);

// Plain decimal, shortest: "0.185", "0.7", "2", "0.000001", "-1.5".
std::string decimal(Micros micros);

// Plain decimal with at least two decimals, with a dollar sign: "$0.70", "$0.185", "$2.00".
std::string usd(Micros micros);

// "20", "20.00", "0.185", ".5": a non-negative decimal with at most six decimals; nullopt otherwise
// (signs, exponents, more decimals, more than 12 digits before the point).
std::optional<Micros> parse(std::string_view text);

}  // namespace vidserve::money
