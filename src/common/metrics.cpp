#include "common/metrics.hpp"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <algorithm>
#include <memory>
#include <mutex>

namespace vidserve::metrics {

namespace {

namespace pm = prometheus;

// Request latencies: 1 ms to 10 s.
const pm::Histogram::BucketBoundaries kHttpBuckets{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                                   0.25,  0.5,    1,     2.5,  5,     10};
// Renders and relays: 50 ms to 30 min.
const pm::Histogram::BucketBoundaries kRenderBuckets{0.05, 0.1, 0.25, 0.5, 1,   2.5, 5,
                                                     10,   30,  60,   120, 300, 600, 1800};
// Upstream API calls: 10 ms to 2 min.
const pm::Histogram::BucketBoundaries kUpstreamBuckets{0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
                                                       1,    2.5,   5,    10,  30,   120};

struct Metrics {
  std::shared_ptr<pm::Registry> registry = std::make_shared<pm::Registry>();
  pm::Family<pm::Counter>& http_requests = pm::BuildCounter()
                                               .Name("vidserve_http_requests_total")
                                               .Help("HTTP requests answered, by route and status")
                                               .Register(*registry);
  pm::Family<pm::Histogram>& http_seconds =
      pm::BuildHistogram()
          .Name("vidserve_http_request_duration_seconds")
          .Help("Time from a request's arrival to its response, by route")
          .Register(*registry);
  pm::Family<pm::Counter>& http_bytes = pm::BuildCounter()
                                            .Name("vidserve_http_response_bytes_total")
                                            .Help("Response body bytes, by route")
                                            .Register(*registry);
  pm::Family<pm::Counter>& transitions =
      pm::BuildCounter()
          .Name("vidserve_task_transitions_total")
          .Help("Task state changes made by this process, by transition and model")
          .Register(*registry);
  pm::Family<pm::Gauge>& tasks = pm::BuildGauge()
                                     .Name("vidserve_tasks")
                                     .Help("Tasks in the store, by state (read every 5 s)")
                                     .Register(*registry);
  pm::Gauge& queue_depth = pm::BuildGauge()
                               .Name("vidserve_queue_depth")
                               .Help("Queued tasks in the store (read every 5 s)")
                               .Register(*registry)
                               .Add({});
  pm::Gauge& webhook_backlog =
      pm::BuildGauge()
          .Name("vidserve_webhook_backlog")
          .Help("Webhook messages waiting for delivery in the outbox (read every 5 s)")
          .Register(*registry)
          .Add({});
  pm::Family<pm::Histogram>& render_seconds =
      pm::BuildHistogram()
          .Name("vidserve_render_duration_seconds")
          .Help(
              "Time to render one result (preview) or relay it through the provider (kling), by "
              "engine and outcome")
          .Register(*registry);
  pm::Family<pm::Counter>& upstream = pm::BuildCounter()
                                          .Name("vidserve_upstream_requests_total")
                                          .Help("Calls to an upstream API, by upstream and outcome")
                                          .Register(*registry);
  pm::Family<pm::Histogram>& upstream_seconds =
      pm::BuildHistogram()
          .Name("vidserve_upstream_request_duration_seconds")
          .Help("Time of one call to an upstream API")
          .Register(*registry);
  pm::Gauge& ready = pm::BuildGauge()
                         .Name("vidserve_ready")
                         .Help("1 while the process is ready (GET /readyz answers 200), else 0")
                         .Register(*registry)
                         .Add({});
  std::mutex models_mutex;
  std::vector<std::string> known_models;  // sorted
};

Metrics& metrics() {
  static Metrics* m = new Metrics();  // never destroyed: recorded into until the process exits
  return *m;
}

std::string model_label(Metrics& m, std::string_view model) {
  std::lock_guard lock(m.models_mutex);
  const auto it = std::lower_bound(m.known_models.begin(), m.known_models.end(), model);
  if (it != m.known_models.end() && *it == model) return *it;
  return "other";
}

}  // namespace

void set_known_models(std::vector<std::string> models) {
  auto& m = metrics();
  std::sort(models.begin(), models.end());
  std::lock_guard lock(m.models_mutex);
  m.known_models = std::move(models);
}

void record_http(std::string_view route, int status, double seconds, std::uint64_t bytes) {
  auto& m = metrics();
  const std::string r(route);
  m.http_requests.Add({{"route", r}, {"status", std::to_string(status)}}).Increment();
  m.http_seconds.Add({{"route", r}}, kHttpBuckets).Observe(seconds);
  m.http_bytes.Add({{"route", r}}).Increment(static_cast<double>(bytes));
}

void record_transition(std::string_view transition, std::string_view model) {
  auto& m = metrics();
  m.transitions.Add({{"transition", std::string(transition)}, {"model", model_label(m, model)}})
      .Increment();
}

void record_render(std::string_view engine, std::string_view outcome, double seconds) {
  metrics()
      .render_seconds
      .Add({{"engine", std::string(engine)}, {"outcome", std::string(outcome)}}, kRenderBuckets)
      .Observe(seconds);
}

void record_upstream(std::string_view upstream, std::string_view outcome, double seconds) {
  auto& m = metrics();
  const std::string u(upstream);
  m.upstream.Add({{"upstream", u}, {"outcome", std::string(outcome)}}).Increment();
  m.upstream_seconds.Add({{"upstream", u}}, kUpstreamBuckets).Observe(seconds);
}

void set_task_counts(const std::vector<std::pair<std::string, std::int64_t>>& by_state) {
  auto& m = metrics();
  for (const auto& [state, count] : by_state)
    m.tasks.Add({{"state", state}}).Set(static_cast<double>(count));
}

void set_queue_depth(std::int64_t queued) {
  metrics().queue_depth.Set(static_cast<double>(queued));
}

void set_webhook_backlog(std::int64_t messages) {
  metrics().webhook_backlog.Set(static_cast<double>(messages));
}

void set_ready(bool ready) {
  metrics().ready.Set(ready ? 1 : 0);
}

std::string text() {
  pm::TextSerializer serializer;
  return serializer.Serialize(metrics().registry->Collect());
}

}  // namespace vidserve::metrics
