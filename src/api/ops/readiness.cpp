#include "api/ops/readiness.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "common/metrics.hpp"

namespace vidserve::api::ops {

Readiness::Readiness(std::vector<ReadinessCheck> checks, Duration period, Duration stale_after,
                     const Clock& clock)
    : checks_(std::move(checks)),
      stale_after_(stale_after),
      clock_(clock),
      loop_(period, [this] { run_checks(); }) {
  for (const auto& c : checks_) results_.push_back({c.name, "not checked yet"});
}

Readiness::~Readiness() {
  stop();
}

void Readiness::start() {
  run_checks();
  loop_.start();
}

void Readiness::stop() {
  loop_.stop();
}

void Readiness::run_checks() {
  {
    std::lock_guard lock(mutex_);
    round_started_ = clock_.monotonic();
    round_running_ = true;
  }
  std::vector<Result> results;
  for (const auto& c : checks_) {
    {
      std::lock_guard lock(mutex_);
      current_ = c.name;
    }
    auto status = c.check();
    results.push_back({c.name, status ? std::string() : status.error().message});
  }
  bool ready = true;
  for (const auto& r : results) ready = ready && r.error.empty();
  metrics::set_ready(ready);
  std::lock_guard lock(mutex_);
  results_ = std::move(results);
  round_running_ = false;
}

Readiness::Verdict Readiness::verdict() const {
  std::lock_guard lock(mutex_);
  const auto running_for = clock_.monotonic() - round_started_;
  const bool stale = round_running_ && running_for > stale_after_;
  boost::json::object checks;
  bool ready = !stale;
  for (const auto& r : results_) {
    ready = ready && r.error.empty();
    checks[r.name] = r.error.empty() ? "ok" : r.error;
  }
  if (stale) {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(running_for).count();
    checks[current_] = "no answer for " + std::to_string(ms) + " ms";
  }
  boost::json::object body{{"status", ready ? "ready" : "not ready"},
                           {"checks", std::move(checks)}};
  metrics::set_ready(ready);
  return {ready, boost::json::serialize(body)};
}

}  // namespace vidserve::api::ops
