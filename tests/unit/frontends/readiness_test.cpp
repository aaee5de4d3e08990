#include "api/ops/readiness.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace vidserve::api::ops {
namespace {

using namespace std::chrono_literals;

TEST(Readiness, ReadyWhenEveryCheckPasses) {
  Readiness readiness(
      {{"store", [] { return Status(Ok{}); }}, {"engines", [] { return Status(Ok{}); }}});
  readiness.start();
  const auto verdict = readiness.verdict();
  EXPECT_TRUE(verdict.ready);
  EXPECT_EQ(verdict.json, R"({"status":"ready","checks":{"store":"ok","engines":"ok"}})");
}

// The failed check is named with its reason; the verdict follows the checks as they change.
TEST(Readiness, FailedCheckIsNamedAndRecovers) {
  std::atomic<bool> store_up{false};
  Readiness readiness({{"store",
                        [&] {
                          if (store_up) return Status(Ok{});
                          return Status(Error{"storeUnavailable", "connection refused"});
                        }},
                       {"media", [] { return Status(Ok{}); }}},
                      Readiness::Duration(20));
  readiness.start();
  auto verdict = readiness.verdict();
  EXPECT_FALSE(verdict.ready);
  EXPECT_EQ(verdict.json,
            R"({"status":"not ready","checks":{"store":"connection refused","media":"ok"}})");
  store_up = true;
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (!readiness.verdict().ready && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(5ms);
  EXPECT_TRUE(readiness.verdict().ready);
}

// A check that does not return turns the process not ready after stale_after; verdict() does not
// wait for it.
TEST(Readiness, HungCheckIsNotReadyWithoutBlocking) {
  std::atomic<bool> hang{false}, release{false};
  Readiness readiness({{"store",
                        [&] {
                          while (hang && !release) std::this_thread::sleep_for(1ms);
                          return Status(Ok{});
                        }}},
                      Readiness::Duration(10), Readiness::Duration(100));
  readiness.start();
  EXPECT_TRUE(readiness.verdict().ready);
  hang = true;
  std::this_thread::sleep_for(300ms);
  const auto asked = std::chrono::steady_clock::now();
  const auto verdict = readiness.verdict();
  EXPECT_LT(std::chrono::steady_clock::now() - asked, 50ms);
  EXPECT_FALSE(verdict.ready);
  EXPECT_NE(verdict.json.find(R"("store":"no answer for )"), std::string::npos) << verdict.json;
  release = true;
  readiness.stop();
}

}  // namespace
}  // namespace vidserve::api::ops
