#include "app/key_limits.hpp"

#include "worker/error_codes.hpp"

namespace vidserve::app {

namespace {

constexpr std::string_view kBilledEngine = "kling";

// The key's own cap, else the default; nullopt: no cap.
std::optional<money::Micros> cap_of(const LimitDefaults& defaults, store::KeyStore& keys,
                                    const std::string& owner) {
  const auto own = stored_limits(keys, owner);
  return own && own->spend_cap ? own->spend_cap : defaults.spend_cap;
}

Error cap_exceeded(money::Micros cost, money::Micros cap, money::Micros spent) {
  return Error{worker::errc::kSpendCapExceeded,
               "this task costs " + money::usd(cost) +
                   " and would take this API key's kling-engine spend over its cap of " +
                   money::usd(cap) + " (spent so far: " + money::usd(spent) + ")."};
}

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

SpendCheck make_spend_check(const LimitDefaults& defaults, store::KeyStore& keys,
                            store::SpendLedger& ledger, const engine::EngineRouter& engines) {
  return [defaults, &keys, &ledger, &engines](const std::string& owner, const std::string& model,
                                              money::Micros cost) -> Status {
    const auto* engine = engines.engine_for(model);
    if (!engine || engine->name() != kBilledEngine) return Ok{};
    const auto cap = cap_of(defaults, keys, owner);
    if (!cap) return Ok{};
    auto spent = ledger.spent(owner);
    if (!spent || *spent + cost <= *cap)
      return Ok{};  // a read error leaves it to the worker's charge
    return cap_exceeded(cost, *cap, *spent);
  };
}

worker::SpendGate make_spend_gate(const LimitDefaults& defaults, store::KeyStore& keys,
                                  store::SpendLedger& ledger) {
  return [defaults, &keys, &ledger](const store::TaskRecord& task, std::string_view engine,
                                    money::Micros cost) -> Status {
    if (engine != kBilledEngine) return Ok{};
    const auto cap = cap_of(defaults, keys, task.owner);
    auto charged = ledger.charge(task.owner, task.key, cost, cap);
    if (!charged) return charged.error();
    if (charged->charged) return Ok{};
    return cap_exceeded(cost, *cap, charged->spent);
  };
}

}  // namespace vidserve::app
