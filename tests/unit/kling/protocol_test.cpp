// Kling's {code, message, request_id, data} envelope and documented error codes -> success, retry
// or a clear error; backoff.
#include "engine/kling/protocol.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace vidserve::engine::kling {
namespace {

using namespace std::chrono_literals;

Reply error_reply(int http, int code, const std::string& message) {
  return parse_reply(http, R"({"code":)" + std::to_string(code) + R"(,"message":")" + message +
                               R"(","request_id":"req-1"})");
}

TEST(KlingProtocol, ParsesACreateAnswer) {
  const auto r = parse_reply(200, R"({"code":0,"message":"SUCCEED","request_id":"r1","data":{
      "task_id":"827996385395363846","task_status":"submitted","created_at":1722769557708,
      "task_info":{"external_task_id":"t-0"}}})");
  EXPECT_TRUE(r.json);
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.task_id, "827996385395363846");
  EXPECT_EQ(r.task_status, "submitted");
  EXPECT_EQ(judge(r).verdict, Verdict::Success);
}

TEST(KlingProtocol, ParsesVideoAndImageResults) {
  const auto video = parse_reply(200, R"({"code":0,"data":{"task_id":"1","task_status":"succeed",
      "task_result":{"videos":[{"id":"v","url":"https://cdn/x.mp4","duration":"5.041"}]}}})");
  EXPECT_EQ(video.result_url, "https://cdn/x.mp4");
  ASSERT_TRUE(video.result_duration_s);
  EXPECT_DOUBLE_EQ(*video.result_duration_s, 5.041);
  EXPECT_TRUE(task_finished(video.task_status));
  const auto image = parse_reply(200, R"({"code":0,"data":{"task_id":"2","task_status":"succeed",
      "task_result":{"images":[{"index":0,"url":"https://cdn/y.png"}]}}})");
  EXPECT_EQ(image.result_url, "https://cdn/y.png");
  const auto failed = parse_reply(200, R"({"code":0,"data":{"task_id":"3","task_status":"failed",
      "task_status_msg":"content moderation"}})");
  EXPECT_EQ(failed.task_status_msg, "content moderation");
  EXPECT_TRUE(task_finished(failed.task_status));
  EXPECT_FALSE(task_finished("processing"));
}

TEST(KlingProtocol, AuthCodesFailWithProviderAuthFailed) {
  for (int code : {1000, 1001, 1002, 1003, 1004}) {
    const auto j = judge(error_reply(401, code, "Authorization is invalid"));
    EXPECT_EQ(j.verdict, Verdict::Fail) << code;
    EXPECT_EQ(j.error.code, "providerAuthFailed") << code;
    EXPECT_NE(j.error.message.find("code " + std::to_string(code) + ": Authorization is invalid"),
              std::string::npos)
        << j.error.message;
  }
  EXPECT_EQ(judge(error_reply(401, 1002, "x")).error.message,
            "Kling rejected the access key (code 1002: x; request_id req-1); check "
            "VIDSERVE_KLING_ACCESS_KEY and "
            "VIDSERVE_KLING_SECRET_KEY.");
}

TEST(KlingProtocol, BusinessCodesMapToClearErrors) {
  struct Case {
    int http, code;
    const char* expected;
  };
  const std::vector<Case> cases{
      {429, 1100, "providerAccountError"},
      {429, 1101, "providerInsufficientCredits"},
      {429, 1102, "providerInsufficientCredits"},
      {403, 1103, "providerPermissionDenied"},
      {400, 1200, "providerInvalidRequest"},
      {400, 1201, "providerInvalidRequest"},
      {404, 1202, "providerInvalidRequest"},
      {404, 1203, "providerInvalidRequest"},
      {400, 1300, "contentPolicyViolation"},
      {400, 1301, "contentPolicyViolation"},
      {429, 1304, "providerAccessDenied"},
      {400, 1999, "providerInvalidRequest"},
      {409, 1999, "providerError"},
  };
  for (const auto& c : cases) {
    const auto j = judge(error_reply(c.http, c.code, "m"));
    EXPECT_EQ(j.verdict, Verdict::Fail) << c.code;
    EXPECT_EQ(j.error.code, c.expected) << c.code;
  }
  // A 429 that means "no balance" is not retried (only 1302/1303 are).
  EXPECT_EQ(judge(error_reply(429, 1102, "m")).verdict, Verdict::Fail);
}

TEST(KlingProtocol, RateLimitsAndOutagesAreRetried) {
  EXPECT_EQ(judge(error_reply(429, 1303, "parallel task over resource pack limit")).verdict,
            Verdict::Retry);
  EXPECT_EQ(judge(error_reply(429, 1303, "x")).error.code, "providerRateLimited");
  EXPECT_EQ(judge(error_reply(429, 1302, "x")).verdict, Verdict::Retry);
  EXPECT_EQ(judge(error_reply(500, 5000, "x")).verdict, Verdict::Retry);
  EXPECT_EQ(judge(error_reply(503, 5001, "x")).verdict, Verdict::Retry);
  EXPECT_EQ(judge(error_reply(504, 5002, "x")).verdict, Verdict::Retry);
  // A code 1303 inside a 200 is still a rate limit.
  EXPECT_EQ(judge(error_reply(200, 1303, "x")).verdict, Verdict::Retry);
  // Bodies that are not JSON: judged by status.
  EXPECT_EQ(judge(parse_reply(429, "Too Many Requests")).verdict, Verdict::Retry);
  EXPECT_EQ(judge(parse_reply(502, "<html>bad gateway</html>")).verdict, Verdict::Retry);
  EXPECT_EQ(judge(parse_reply(401, "")).error.code, "providerAuthFailed");
  EXPECT_EQ(judge(parse_reply(200, "<html>")).error.code, "providerError");
  EXPECT_EQ(judge(parse_reply(418, "teapot")).error.code, "providerError");
}

TEST(KlingProtocol, BackoffDoublesUpToTheMaximum) {
  std::vector<long> delays;
  for (int i = 0; i < 7; ++i) delays.push_back(backoff_delay(1000ms, 10000ms, i).count());
  EXPECT_EQ(delays, (std::vector<long>{1000, 2000, 4000, 8000, 10000, 10000, 10000}));
  EXPECT_EQ(backoff_delay(200ms, 1000ms, 100).count(), 1000);  // no overflow
  EXPECT_EQ(backoff_delay(0ms, 5ms, 0).count(), 1);
}

}  // namespace
}  // namespace vidserve::engine::kling
