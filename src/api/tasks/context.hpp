#pragma once
// What every front-end (Runware, Kling native, APIMart) and the webhooks share: the catalog, the
// task repository, the media store (which builds media URLs), API keys, the durable submitter and
// the clock. One Context is built by whoever assembles the server and outlives the front-ends,
// which keep a reference to it.
#include <functional>
#include <string>

#include "api/auth.hpp"
#include "api/tasks/rate_limiter.hpp"
#include "api/tasks/submitter.hpp"
#include "catalog/catalog.hpp"
#include "common/clock.hpp"
#include "common/money.hpp"
#include "common/result.hpp"
#include "core/pricing.hpp"
#include "delivery/media_store.hpp"
#include "store/task_events.hpp"
#include "store/task_store.hpp"

namespace vidserve::api::tasks {

class Context {
 public:
  Context(const catalog::Catalog& catalog_, store::TaskRepository& tasks_,
          delivery::MediaStore& media_, const Authenticator& auth_)
      : catalog(catalog_), tasks(tasks_), media(media_), auth(auth_) {}
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  const catalog::Catalog& catalog;
  store::TaskRepository& tasks;
  delivery::MediaStore& media;
  const Authenticator& auth;
  Submitter* submitter = nullptr;  // durable commits off the io threads
  std::function<void()> wake;      // a task was enqueued
  // Where a cancel is published (a Finished event, as a worker publishes a finished task), so that
  // waiters and WebSocket subscribers learn of it. Null: nothing is published.
  store::TaskEvents* events = nullptr;
  const Clock* clock = &SystemClock::instance();
  RateLimiter* limiter = nullptr;  // per-key request rates; none: no limits
  // Refuses (spendCapExceeded) a task the kling engine would run whose price, known at
  // submission, would take its key over its spend cap; none: no caps. The worker charges the
  // task later, atomically; this only spares the client a task that cannot run.
  std::function<Status(const std::string& owner, const std::string& model, money::Micros cost)> spend_check;

  // A refused task that may resend one the owner already has (same taskUUID, or Kling's
  // external_task_id) passes: the submitter answers a resubmission with the stored task, which
  // runs and is charged once; anything else under that id is refused there as a duplicate.
  Status check_spend(const std::string& owner, const std::string& model, const std::optional<core::Quote>& quote,
                     const std::string& task_uuid, const std::string& external_id = {}) const {
    if (!spend_check || !quote) return Ok{};
    auto checked = spend_check(owner, model, quote->cost_micros);
    if (checked) return checked;
    if (!task_uuid.empty() && tasks.get_brief(owner, task_uuid)) return Ok{};
    if (!external_id.empty() && tasks.get_by_external_id(owner, external_id)) return Ok{};
    return checked;
  }

  // nullopt when `owner` may send one more request now; else the whole seconds to wait (>= 1).
  std::optional<int> over_rate(const std::string& owner) const {
    return limiter ? limiter->admit(owner) : std::nullopt;
  }

  // Whether the media store can build media URLs (MediaStore::set_public_base_url, right after
  // the HTTP server bound its port); until then every front-end answers 503.
  bool ready() const { return media.ready(); }
};

}  // namespace vidserve::api::tasks
