#include "common/log.hpp"
#include "common/log_event.hpp"

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

// Event fields follow the message as name=value; a value with a blank or '"' is quoted.
TEST(Log, TextEventFields) {
  ASSERT_TRUE(set_level("info").ok());
  ASSERT_TRUE(set_format("text").ok());
  testing::internal::CaptureStderr();
  event(
      get(kAccess), spdlog::level::info, "access",
      {{"route", "runware"}, {"status", 200}, {"ms", 1.25}, {"key_id", ""}, {"note", "a \"b\" c"}});
  const std::string out = testing::internal::GetCapturedStderr();
  EXPECT_TRUE(std::regex_match(
      out,
      std::regex(
          R"(\S+Z info vidserve access: access route=runware status=200 ms=1.25 key_id="" note="a \\"b\\" c"\n)")))
      << out;
}

// JSON: one object per line, the fixed fields first, numbers as numbers, strings escaped; plain
// lines (no fields) too.
TEST(Log, JsonFormat) {
  ASSERT_TRUE(set_level("info").ok());
  ASSERT_TRUE(set_format("json").ok());
  testing::internal::CaptureStderr();
  event(get(kTasks), spdlog::level::warn, "task failed",
        {{"task_uuid", "u-1"},
         {"attempt", 2},
         {"code", "line\nbreak"},
         {"bytes", std::uint64_t{42}}});
  get(kWebhooks).error("plain {}", "line");
  event(get(kTasks), spdlog::level::debug, "below the level", {{"x", 1}});
  const std::string out = testing::internal::GetCapturedStderr();
  ASSERT_TRUE(set_format("text").ok());
  const auto newline = out.find('\n');
  ASSERT_NE(newline, std::string::npos);
  const std::string first = out.substr(0, newline), second = out.substr(newline + 1);
  EXPECT_TRUE(std::regex_match(
      first,
      std::regex(
          R"(\{"ts":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z","level":"warning","logger":"vidserve tasks","msg":"task failed","task_uuid":"u-1","attempt":2,"code":"line\\nbreak","bytes":42\})")))
      << first;
  EXPECT_TRUE(std::regex_match(
      second,
      std::regex(
          R"(\{"ts":"[^"]+","level":"error","logger":"vidserve webhooks","msg":"plain line"\}\n)")))
      << second;
}

TEST(Log, UnknownFormatIsRefused) {
  auto status = set_format("xml");
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, "invalidLogFormat");
  EXPECT_EQ(format(), Format::Text);
}

}  // namespace
}  // namespace vidserve::log
