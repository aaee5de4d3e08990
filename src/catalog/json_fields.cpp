#include "catalog/json_fields.hpp"

#include "common/text.hpp"

namespace vidserve::catalog::detail {

namespace json = boost::json;

Fields::~Fields() {
  const std::vector<std::string> known(known_.begin(), known_.end());
  for (const auto& kv : object_) {
    const std::string key(kv.key());
    if (known_.count(key)) continue;
    std::string message = where_ + ": unknown key '" + key + "'";
    if (auto near = text::nearest(key, known)) message += " (did you mean '" + *near + "'?)";
    errors_.push_back(message);
  }
}

const json::value* Fields::get(const char* key) {
  known_.insert(key);
  const auto* v = object_.if_contains(key);
  return (v && !v->is_null()) ? v : nullptr;
}

void Fields::error(const std::string& key, const std::string& message) {
  errors_.push_back(where_ + "." + key + ": " + message);
}

std::optional<std::string> Fields::string(const char* key) {
  const auto* v = get(key);
  if (!v) return std::nullopt;
  if (!v->is_string()) {
    error(key, "must be a string");
    return std::nullopt;
  }
  return std::string(v->get_string());
}

std::optional<double> Fields::number(const char* key) {
  const auto* v = get(key);
  if (!v) return std::nullopt;
  if (!v->is_number()) {
    error(key, "must be a number");
    return std::nullopt;
  }
  return v->to_number<double>();
}

std::optional<int> Fields::integer(const char* key) {
  const auto* v = get(key);
  if (!v) return std::nullopt;
  if (!v->is_int64() && !v->is_uint64()) {
    error(key, "must be an integer");
    return std::nullopt;
  }
  return static_cast<int>(v->to_number<std::int64_t>());
}

std::optional<bool> Fields::boolean(const char* key) {
  const auto* v = get(key);
  if (!v) return std::nullopt;
  if (!v->is_bool()) {
    error(key, "must be true or false");
    return std::nullopt;
  }
  return v->get_bool();
}

std::vector<std::string> Fields::strings(const char* key) {
  std::vector<std::string> out;
  const auto* v = get(key);
  if (!v) return out;
  if (!v->is_array()) {
    error(key, "must be an array of strings");
    return out;
  }
  for (const auto& item : v->get_array()) {
    if (!item.is_string()) {
      error(key, "must be an array of strings");
      return {};
    }
    out.emplace_back(item.get_string());
  }
  return out;
}

const json::object* Fields::object(const char* key) {
  const auto* v = get(key);
  if (!v) return nullptr;
  if (!v->is_object()) {
    error(key, "must be an object");
    return nullptr;
  }
  return &v->get_object();
}

const json::array* Fields::array(const char* key) {
  const auto* v = get(key);
  if (!v) return nullptr;
  if (!v->is_array()) {
    error(key, "must be an array");
    return nullptr;
  }
  return &v->get_array();
}

}  // namespace vidserve::catalog::detail
