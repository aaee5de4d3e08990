#include "api/ops/ops_routes.hpp"

#include <gtest/gtest.h>

#include "common/metrics.hpp"

namespace vidserve::api::ops {
namespace {

namespace bhttp = http::bhttp;

http::Request request(bhttp::verb verb, std::string_view target, std::string_view authorization = {}) {
  http::Request req{verb, std::string(target), 11};
  if (!authorization.empty()) req.set(bhttp::field::authorization, authorization);
  return req;
}

// (answered, status, bytes)
std::tuple<bool, int, std::uint64_t> ask(const http::Request& req, const OpsOptions& options) {
  Access access;
  const std::string_view target(req.target().data(), req.target().size());
  auto answer = ops_response(req, target, options, access);
  return {answer.has_value(), access.status, access.bytes};
}

TEST(OpsRoutes, HealthAndAliasWithoutKey) {
  EXPECT_EQ(ask(request(bhttp::verb::get, "/healthz"), {}), std::make_tuple(true, 200, std::uint64_t{15}));
  EXPECT_EQ(ask(request(bhttp::verb::get, "/health"), {}), std::make_tuple(true, 200, std::uint64_t{15}));
  EXPECT_EQ(ask(request(bhttp::verb::head, "/healthz"), {}), std::make_tuple(true, 200, std::uint64_t{0}));
}

TEST(OpsRoutes, OtherMethodsAndPathsAreNotOurs) {
  EXPECT_FALSE(std::get<0>(ask(request(bhttp::verb::post, "/healthz"), {})));
  EXPECT_FALSE(std::get<0>(ask(request(bhttp::verb::get, "/healthz/x"), {})));
  EXPECT_FALSE(std::get<0>(ask(request(bhttp::verb::get, "/v1"), {})));
}

TEST(OpsRoutes, ReadyzFollowsTheReadiness) {
  EXPECT_EQ(std::get<1>(ask(request(bhttp::verb::get, "/readyz"), {})), 200);  // nothing to check
  Readiness down({{"store", [] { return Status(Error{"storeUnavailable", "connection refused"}); }}});
  down.start();
  EXPECT_EQ(std::get<1>(ask(request(bhttp::verb::get, "/readyz"), {&down, ""})), 503);
  down.stop();
}

TEST(OpsRoutes, MetricsTokenIsCheckedWhenSet) {
  metrics::record_http(metrics::route::kMetrics, 200, 0.001, 1);  // at least one family to print
  const OpsOptions open{nullptr, ""};
  const OpsOptions guarded{nullptr, "s3cret-token"};
  EXPECT_EQ(std::get<1>(ask(request(bhttp::verb::get, "/metrics"), open)), 200);
  EXPECT_GT(std::get<2>(ask(request(bhttp::verb::get, "/metrics"), open)), 100u);
  EXPECT_EQ(std::get<1>(ask(request(bhttp::verb::get, "/metrics"), guarded)), 401);
  EXPECT_EQ(std::get<1>(ask(request(bhttp::verb::get, "/metrics", "Bearer wrong-token"), guarded)), 401);
  EXPECT_EQ(std::get<1>(ask(request(bhttp::verb::get, "/metrics", "Bearer s3cret-tokenX"), guarded)), 401);
  EXPECT_EQ(std::get<1>(ask(request(bhttp::verb::get, "/metrics", "s3cret-token"), guarded)), 401);
  EXPECT_EQ(std::get<1>(ask(request(bhttp::verb::get, "/metrics", "Bearer s3cret-token"), guarded)), 200);
}

}  // namespace
}  // namespace vidserve::api::ops
