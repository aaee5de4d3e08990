#include "api/runware/document_check.hpp"

#include <algorithm>

#include "api/runware/task_parser.hpp"

namespace vidserve::api::runware {

namespace json = boost::json;

namespace {

SyntaxError locate(std::string_view text, std::size_t offset, std::string message) {
  SyntaxError e{1, 1, std::move(message)};
  offset = std::min(offset, text.size());
  for (std::size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++e.line;
      e.column = 1;
    } else if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
      ++e.column;  // count characters, not UTF-8 continuation bytes
    }
  }
  return e;
}

}  // namespace

bool DocumentCheck::valid() const {
  return !syntax_error && !tasks.empty() &&
         std::all_of(tasks.begin(), tasks.end(), [](const TaskVerdict& t) { return t.validation.valid(); });
}

std::optional<json::value> parse_json(std::string_view text, SyntaxError& error) {
  json::parse_options options;
  options.max_depth = kMaxJsonDepth;
  json::stream_parser parser({}, options);
  boost::system::error_code ec;
  const std::size_t consumed = parser.write_some(text.data(), text.size(), ec);
  if (!ec && consumed < text.size()) ec = json::error::extra_data;
  if (!ec) parser.finish(ec);
  if (ec) {
    std::string message = ec.message();
    if (ec == json::error::too_deep) message = "nesting deeper than " + std::to_string(kMaxJsonDepth) + " levels";
    if (ec == json::error::syntax && consumed < text.size() && (static_cast<unsigned char>(text[consumed]) & 0x80)) {
      message = "invalid UTF-8 or unexpected byte";
    }
    error = locate(text, consumed, message);
    return std::nullopt;
  }
  return parser.release();
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
  SyntaxError error;
  auto doc = parse_json(text, error);
  if (!doc) {
    result.syntax_error = error;
    return result;
  }
  if (doc->is_array()) {
    const auto& tasks = doc->get_array();
    if (tasks.empty()) {
      TaskVerdict empty;
      empty.validation.problems.push_back({{""}, "missingParameter", "the array holds no tasks."});
      result.tasks.push_back(std::move(empty));
    }
    for (std::size_t i = 0; i < tasks.size(); ++i) result.tasks.push_back(check_task(tasks[i], i, catalog));
  } else {
    result.tasks.push_back(check_task(*doc, 0, catalog));
  }
  return result;
}

}  // namespace vidserve::api::runware
