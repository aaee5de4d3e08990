#pragma once
// Reading Kling's loosely typed fields: durations as "5" or 5, flags as true or "true", sound as
// "on"/"off". Wrong types become problems in the native parameter's name.
#include <boost/json.hpp>
#include <optional>
#include <string>

#include "api/wire/field_reader.hpp"

namespace vidserve::api::kling {

using wire::FieldReader;

std::optional<double> read_seconds(FieldReader& reader, const std::string& key, core::Problems& problems);
std::optional<bool> read_flag(FieldReader& reader, const std::string& key);
// "on" -> true, "off" -> false (also yes/no when `yes_no`).
std::optional<bool> read_switch(FieldReader& reader, const std::string& key, core::Problems& problems,
                                bool yes_no = false);
// A string that must not be empty when present ("" counts as absent).
std::optional<std::string> read_text(FieldReader& reader, const std::string& key);

// Known Kling parameters vidserve does not serve: present and not empty -> a clear problem.
void refuse_unserved(FieldReader& reader, std::initializer_list<const char*> keys, core::Problems& problems);

}  // namespace vidserve::api::kling
