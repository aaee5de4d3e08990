#pragma once
// Runware task JSON -> typed core requests. This is the only place that knows the wire names.
#include <boost/json.hpp>
#include <string>
#include <variant>

#include "core/problem.hpp"
#include "core/request.hpp"

namespace vidserve::api::wire {
class FieldReader;
}

namespace vidserve::api::runware {

// Task types vidserve answers besides inference.
struct UtilityTask {
  std::string task_type;  // authentication | ping | getResponse | imageUpload | modelSearch
};

struct ParsedTask {
  std::string task_type;
  std::string task_uuid;
  std::variant<std::monostate, core::VideoRequest, core::ImageRequest, UtilityTask> request;
  core::Problems problems;  // type errors and unknown names found while parsing
};

ParsedTask parse_task(const boost::json::value& task);
ParsedTask parse_task(const boost::json::object& task);

// Parses "inputs" (and the legacy top-level frameImages) into `out`.
void parse_inputs(const boost::json::object& task, wire::FieldReader& top, core::Inputs& out,
                  core::Problems& problems);

}  // namespace vidserve::api::runware
