#include "common/log.hpp"

#include <gtest/gtest.h>

#include <regex>
#include <string>

namespace vidserve::log {
namespace {

// The level applies to every logger, those made before and after set_level.
TEST(Log, LevelAppliesToEveryLogger) {
  auto& before = get("vidserve test-before");
  ASSERT_TRUE(set_level("error").ok());
  auto& after = get("vidserve test-after");
  EXPECT_EQ(before.level(), spdlog::level::err);
  EXPECT_EQ(after.level(), spdlog::level::err);
  EXPECT_FALSE(before.should_log(spdlog::level::warn));
  ASSERT_TRUE(set_level("warn").ok());
  EXPECT_EQ(before.level(), spdlog::level::warn);
  ASSERT_TRUE(set_level("debug").ok());
  EXPECT_TRUE(after.should_log(spdlog::level::debug));
  ASSERT_TRUE(set_level("off").ok());
  EXPECT_FALSE(after.should_log(spdlog::level::critical));
  ASSERT_TRUE(set_level("info").ok());
  EXPECT_EQ(get().level(), spdlog::level::info);
}

TEST(Log, UnknownLevelIsRefusedAndChangesNothing) {
  ASSERT_TRUE(set_level("info").ok());
  for (const char* name : {"verbose", "", "INFO", "warning2"}) {
    auto status = set_level(name);
    ASSERT_FALSE(status.ok()) << name;
    EXPECT_EQ(status.error().code, "invalidLogLevel");
    EXPECT_EQ(get().level(), spdlog::level::info);
  }
}

// One line on stderr: UTC time, level, logger name, message.
TEST(Log, LineFormat) {
  ASSERT_TRUE(set_level("info").ok());
  testing::internal::CaptureStderr();
  get(kWebhooks).warn("task {}: webhook not sent", 7);
  get(kWebhooks).debug("below the level");
  const std::string out = testing::internal::GetCapturedStderr();
  EXPECT_TRUE(std::regex_match(
      out,
      std::regex(
          R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z warning vidserve webhooks: task 7: webhook not sent\n)")))
      << out;
}

TEST(Log, SameNameSameLogger) {
  EXPECT_EQ(&get(kHttp), &get(kHttp));
  EXPECT_NE(&get(kHttp), &get(kWebhooks));
  EXPECT_EQ(get(kWebhooks).name(), "vidserve webhooks");
  EXPECT_EQ(&get(), &get(kServer));
}

}  // namespace
}  // namespace vidserve::log
