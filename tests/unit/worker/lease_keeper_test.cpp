// LeaseKeeper: one pass (renew_all) renews every claim held; a claim the store refuses is dropped,
// one it cannot reach (an outage) is kept for the next pass. Simulated time only.
#include "worker/lease_keeper.hpp"

#include <gtest/gtest.h>

#include "store/memory_task_store.hpp"

namespace vidserve::worker {
namespace {

using namespace std::chrono_literals;

constexpr std::int64_t kLease = 30'000;

class LeaseKeeperTest : public testing::Test {
 protected:
  LeaseKeeperTest() : tasks_(clock_) {}

  store::TaskRecord claimed(const std::string& uuid) {
    store::TaskRecord task;
    task.task_uuid = uuid;
    task.owner = "owner";
    task.task_type = "videoInference";
    task.model = "fake:1";
    EXPECT_TRUE(tasks_.enqueue(task));
    return **tasks_.claim_next("w1", kLease);
  }
  std::int64_t lease_of(const std::string& uuid) {
    return tasks_.get("owner", uuid)->lease_expires_ms;
  }

  FakeClock clock_;
  store::MemoryTaskStore tasks_;
  LeaseKeeper keeper_{tasks_, kLease, 1h, clock_};  // never started: the test runs the passes
};

TEST_F(LeaseKeeperTest, PeriodIsASixthOfTheLeaseWithinBounds) {
  EXPECT_EQ(LeaseKeeper::period_for(30'000), 5s);
  EXPECT_EQ(LeaseKeeper::period_for(3'000), 1s);
  EXPECT_EQ(LeaseKeeper::period_for(10 * 60'000), 60s);
}

TEST_F(LeaseKeeperTest, RenewsEveryClaimHeldUntilReleased) {
  const auto a = claimed("a"), b = claimed("b");
  keeper_.hold(store::claim_of(a));
  keeper_.hold(store::claim_of(b));
  clock_.advance_ms(20'000);
  keeper_.renew_all();
  EXPECT_EQ(lease_of("a"), clock_.now_ms() + kLease);
  EXPECT_EQ(lease_of("b"), clock_.now_ms() + kLease);
  keeper_.release(store::claim_of(a));
  const auto a_lease = lease_of("a");
  clock_.advance_ms(20'000);
  keeper_.renew_all();
  EXPECT_EQ(lease_of("a"), a_lease);  // released: left to run out
  EXPECT_EQ(lease_of("b"), clock_.now_ms() + kLease);
  EXPECT_EQ(keeper_.held(), 1u);
}

// A claim the store refuses (the client cancelled the task, or it was claimed again) is dropped;
// releasing an older claim of a task leaves a newer one held.
TEST_F(LeaseKeeperTest, DropsClaimsTheStoreRefuses) {
  const auto a = claimed("a");
  keeper_.hold(store::claim_of(a));
  ASSERT_TRUE(tasks_.cancel("owner", "a"));
  keeper_.renew_all();
  EXPECT_EQ(keeper_.held(), 0u);

  const auto b = claimed("b");
  keeper_.hold(store::claim_of(b));
  clock_.advance_ms(kLease + 1);  // expired and claimed again, by this process's other worker
  const auto again = **tasks_.claim_next("w2", kLease);
  ASSERT_EQ(again.key, b.key);
  keeper_.renew_all();  // the old claim is refused
  EXPECT_EQ(keeper_.held(), 0u);
  keeper_.hold(store::claim_of(again));
  keeper_.release(store::claim_of(b));  // the old claim's worker ends late
  EXPECT_EQ(keeper_.held(), 1u);
}

}  // namespace
}  // namespace vidserve::worker
