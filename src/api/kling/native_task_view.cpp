#include "api/kling/native_task_view.hpp"

#include "api/tasks/intake.hpp"
#include "core/scheduler/result_payload.hpp"

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

}  // namespace

json::object native_task(const runware::Services& s, const store::TaskRecord& record) {
  json::object task{{"task_id", record.task_uuid}, {"task_status", native_status(record.status)}};
  std::string message;
  if (record.status == store::TaskStatus::Error) message = record.error_code + ": " + record.error_message;
  if (record.status == store::TaskStatus::Cancelled) message = "the task was cancelled";
  json::array videos;
  bool preview = false;
  if (record.status == store::TaskStatus::Success) {
    for (const auto& result : record.results) {
      const auto payload = core::decode_result_payload(result.payload);
      preview = preview || payload.engine == "preview";
      videos.push_back(json::object{{"id", result.media_uuid},
                                    {"url", tasks::media_url(s, result, payload)},
                                    {"duration", tasks::seconds_text(payload.duration_s)}});
    }
  }
  // Never pass a preview render off as Kling's output.
  if (preview) message = "rendered by vidserve's preview engine: a placeholder video, not Kling model output";
  task["task_status_msg"] = message;
  task["task_info"] = json::object{{"external_task_id", record.external_id}};
  task["task_result"] = json::object{{"videos", std::move(videos)}};
  task["watermark_info"] = json::object{{"enabled", false}};
  task["created_at"] = record.created_ms;
  task["updated_at"] = record.updated_ms;
  return task;
}

}  // namespace vidserve::api::kling
