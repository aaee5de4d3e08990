#pragma once
// Helpers for the data-driven validation tests.
#include <boost/json.hpp>
#include <fstream>
#include <sstream>
#include <string>

#include "api/runware/document_check.hpp"

namespace vidserve::test {

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// A missing or malformed data file yields null, so the tests that count cases fail with a message
// instead of test discovery aborting.
inline boost::json::value read_json(const std::string& path) {
  boost::system::error_code ec;
  auto value = boost::json::parse(read_file(path), ec);
  return ec ? boost::json::value() : value;
}

// The same path as `vidserve validate`: serialise the task and check it as a document.
inline api::runware::DocumentCheck check(const boost::json::value& task) {
  return api::runware::check_document(boost::json::serialize(task), catalog::Catalog::builtin());
}

}  // namespace vidserve::test
