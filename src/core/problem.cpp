#include "core/problem.hpp"

#include <algorithm>

#include "common/text.hpp"
#include "core/error_codes.hpp"

namespace vidserve::core {

std::string Problem::parameter() const { return text::join(parameters, ","); }

bool Problems::reported(const std::string& parameter) const {
  // A malformed container hides complaints about its members ("inputs" covers "inputs.video").
  return std::any_of(reported_.begin(), reported_.end(), [&](const std::string& r) {
    return parameter == r || (parameter.size() > r.size() && parameter.compare(0, r.size(), r) == 0 &&
                              (parameter[r.size()] == '.' || parameter[r.size()] == '['));
  });
}

void Problems::add(std::string parameter, std::string code, std::string message) {
  add(std::vector<std::string>{std::move(parameter)}, std::move(code), std::move(message));
}

void Problems::add(std::vector<std::string> parameters, std::string code, std::string message) {
  if (std::any_of(parameters.begin(), parameters.end(), [&](const auto& p) { return reported(p); })) {
    return;
  }
  if (list_.size() > kMaxProblems) return;
  if (list_.size() == kMaxProblems) {
    list_.push_back(Problem{{},
                            errc::kTooManyProblems,
                            "more than " + std::to_string(kMaxProblems) + " problems; the first " +
                                std::to_string(kMaxProblems) + " are listed."});
    return;
  }
  for (auto& p : parameters) {
    if (p.size() > kMaxPathBytes) p = text::excerpt(p, kMaxPathBytes);
  }
  if (message.size() > kMaxMessageBytes) message = text::excerpt(message, kMaxMessageBytes);
  list_.push_back(Problem{std::move(parameters), std::move(code), std::move(message)});
}

}  // namespace vidserve::core
