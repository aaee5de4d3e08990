#pragma once
// Checks a JSON document holding one Runware task or an array of tasks: parse, then validate each
// task against the catalog. `vidserve validate` and the data-driven tests both go through here.
#include <boost/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/wire/json.hpp"
#include "catalog/catalog.hpp"
#include "core/task_spec.hpp"
#include "core/validate.hpp"

namespace vidserve::api::runware {

struct TaskVerdict {
  std::size_t index = 0;
  std::string task_uuid;
  std::string task_type;
  core::Validation validation;
  std::optional<core::InferenceRequest> request;  // the typed request, when it is valid
};

struct DocumentCheck {
  std::optional<wire::SyntaxError> syntax_error;  // malformed JSON: nothing was validated
  std::vector<TaskVerdict> tasks;
  bool valid() const;
};

DocumentCheck check_document(std::string_view text, const catalog::Catalog& catalog);
// The same for a document parsed already.
DocumentCheck check_parsed_document(const boost::json::value& doc, const catalog::Catalog& catalog);

// Validates one parsed task.
TaskVerdict check_task(const boost::json::value& task, std::size_t index, const catalog::Catalog& catalog);
TaskVerdict check_task(const boost::json::object& task, std::size_t index, const catalog::Catalog& catalog);

}  // namespace vidserve::api::runware
