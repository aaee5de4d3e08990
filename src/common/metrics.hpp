#pragma once
// The process's Prometheus metrics (prometheus-cpp's Registry), served as text by GET /metrics.
// Every component records into the one process-wide set through the functions below; label
// values come from fixed sets (route names, transitions, engine names, outcomes) or from the
// catalog (model ids, see set_known_models), never from a request's own text.
//
//   vidserve_http_requests_total{route,status}          counter
//   vidserve_http_request_duration_seconds{route}       histogram
//   vidserve_http_response_bytes_total{route}           counter
//   vidserve_task_transitions_total{transition,model}   counter (queued, claimed, finished,
//                                                        failed, cancelled, deferred)
//   vidserve_tasks{state}                               gauge, counted from the store
//   vidserve_queue_depth                                gauge, queued tasks in the store
//   vidserve_webhook_backlog                            gauge, outbox messages not yet delivered
//   vidserve_render_duration_seconds{engine,outcome}    histogram: one result's render (preview)
//                                                        or relay to the provider (kling)
//   vidserve_upstream_requests_total{upstream,outcome}  counter: calls to Kling's API
//   vidserve_upstream_request_duration_seconds{upstream} histogram
//   vidserve_ready                                      gauge, 1 while /readyz answers 200
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace vidserve::metrics {

// Route labels of vidserve_http_*.
namespace route {
inline constexpr std::string_view kRunware = "runware";               // POST /v1, /
inline constexpr std::string_view kRunwareCancel = "runware_cancel";  // DELETE /v1/tasks/{id}
inline constexpr std::string_view kRunwareList = "runware_list";  // GET /v1/tasks?status=&limit=
inline constexpr std::string_view kPreflight = "preflight";        // OPTIONS on a CORS route
inline constexpr std::string_view kKling = "kling";                   // /v1/videos/<product>...
inline constexpr std::string_view kApimart = "apimart";  // /v1/videos/generations, /v1/tasks/
inline constexpr std::string_view kMedia = "media";      // GET/HEAD /media/...
inline constexpr std::string_view kHealth = "healthz";   // /healthz, /health
inline constexpr std::string_view kReady = "readyz";
inline constexpr std::string_view kMetrics = "metrics";
inline constexpr std::string_view kOther = "other";  // anything else (404s)
}  // namespace route

// Transition labels of vidserve_task_transitions_total.
namespace transition {
inline constexpr std::string_view kQueued = "queued";
inline constexpr std::string_view kClaimed = "claimed";
inline constexpr std::string_view kFinished = "finished";
inline constexpr std::string_view kFailed = "failed";
inline constexpr std::string_view kCancelled = "cancelled";
inline constexpr std::string_view kDeferred = "deferred";
}  // namespace transition

// The model ids the model label may take (the catalog's); any other model is counted as "other".
// Called once at start-up; before it every model is "other".
void set_known_models(std::vector<std::string> models);

void record_http(std::string_view route, int status, double seconds, std::uint64_t bytes);
void record_transition(std::string_view transition, std::string_view model);
// outcome: "ok" or "error".
void record_render(std::string_view engine, std::string_view outcome, double seconds);
// outcome: "ok" (an answer the caller accepts), "retry" (rate limit, outage: tried again), "error"
// (a final refusal), "transport" (no answer: connection, timeout).
void record_upstream(std::string_view upstream, std::string_view outcome, double seconds);

// The store's counts, set by whoever reads them (the readiness loop).
void set_task_counts(const std::vector<std::pair<std::string, std::int64_t>>& by_state);
void set_queue_depth(std::int64_t queued);
void set_webhook_backlog(std::int64_t messages);
void set_ready(bool ready);

// Every metric above in the Prometheus text exposition format (version 0.0.4).
std::string text();
inline constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

}  // namespace vidserve::metrics
