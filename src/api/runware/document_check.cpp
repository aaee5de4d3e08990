#include "api/runware/document_check.hpp"

#include <algorithm>

#include "api/runware/task_parser.hpp"
#include "core/error_codes.hpp"

namespace vidserve::api::runware {

namespace json = boost::json;

bool DocumentCheck::valid() const {
  return !syntax_error && !tasks.empty() &&
         std::all_of(tasks.begin(), tasks.end(), [](const TaskVerdict& t) { return t.validation.valid(); });
}

namespace {

TaskVerdict verdict_of(ParsedTask parsed, std::size_t index, const catalog::Catalog& catalog) {
  TaskVerdict verdict;
  verdict.index = index;
  verdict.task_uuid = parsed.task_uuid;
  verdict.task_type = parsed.task_type;
  if (auto* video = std::get_if<core::VideoRequest>(&parsed.request)) {
    verdict.validation = core::validate(catalog, *video, std::move(parsed.problems));
    if (verdict.validation.valid()) verdict.request = std::move(*video);
  } else if (auto* image = std::get_if<core::ImageRequest>(&parsed.request)) {
    verdict.validation = core::validate(catalog, *image, std::move(parsed.problems));
    if (verdict.validation.valid()) verdict.request = std::move(*image);
  } else {
    verdict.validation.problems = std::move(parsed.problems.list());
  }
  return verdict;
}

}  // namespace

TaskVerdict check_task(const json::value& task, std::size_t index, const catalog::Catalog& catalog) {
  return verdict_of(parse_task(task), index, catalog);
}

TaskVerdict check_task(const json::object& task, std::size_t index, const catalog::Catalog& catalog) {
  return verdict_of(parse_task(task), index, catalog);
}

DocumentCheck check_document(std::string_view text, const catalog::Catalog& catalog) {
  DocumentCheck result;
  wire::SyntaxError error;
  auto doc = wire::parse_json(text, error);
  if (!doc) {
    result.syntax_error = error;
    return result;
  }
  return check_parsed_document(*doc, catalog);
}

DocumentCheck check_parsed_document(const json::value& doc, const catalog::Catalog& catalog) {
  DocumentCheck result;
  if (doc.is_array()) {
    const auto& tasks = doc.get_array();
    if (tasks.empty()) {
      TaskVerdict empty;
      empty.validation.problems.push_back(
          {{""}, core::errc::kMissingParameter, "the array holds no tasks."});
      result.tasks.push_back(std::move(empty));
    }
    for (std::size_t i = 0; i < tasks.size(); ++i) result.tasks.push_back(check_task(tasks[i], i, catalog));
  } else {
    result.tasks.push_back(check_task(doc, 0, catalog));
  }
  return result;
}

}  // namespace vidserve::api::runware
