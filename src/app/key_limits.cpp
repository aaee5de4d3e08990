#include "app/key_limits.hpp"

#include "worker/error_codes.hpp"

namespace vidserve::app {

namespace {

constexpr std::string_view kBilledEngine = "kling";

}  // namespace

std::optional<store::KeyLimits> stored_limits(store::KeyStore& keys, const std::string& owner) {
  if (owner.rfind("env:", 0) == 0) return std::nullopt;
  auto limits = keys.limits(owner);
  if (!limits) return std::nullopt;
  return *limits;
}

std::unique_ptr<api::tasks::RateLimiter> make_rate_limiter(const LimitDefaults& defaults,
                                                           store::KeyStore& keys,
                                                           const Clock& clock) {
  return std::make_unique<api::tasks::RateLimiter>(
      api::tasks::RateLimit{defaults.rate_per_s, defaults.burst},
      [&keys](const std::string& owner) { return stored_limits(keys, owner); }, clock);
}

worker::SpendGate make_spend_gate(const LimitDefaults& defaults, store::KeyStore& keys,
                                  store::SpendLedger& ledger) {
  return [default_cap = defaults.spend_cap, &keys, &ledger](
             const store::TaskRecord& task, std::string_view engine, money::Micros cost) -> Status {
    if (engine != kBilledEngine) return Ok{};
    const auto own = stored_limits(keys, task.owner);
    const auto cap = own && own->spend_cap ? own->spend_cap : default_cap;
    auto charged = ledger.charge(task.owner, task.key, cost, cap);
    if (!charged) return charged.error();
    if (charged->charged) return Ok{};
    return Error{worker::errc::kSpendCapExceeded,
                 "this task costs " + money::usd(cost) +
                     " and would take this API key's kling-engine spend over "
                     "its cap of " +
                     money::usd(*cap) + " (spent so far: " + money::usd(charged->spent) + ")."};
  };
}

}  // namespace vidserve::app
