#include "worker/lease_keeper.hpp"

#include <algorithm>
#include <vector>

#include "common/log.hpp"
#include "store/error_codes.hpp"

namespace vidserve::worker {

std::chrono::milliseconds LeaseKeeper::period_for(std::int64_t lease_ms) {
  return std::chrono::milliseconds(std::clamp<std::int64_t>(lease_ms / 6, 1'000, 60'000));
}

LeaseKeeper::LeaseKeeper(store::TaskQueue& tasks, std::int64_t lease_ms,
                         std::chrono::milliseconds period, const Clock& clock)
    : tasks_(tasks), lease_ms_(lease_ms), clock_(clock), loop_(period, [this] { renew_all(); }) {}

LeaseKeeper::~LeaseKeeper() {
  stop();
}

void LeaseKeeper::start() {
  loop_.start();
}

void LeaseKeeper::stop() {
  loop_.stop();
}

void LeaseKeeper::hold(const store::Claim& claim) {
  const std::lock_guard lock(mutex_);
  held_[claim.key] = claim;
}

void LeaseKeeper::release(const store::Claim& claim) {
  const std::lock_guard lock(mutex_);
  const auto it = held_.find(claim.key);
  if (it != held_.end() && it->second == claim) held_.erase(it);
}

std::size_t LeaseKeeper::held() const {
  const std::lock_guard lock(mutex_);
  return held_.size();
}

void LeaseKeeper::renew_all() {
  std::vector<store::Claim> claims;
  {
    const std::lock_guard lock(mutex_);
    for (const auto& [key, claim] : held_) claims.push_back(claim);
  }
  for (const auto& claim : claims) {
    auto renewed = tasks_.renew_lease(claim, lease_ms_);
    if (renewed) continue;
    const auto& code = renewed.error().code;
    if (code == store::errc::kLeaseLost || code == store::errc::kCancelled ||
        code == store::errc::kInvalidState || code == store::errc::kNotFound) {
      release(claim);  // no longer this claim's task
      continue;
    }
    // The store is away (or busy): the next pass tries again, while the lease lasts.
    if (const auto left_out = log_.admit(clock_.monotonic_ms())) {
      log::get().warn(
          "renewing the lease of task {} failed: {}{}", claim.key, renewed.error().message,
          *left_out ? " (" + std::to_string(*left_out) + " similar lines left out)" : "");
    }
  }
}

}  // namespace vidserve::worker
