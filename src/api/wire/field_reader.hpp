#pragma once
// Typed reading of one JSON object of a request (a Runware task, a Kling or APIMart body). Wrong
// types become `invalidType` problems, keys nobody read become `unknownParameter` problems with the
// nearest known name.
#include <boost/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/problem.hpp"

namespace vidserve::api::wire {

class FieldReader {
 public:
  // `prefix` is the path of this object: "" for the task, "inputs." for inputs, ...
  FieldReader(const boost::json::object& object, std::string prefix, core::Problems& problems)
      : object_(object), prefix_(std::move(prefix)), problems_(problems) {}

  std::string path(const std::string& key) const { return prefix_ + key; }
  const boost::json::value* raw(const std::string& key);  // marks the key as known
  bool has(const std::string& key) const { return object_.contains(key); }

  std::optional<std::string> string(const std::string& key);
  std::optional<std::int64_t> integer(const std::string& key);
  std::optional<double> number(const std::string& key);
  std::optional<bool> boolean(const std::string& key);
  const boost::json::object* object(const std::string& key);
  const boost::json::array* array(const std::string& key);

  void type_error(const std::string& path, const char* expected, const boost::json::value& got);
  void mark_known(const std::string& key) { known_.insert(key); }

  // Reports keys that were never read. `hint` may map a key to a better suggestion.
  void report_unknown(std::string (*hint)(const std::string& key) = nullptr);

 private:
  const boost::json::object& object_;
  std::string prefix_;
  core::Problems& problems_;
  std::set<std::string> known_;
};

const char* json_kind(const boost::json::value& v);  // "a string", "an array", ...

// An integral JSON number as int64 (5 and 5.0 both count); nullopt otherwise.
std::optional<std::int64_t> as_integer(const boost::json::value& v);

}  // namespace vidserve::api::wire
