#pragma once
// Strict reading of catalog JSON objects: every key must be read, unknown keys are reported with
// the nearest known name. Private to the catalog module.
#include <boost/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace vidserve::catalog::detail {

class Fields {
 public:
  Fields(const boost::json::object& object, std::string where, std::vector<std::string>& errors)
      : object_(object), where_(std::move(where)), errors_(errors) {}
  ~Fields();  // reports unknown keys

  const boost::json::value* get(const char* key);
  std::optional<std::string> string(const char* key);
  std::optional<double> number(const char* key);
  std::optional<int> integer(const char* key);
  std::optional<bool> boolean(const char* key);
  std::vector<std::string> strings(const char* key);
  const boost::json::object* object(const char* key);
  const boost::json::array* array(const char* key);

  void error(const std::string& key, const std::string& message);
  const std::string& where() const { return where_; }

 private:
  const boost::json::object& object_;
  std::string where_;
  std::vector<std::string>& errors_;
  std::set<std::string> known_;
};

}  // namespace vidserve::catalog::detail
