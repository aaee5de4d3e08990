#include "api/wire/problem_json.hpp"

namespace vidserve::api::wire {

boost::json::object to_json(const core::Problem& problem) {
  boost::json::object o;
  if (problem.parameters.size() == 1) {
    o["parameter"] = problem.parameters.front();
  } else {
    boost::json::array params;
    for (const auto& p : problem.parameters) params.emplace_back(p);
    o["parameter"] = std::move(params);
  }
  o["code"] = problem.code;
  o["message"] = problem.message;
  return o;
}

}  // namespace vidserve::api::wire
