#pragma once
#include <boost/json.hpp>

#include "core/problem.hpp"

namespace vidserve::api::wire {

// {"parameter": "width" | ["width","height"], "code": ..., "message": ...}
boost::json::object to_json(const core::Problem& problem);

}  // namespace vidserve::api::wire
