#include "api/wire/field_reader.hpp"

#include <cmath>

#include "api/wire/error_codes.hpp"
#include "common/text.hpp"
#include "core/error_codes.hpp"

namespace vidserve::api::wire {

namespace json = boost::json;

const char* json_kind(const json::value& v) {
  switch (v.kind()) {
    case json::kind::null: return "null";
    case json::kind::bool_: return "a boolean";
    case json::kind::int64:
    case json::kind::uint64: return "an integer";
    case json::kind::double_: return "a number";
    case json::kind::string: return "a string";
    case json::kind::array: return "an array";
    case json::kind::object: return "an object";
  }
  return "a value";
}

std::optional<std::int64_t> as_integer(const json::value& v) {
  if (v.is_int64()) return v.get_int64();
  if (v.is_uint64()) {
    if (v.get_uint64() > static_cast<std::uint64_t>(INT64_MAX)) return std::nullopt;
    return static_cast<std::int64_t>(v.get_uint64());
  }
  if (v.is_double()) {
    const double d = v.get_double();
    if (std::isfinite(d) && std::floor(d) == d && std::abs(d) < 9.0e15) return static_cast<std::int64_t>(d);
  }
  return std::nullopt;
}

const json::value* FieldReader::raw(const std::string& key) {
  known_.insert(key);
  return object_.if_contains(key);
}

void FieldReader::type_error(const std::string& path, const char* expected, const json::value& got) {
  problems_.add(path, core::errc::kInvalidType,
                path + " must be " + expected + "; got " + json_kind(got) + ".");
  problems_.mark_reported(path);
}

std::optional<std::string> FieldReader::string(const std::string& key) {
  const auto* v = raw(key);
  if (!v) return std::nullopt;
  if (!v->is_string()) {
    type_error(path(key), "a string", *v);
    return std::nullopt;
  }
  return std::string(v->get_string());
}

std::optional<std::int64_t> FieldReader::integer(const std::string& key) {
  const auto* v = raw(key);
  if (!v) return std::nullopt;
  auto i = as_integer(*v);
  if (!i) type_error(path(key), "an integer", *v);
  return i;
}

std::optional<double> FieldReader::number(const std::string& key) {
  const auto* v = raw(key);
  if (!v) return std::nullopt;
  if (!v->is_number()) {
    type_error(path(key), "a number", *v);
    return std::nullopt;
  }
  return v->to_number<double>();
}

std::optional<bool> FieldReader::boolean(const std::string& key) {
  const auto* v = raw(key);
  if (!v) return std::nullopt;
  if (!v->is_bool()) {
    type_error(path(key), "true or false", *v);
    return std::nullopt;
  }
  return v->get_bool();
}

const json::object* FieldReader::object(const std::string& key) {
  const auto* v = raw(key);
  if (!v) return nullptr;
  if (!v->is_object()) {
    type_error(path(key), "an object", *v);
    return nullptr;
  }
  return &v->get_object();
}

const json::array* FieldReader::array(const std::string& key) {
  const auto* v = raw(key);
  if (!v) return nullptr;
  if (!v->is_array()) {
    type_error(path(key), "an array", *v);
    return nullptr;
  }
  return &v->get_array();
}

void FieldReader::report_unknown(std::string (*hint)(const std::string& key)) {
  const std::vector<std::string> known(known_.begin(), known_.end());
  for (const auto& kv : object_) {
    // Past the problem limit nothing more would be reported: stop looking.
    if (problems_.list().size() > core::Problems::kMaxProblems) break;
    const std::string key(kv.key());
    if (known_.count(key)) continue;
    std::string suggestion = hint ? hint(key) : std::string();
    if (suggestion.empty()) {
      if (auto near = text::nearest(key, known)) suggestion = prefix_ + *near;
    }
    std::string message = path(key) + " is not a known parameter";
    if (!suggestion.empty()) message += "; did you mean " + suggestion + "?";
    problems_.add(path(key), errc::kUnknownParameter, message + ".");
  }
}

}  // namespace vidserve::api::wire
