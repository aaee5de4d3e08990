#pragma once
// Building the {"data":[...], "errors":[...]} envelope and its error objects.
#include <boost/json.hpp>
#include <string>

#include "core/problem.hpp"

namespace vidserve::api::runware {

struct Envelope {
  boost::json::array data;
  boost::json::array errors;
  int error_status = 0;  // HTTP status of the first error, used when there is no data

  void error(int status, std::string code, std::string message, std::string_view task_type,
             std::string_view task_uuid, std::string parameter = {});
  void problem(const core::Problem& p, std::string_view task_type, std::string_view task_uuid);
  // Appends the items of `piece` (answered separately, e.g. on the fetch pool).
  void merge(Envelope piece);
  int status() const { return errors.empty() || !data.empty() ? 200 : error_status; }
  std::string body() const;
};

// HTTP status for an error code: 401 auth, 404 not found, 400 validation, 500 otherwise.
int status_for_code(std::string_view code);

}  // namespace vidserve::api::runware
