#include "common/metrics.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <regex>
#include <string>

namespace vidserve::metrics {
namespace {

// The value of the sample line `series` (name with labels, as written) in the text format; -1
// when absent.
double sample(const std::string& text, const std::string& series) {
  const auto at = text.find("\n" + series + " ");
  if (at == std::string::npos) return -1;
  return std::stod(text.substr(at + series.size() + 2));
}

TEST(Metrics, HttpRequestsByRouteAndStatus) {
  const auto before = sample(text(), R"(vidserve_http_requests_total{route="media",status="206"})");
  record_http(route::kMedia, 206, 0.003, 1000);
  record_http(route::kMedia, 206, 0.2, 24);
  const auto out = text();
  EXPECT_EQ(sample(out, R"(vidserve_http_requests_total{route="media",status="206"})"),
            std::max(before, 0.0) + 2);
  EXPECT_GE(sample(out, R"(vidserve_http_response_bytes_total{route="media"})"), 1024);
  EXPECT_GE(
      sample(out, R"(vidserve_http_request_duration_seconds_bucket{route="media",le="0.005"})"), 1);
  EXPECT_NE(out.find("# TYPE vidserve_http_request_duration_seconds histogram"), std::string::npos);
}

// Model labels come only from the known models; anything else is "other".
TEST(Metrics, UnknownModelsAreOther) {
  set_known_models({"klingai:5@3", "klingai:6@1"});
  record_transition(transition::kQueued, "klingai:5@3");
  record_transition(transition::kQueued, "attacker-chosen-text");
  const auto out = text();
  EXPECT_GE(
      sample(out, R"(vidserve_task_transitions_total{model="klingai:5@3",transition="queued"})"),
      1);
  EXPECT_GE(sample(out, R"(vidserve_task_transitions_total{model="other",transition="queued"})"),
            1);
  EXPECT_EQ(out.find("attacker-chosen-text"), std::string::npos);
}

TEST(Metrics, GaugesAndUpstream) {
  set_task_counts({{"queued", 3}, {"success", 7}});
  set_queue_depth(3);
  set_webhook_backlog(5);
  set_ready(true);
  record_upstream("kling", "retry", 0.5);
  record_render("preview", "ok", 1.5);
  const auto out = text();
  EXPECT_EQ(sample(out, R"(vidserve_tasks{state="success"})"), 7);
  EXPECT_EQ(sample(out, "vidserve_queue_depth"), 3);
  EXPECT_EQ(sample(out, "vidserve_webhook_backlog"), 5);
  EXPECT_EQ(sample(out, "vidserve_ready"), 1);
  EXPECT_GE(sample(out, R"(vidserve_upstream_requests_total{outcome="retry",upstream="kling"})"),
            1);
  EXPECT_GE(sample(out, R"(vidserve_render_duration_seconds_count{engine="preview",outcome="ok"})"),
            1);
}

}  // namespace
}  // namespace vidserve::metrics
