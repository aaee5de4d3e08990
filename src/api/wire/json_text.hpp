#pragma once
// The text of every JSON document the server sends (replies, WebSocket frames, webhook bodies).
// Like boost::json::serialize, except numbers with a fraction: Boost.JSON 1.81 writes 0.185 as
// "1.85E-1" and 5.0 as "5E0"; here they are the shortest plain decimal that reads back as the
// same double ("0.185", "5"), which is how money (common/money.hpp) and durations appear.
#include <boost/json.hpp>
#include <string>

namespace vidserve::api::wire {

// Shortest round-trip plain decimal of a finite double ("0.185", "5", "-0.25"); "null" otherwise
// (JSON has no NaN or infinity).
std::string number_text(double value);

std::string to_text(const boost::json::value& value);

}  // namespace vidserve::api::wire
