#include "api/wire/kling/native_fields.hpp"

#include <cmath>
#include <cstdlib>

#include "core/error_codes.hpp"

namespace vidserve::api::kling {

namespace json = boost::json;

std::optional<double> read_seconds(FieldReader& reader, const std::string& key, core::Problems& problems) {
  const auto* v = reader.raw(key);
  if (!v) return std::nullopt;
  if (v->is_number()) return v->to_number<double>();
  if (v->is_string() && !v->get_string().empty()) {
    const std::string text(v->get_string());
    char* end = nullptr;
    const double seconds = std::strtod(text.c_str(), &end);
    if (end != nullptr && *end == '\0' && std::isfinite(seconds)) return seconds;
    problems.add(
        reader.path(key), core::errc::kInvalidValue,
        reader.path(key) + " must be a number of seconds such as \"5\"; got '" + text + "'.");
    problems.mark_reported(reader.path(key));
    return std::nullopt;
  }
  reader.type_error(reader.path(key), "a string such as \"5\"", *v);
  return std::nullopt;
}

std::optional<bool> read_flag(FieldReader& reader, const std::string& key) {
  const auto* v = reader.raw(key);
  if (!v) return std::nullopt;
  if (v->is_bool()) return v->get_bool();
  // Kling's own v3 sample sends "multi_shot": "true".
  if (v->is_string() && (v->get_string() == "true" || v->get_string() == "false")) return v->get_string() == "true";
  reader.type_error(reader.path(key), "true or false", *v);
  return std::nullopt;
}

std::optional<bool> read_switch(FieldReader& reader, const std::string& key, core::Problems& problems, bool yes_no) {
  auto value = reader.string(key);
  if (!value || value->empty()) return std::nullopt;
  const char* on = yes_no ? "yes" : "on";
  const char* off = yes_no ? "no" : "off";
  if (*value == on) return true;
  if (*value == off) return false;
  problems.add(
      reader.path(key), core::errc::kInvalidValue,
      reader.path(key) + " must be \"" + on + "\" or \"" + off + "\"; got '" + *value + "'.");
  return std::nullopt;
}

std::optional<std::string> read_text(FieldReader& reader, const std::string& key) {
  auto value = reader.string(key);
  if (!value || value->empty()) return std::nullopt;
  return value;
}

void refuse_unserved(FieldReader& reader, std::initializer_list<const char*> keys, core::Problems& problems) {
  for (const char* key : keys) {
    const auto* v = reader.raw(key);
    const bool empty = !v || v->is_null() || (v->is_string() && v->get_string().empty()) ||
                       (v->is_array() && v->get_array().empty()) || (v->is_object() && v->get_object().empty());
    if (empty) continue;
    problems.add(
        reader.path(key), core::errc::kUnsupportedParameter,
        reader.path(key) + " is a Kling feature vidserve does not serve yet; leave it out.");
  }
}

}  // namespace vidserve::api::kling
