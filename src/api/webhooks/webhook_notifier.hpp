#pragma once
// Delivers webhooks from the store's durable outbox (store::WebhookOutbox): the store adds a row
// in the transaction that moves a task (accepted, first claimed, finished or cancelled), so no
// webhook is lost to a crash; this loop sends the rows whenever they are due, in due order, on one
// thread of its own (a BackgroundLoop), so nothing here ever blocks an io thread or a worker.
//
// Each row is rendered once, in the shape of the API that created the task (Formatter,
// webhook_payloads.hpp), and the bytes are stored with it: every retry sends the same body under
// the same webhook-id. Each attempt is signed the Standard Webhooks way with the owner's secret
// (webhook_signature.hpp). 2xx: delivered. 410 Gone: the receiver is gone for good, so every
// pending row to that URL is given up. An invalid or refused URL (SSRF guard) is given up.
// Anything else (no answer, timeout, any other status) is retried with exponential backoff and
// jitter until `retry_for` has passed since the row was created; then it is given up (logged).
// A restart picks the pending rows up where they were: their due times are stored.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/background_loop.hpp"
#include "common/clock.hpp"
#include "common/result.hpp"
#include "fetch/http_client.hpp"
#include "store/task_events.hpp"
#include "store/task_store.hpp"
#include "store/webhook_outbox.hpp"

namespace vidserve::api::webhooks {

struct WebhookOptions {
  std::chrono::milliseconds timeout{10000};        // per attempt
  std::chrono::milliseconds first_backoff{5000};   // before the second attempt (before jitter)
  int backoff_factor = 2;                          // each further wait is this many times longer
  std::chrono::milliseconds max_backoff{std::chrono::hours(1)};
  double jitter = 0.5;                             // a wait d becomes d * (1 - jitter * u), u in [0, 1)
  std::chrono::milliseconds retry_for{std::chrono::hours(24)};  // then the row is given up
  std::chrono::milliseconds poll{1000};            // looks for new rows at least this often
  std::size_t batch = 32;                          // rows read from the store per pass
  // Delivered and given-up rows are deleted this long after they were created (hourly sweep).
  std::chrono::milliseconds keep_settled{std::chrono::hours(24 * 7)};
};

// POSTs a JSON body with extra headers: the HTTP status of the answer, or an error when there was
// none (network, timeout; "invalidUrl" and "addressRefused" are not retried).
using Sender = std::function<Result<int>(const std::string& url, const std::string& body,
                                         const fetch::Headers& headers, std::chrono::milliseconds timeout)>;
// The bodies of one outbox event ("submitted", "processing", "final") of a task, in order.
using Formatter = std::function<Result<std::vector<std::string>>(const store::TaskRecord&, std::string_view event)>;
// The owner's signing secret ("whsec_..."), "" to send unsigned (a key without a secret yet).
using SecretLookup = std::function<Result<std::string>(const std::string& owner)>;

struct NotifierDeps {
  store::TaskStore& tasks;
  store::WebhookOutbox& outbox;
  Formatter format;
  Sender send;
  SecretLookup secret;
  const Clock* clock = &SystemClock::instance();  // wall time: due times are stored
  std::function<double()> random = nullptr;        // u in [0, 1) for the jitter; default: a PRNG
};

class WebhookNotifier final : public store::TaskEventListener {
 public:
  struct Counts {
    std::uint64_t attempts = 0;   // POSTs sent
    std::uint64_t delivered = 0;  // rows a receiver accepted with 2xx
    std::uint64_t retried = 0;    // attempts rescheduled
    std::uint64_t given_up = 0;   // rows given up (410, refused URL, retry_for passed, unrenderable)
  };

  explicit WebhookNotifier(NotifierDeps deps, WebhookOptions options = {});
  ~WebhookNotifier() { stop(); }
  WebhookNotifier(const WebhookNotifier&) = delete;
  WebhookNotifier& operator=(const WebhookNotifier&) = delete;

  // Starts the delivery thread, which first sends what a previous run left due.
  void start();
  // Stops after the attempt in flight (bounded by the timeout); pending rows stay in the store.
  void stop();
  // A finished task may have a row to send: look now rather than at the next poll.
  void on_task_event(const store::TaskEvent& event) override;
  // One pass on the caller's thread (tests): sends what is due now; the wait until the next.
  BackgroundLoop::Next deliver_due();
  Counts counts() const;

  // The wait before attempt `attempts + 1` (after `attempts` failed ones), jitter applied with u.
  static std::chrono::milliseconds backoff(const WebhookOptions& options, int attempts, double u);

 private:
  // Sends one row (rendering it first when needed).
  void deliver(store::OutboxMessage message, std::int64_t now_ms);
  // Renders a row's bodies into the store; the row as it is then, or nullopt when given up.
  std::optional<store::OutboxMessage> rendered(store::OutboxMessage message);
  // What to do with the outcome of one attempt.
  void settle(const store::OutboxMessage& message, const Result<int>& sent, std::int64_t now_ms);
  void give_up(const store::OutboxMessage& message, const std::string& reason);
  fetch::Headers signed_headers(const store::OutboxMessage& message, std::int64_t now_ms);
  double random_unit();

  NotifierDeps deps_;
  WebhookOptions options_;
  std::atomic<bool> running_{false};
  std::atomic<bool> stopping_{false};  // stop() ends a pass after the attempt in flight
  void prune(std::int64_t now_ms);
  std::int64_t last_prune_ms_ = 0;  // monotonic; the loop's thread only
  std::set<std::string> gone_;  // URLs that answered 410 in the current pass (the loop's thread only)
  std::atomic<std::uint64_t> attempts_{0}, delivered_{0}, retried_{0}, given_up_{0};
  BackgroundLoop loop_;  // last: its thread stops before the members it uses go
};

// A URL fit for a log line: scheme, host and path, without user info, query or fragment, which
// may carry the receiver's secret (Runware receivers authenticate with ?token=...).
std::string loggable_url(std::string_view url);

}  // namespace vidserve::api::webhooks
