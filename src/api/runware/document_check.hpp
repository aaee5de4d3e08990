#pragma once
// Checks a JSON document holding one Runware task or an array of tasks: parse, then validate each
// task against the catalog. `vidserve validate` and the data-driven tests both go through here.
#include <boost/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/catalog.hpp"
#include "core/task_spec.hpp"
#include "core/validate.hpp"

namespace vidserve::api::runware {

struct SyntaxError {
  std::size_t line = 0, column = 0;  // 1-based
  std::string message;

  // "malformed JSON at line 3, column 7: <message>", as every API and the CLI report it.
  std::string describe() const {
    return "malformed JSON at line " + std::to_string(line) + ", column " + std::to_string(column) + ": " + message;
  }
};

struct TaskVerdict {
  std::size_t index = 0;
  std::string task_uuid;
  std::string task_type;
  core::Validation validation;
  std::optional<core::InferenceRequest> request;  // the typed request, when it is valid
};

struct DocumentCheck {
  std::optional<SyntaxError> syntax_error;  // malformed JSON: nothing was validated
  std::vector<TaskVerdict> tasks;
  bool valid() const;
};

// Nesting deeper than this is rejected as malformed; real tasks nest 5 levels.
inline constexpr std::size_t kMaxJsonDepth = 64;

DocumentCheck check_document(std::string_view text, const catalog::Catalog& catalog);

// Parses JSON with the same limits as check_document; on failure fills `error`.
std::optional<boost::json::value> parse_json(std::string_view text, SyntaxError& error);

// Validates one parsed task.
TaskVerdict check_task(const boost::json::value& task, std::size_t index, const catalog::Catalog& catalog);
TaskVerdict check_task(const boost::json::object& task, std::size_t index, const catalog::Catalog& catalog);

}  // namespace vidserve::api::runware
