#include "api/kling/native_task_view.hpp"

#include <algorithm>

#include "api/tasks/intake.hpp"

namespace vidserve::api::kling {

namespace json = boost::json;

namespace {

const char* native_status(store::TaskStatus status) {
  switch (status) {
    case store::TaskStatus::Queued: return "submitted";
    case store::TaskStatus::Processing: return "processing";
    case store::TaskStatus::Success: return "succeed";
    case store::TaskStatus::Error:
    case store::TaskStatus::Cancelled: return "failed";
  }
  return "failed";
}

// Kling's task view has no field for notes either: a succeeded task's message carries the
// engine's notes on how it used the inputs (each once), after the preview note.
std::string with_notes(std::string message, const tasks::TaskMedia& media) {
  std::vector<std::string> notes;
  for (const auto& result : media.results) {
    for (const auto& note : result.notes) {
      if (std::find(notes.begin(), notes.end(), note) == notes.end()) notes.push_back(note);
    }
  }
  for (const auto& note : notes) message += (message.empty() ? "" : "; ") + note;
  return message;
}

}  // namespace

json::object native_task(const tasks::Context& s, const store::TaskRecord& record) {
  json::object task{{"task_id", record.task_uuid}, {"task_status", native_status(record.status)}};
  std::string message;
  if (record.status == store::TaskStatus::Error) {
    // Kling's task view has no field for the parameter at fault: the message names it.
    const auto e = tasks::task_error(record);
    const auto name = e.parameter.empty() ? std::string() : tasks::caller_name(s, record, e.parameter) + ": ";
    message = e.code + ": " + name + e.message;
  }
  if (record.status == store::TaskStatus::Cancelled) message = "the task was cancelled";
  const auto media = tasks::task_media(s, record);
  json::array videos;
  for (const auto& result : media.results) {
    videos.push_back(json::object{
        {"id", result.id}, {"url", result.url}, {"duration", tasks::seconds_text(result.duration_s)}});
  }
  if (media.preview) message = tasks::kPreviewNote;
  message = with_notes(std::move(message), media);
  task["task_status_msg"] = message;
  task["task_info"] = json::object{{"external_task_id", record.external_id}};
  task["task_result"] = json::object{{"videos", std::move(videos)}};
  task["watermark_info"] = json::object{{"enabled", false}};
  task["created_at"] = record.created_ms;
  task["updated_at"] = record.updated_ms;
  return task;
}

}  // namespace vidserve::api::kling
