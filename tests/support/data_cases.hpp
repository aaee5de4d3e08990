#pragma once
// Named cases from a JSON file under tests/data ({"cases": [{"name": ..., ...}, ...]}), for
// parameterised tests. A missing or malformed file yields no cases, so the test that counts them
// fails with a message instead of test discovery aborting.
#include <boost/json.hpp>
#include <fstream>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

namespace vidserve::test {

struct DataCase {
  std::string name;
  boost::json::object spec;  // the whole case, its name included
};

inline void PrintTo(const DataCase& c, std::ostream* os) { *os << c.name; }

inline std::vector<DataCase> load_data_cases(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  boost::system::error_code ec;
  const auto doc = boost::json::parse(text.str(), ec);
  std::vector<DataCase> out;
  if (ec || !doc.is_object() || !doc.as_object().contains("cases")) return out;
  for (const auto& c : doc.at("cases").as_array()) {
    out.push_back({std::string(c.at("name").as_string()), c.as_object()});
  }
  return out;
}

}  // namespace vidserve::test
