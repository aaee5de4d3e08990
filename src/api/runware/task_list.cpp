#include "api/runware/task_list.hpp"

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>
#include <charconv>
#include <string>

#include "common/text.hpp"
#include "core/error_codes.hpp"

namespace vidserve::api::runware {

namespace {

constexpr std::size_t kMaxEcho = 40;

void bad_value(Envelope& out, const char* name, const std::string& value,
               const std::string& expected) {
  out.error(400, core::errc::kInvalidValue,
            std::string(name) + " must be " + expected + "; got " +
                text::quoted(text::excerpt(value, kMaxEcho)) + ".",
            "", "", name);
}

}  // namespace

std::optional<store::TaskRepository::ListQuery> parse_list_query(std::string_view query,
                                                                 Envelope& out) {
  // Parsed as a relative reference, as the Kling list does (a query view that is not
  // NUL-terminated is not safe to parse on its own).
  const std::string reference = "?" + std::string(query);
  auto parsed = boost::urls::parse_relative_ref(reference);
  if (!parsed) {
    out.error(400, core::errc::kInvalidValue, "malformed query string.", "", "");
    return std::nullopt;
  }
  store::TaskRepository::ListQuery list{kDefaultListLimit, 0, {}};
  const auto params = parsed->params();
  if (auto it = params.find("status"); it != params.end()) {
    const std::string value((*it).value);
    list.status = store::parse_task_status(value);
    if (!list.status) {
      bad_value(out, "status", value, "queued, processing, success, error or cancelled");
      return std::nullopt;
    }
  }
  if (auto it = params.find("limit"); it != params.end()) {
    const std::string value((*it).value);
    std::size_t limit = 0;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), limit);
    if (ec != std::errc() || end != value.data() + value.size() || limit < 1 ||
        limit > kMaxListLimit) {
      bad_value(out, "limit", value, "a whole number from 1 to " + std::to_string(kMaxListLimit));
      return std::nullopt;
    }
    list.limit = limit;
  }
  return list;
}

boost::json::object list_item(const store::TaskRecord& record) {
  boost::json::object item{
      {"taskType", record.task_type},  {"taskUUID", record.task_uuid},
      {"model", record.model},         {"status", store::to_string(record.status)},
      {"progress", record.progress},   {"createdAt", record.created_ms},
      {"updatedAt", record.updated_ms}};
  if (record.status == store::TaskStatus::Error) {
    item["errorCode"] = record.error_code;
    item["errorMessage"] = record.error_message;
  }
  return item;
}

}  // namespace vidserve::api::runware
