#pragma once
// Per-key limits as `serve` applies them: the request-rate limiter the three APIs check after
// authentication, and the workers' spend gate for the kling engine. A key's own limits
// (`vidserve keys limits`) win over the serve flags (--rate-limit, --rate-burst, --spend-cap);
// keys from VIDSERVE_API_KEYS have only the flags'.
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "api/tasks/rate_limiter.hpp"
#include "common/money.hpp"
#include "engine/engine.hpp"
#include "store/key_store.hpp"
#include "store/spend_ledger.hpp"
#include "worker/task_runner.hpp"

namespace vidserve::app {

struct LimitDefaults {
  double rate_per_s = 0;  // 0: no rate limit
  int burst = 0;          // 0: the rate rounded up
  std::optional<money::Micros> spend_cap;
};

// The key's own limits, or nullopt for an owner the key store does not hold ("env:..." keys).
std::optional<store::KeyLimits> stored_limits(store::KeyStore& keys, const std::string& owner);

std::unique_ptr<api::tasks::RateLimiter> make_rate_limiter(const LimitDefaults& defaults,
                                                           store::KeyStore& keys,
                                                           const Clock& clock);

// At submission: refuses (spendCapExceeded) a priced task routed to the kling engine whose cost
// would take its owner's spend over the cap. Reads the spend only when a cap applies.
using SpendCheck =
    std::function<Status(const std::string& owner, const std::string& model, money::Micros cost)>;
SpendCheck make_spend_check(const LimitDefaults& defaults, store::KeyStore& keys,
                            store::SpendLedger& ledger, const engine::EngineRouter& engines);

// Charges every task the kling engine runs to its owner in `ledger`; refuses (spendCapExceeded)
// one that would take the owner over its cap.
worker::SpendGate make_spend_gate(const LimitDefaults& defaults, store::KeyStore& keys,
                                  store::SpendLedger& ledger);

}  // namespace vidserve::app
