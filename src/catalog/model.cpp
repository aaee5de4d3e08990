#include <algorithm>

#include "catalog/model.hpp"

namespace vidserve::catalog {

std::string to_string(Size size) {
  return std::to_string(size.width) + "x" + std::to_string(size.height);
}

bool Workflow::allows_setting(const std::string& name) const {
  return std::find(settings.begin(), settings.end(), name) != settings.end();
}

bool Model::has_workflow(const std::string& kind) const {
  return std::any_of(workflows.begin(), workflows.end(),
                     [&](const Workflow& w) { return w.kind == kind; });
}

std::vector<std::string> Model::workflow_kinds() const {
  std::vector<std::string> kinds;
  for (const auto& w : workflows) {
    if (std::find(kinds.begin(), kinds.end(), w.kind) == kinds.end()) kinds.push_back(w.kind);
  }
  return kinds;
}

std::vector<std::string> Model::all_settings() const {
  std::vector<std::string> names;
  for (const auto& w : workflows) {
    for (const auto& s : w.settings) {
      if (std::find(names.begin(), names.end(), s) == names.end()) names.push_back(s);
    }
  }
  return names;
}

}  // namespace vidserve::catalog
