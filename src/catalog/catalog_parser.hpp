#pragma once
#include <boost/json.hpp>
#include <string>
#include <vector>

#include "catalog/model.hpp"

namespace vidserve::catalog::detail {

SettingSpec parse_setting(const std::string& name, const boost::json::object& object,
                          std::vector<std::string>& errors);

// `object` is the model with its `extends` chain already merged.
Model parse_model(const boost::json::object& object, std::vector<std::string>& errors);

}  // namespace vidserve::catalog::detail
