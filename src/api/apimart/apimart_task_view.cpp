#include "api/apimart/apimart_task_view.hpp"

#include <algorithm>
#include <cmath>

#include "api/apimart/error_codes.hpp"
#include "api/tasks/intake.hpp"

namespace vidserve::api::apimart {

namespace json = boost::json;

namespace {

constexpr std::int64_t kEstimatedSeconds = 60;  // what APIMart's example reports; ours is a guess too

const char* status_text(store::TaskStatus status) {
  switch (status) {
    case store::TaskStatus::Queued: return "pending";
    case store::TaskStatus::Processing: return "processing";
    case store::TaskStatus::Success: return "completed";
    case store::TaskStatus::Error: return "failed";
    case store::TaskStatus::Cancelled: return "cancelled";
  }
  return "failed";
}

// The task's stored progress (written by its worker as the engine reports it): 0 while pending,
// 100 when completed; while processing at least 1, so a client sees that it started, and at most
// 99 until it is done.
std::int64_t progress_of(const store::TaskRecord& t) {
  if (t.status == store::TaskStatus::Success) return 100;
  if (t.status != store::TaskStatus::Processing) return 0;
  return std::clamp(t.progress, 1, 99);
}

// 5 rather than 5.0 (which Boost.JSON writes as 5E0).
json::value seconds_value(double seconds) {
  if (std::floor(seconds) == seconds && std::abs(seconds) < 1e15) return static_cast<std::int64_t>(seconds);
  return std::round(seconds * 100) / 100;
}

}  // namespace

json::object task_view(const tasks::Context& s, const store::TaskRecord& t) {
  json::object data{{"id", std::string(kTaskPrefix) + t.task_uuid},
                    {"status", status_text(t.status)},
                    {"progress", progress_of(t)},
                    {"created", t.created_ms / 1000},
                    {"estimated_time", kEstimatedSeconds}};
  if (t.status == store::TaskStatus::Success) {
    const auto media = tasks::task_media(s, t);
    json::array videos;
    for (const auto& result : media.results) {
      json::object video{{"url", json::array{json::value(result.url)}}, {"duration", seconds_value(result.duration_s)}};
      if (!result.notes.empty()) video["notes"] = json::array(result.notes.begin(), result.notes.end());
      videos.push_back(std::move(video));
    }
    data["result"] = json::object{{"videos", std::move(videos)}};
    if (media.preview) data["result"].as_object()["note"] = tasks::kPreviewNote;
  }
  if (store::is_terminal(t.status)) {
    data["completed"] = t.updated_ms / 1000;
    data["actual_time"] = (t.updated_ms - t.created_ms) / 1000;
  }
  if (t.status == store::TaskStatus::Error) {
    const auto e = tasks::task_error(t);
    json::object error{{"code", e.code}, {"message", e.message}, {"type", errc::kTaskFailed}};
    if (!e.parameter.empty()) {
      const auto name = tasks::caller_name(s, t, e.parameter);
      error["message"] = name + ": " + e.message;
      error["param"] = name;
    }
    data["error"] = std::move(error);
  }
  return data;
}

}  // namespace vidserve::api::apimart
