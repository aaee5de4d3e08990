#pragma once
// Delivers the webhooks of finished tasks without holding anyone up: the workers' Finished events
// only queue the task (on_task_event), and one delivery thread (a BackgroundLoop) reads its final
// record, builds the bodies in its API's shape (webhook_payloads.hpp) and POSTs them. Network
// errors, timeouts, 408, 429 and 5xx are retried with exponential backoff; retries wait in a
// queue ordered by due time, so a receiver that is down delays only its own webhooks. A webhook
// that still fails is logged and dropped: the task was stored before it ran and stays readable by
// polling, so a webhook can never fail or lose a task. Deliveries are kept in memory only: on
// stop, what is queued gets one last attempt for a short grace period; what is left then (or lost
// in a crash) is not sent, which the log says.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/background_loop.hpp"
#include "common/clock.hpp"
#include "common/result.hpp"
#include "store/task_events.hpp"
#include "store/task_store.hpp"

namespace vidserve::api::webhooks {

struct WebhookOptions {
  int attempts = 3;                                // per body, the first one included
  std::chrono::milliseconds timeout{5000};         // per attempt: one thread serves every receiver
  std::chrono::milliseconds first_backoff{1000};   // before the second attempt
  int backoff_factor = 4;                          // each further wait is this many times longer
  std::size_t max_queued = 10000;                  // beyond this, new webhooks are dropped (logged)
  std::chrono::milliseconds stop_grace{2000};      // stop(): one last attempt for what is queued
};

// POSTs a JSON body: the HTTP status of the answer, or an error when there was none (network,
// timeout; "invalidUrl" and "addressRefused" are not retried since they cannot change).
using Sender = std::function<Result<int>(const std::string& url, const std::string& body,
                                         std::chrono::milliseconds timeout)>;
// The bodies to POST for a finished task, one call each (webhook_bodies with the server's tasks::Context).
using Formatter = std::function<Result<std::vector<std::string>>(const store::TaskRecord&)>;
// Replaces the delivery thread's wait for the next retry (BackgroundLoop::TimedWait). The default
// waits on the loop, so new work and stop() cut a backoff short; tests advance a FakeClock and
// return at once, so retries are tested without sleeping.
using Wait = BackgroundLoop::TimedWait;

struct NotifierDeps {
  store::TaskStore& tasks;
  Formatter format;
  Sender send;
  const Clock* clock = &SystemClock::instance();  // due times of retries (monotonic)
  Wait wait = nullptr;                            // default: the loop's own wait
};

class WebhookNotifier final : public store::TaskEventListener {
 public:
  struct Counts {
    std::uint64_t attempts = 0;   // POSTs sent
    std::uint64_t delivered = 0;  // bodies a receiver accepted with 2xx
    std::uint64_t failed = 0;     // bodies given up on after their last attempt
    std::uint64_t dropped = 0;    // webhooks not attempted: queue full or server stopping
  };

  explicit WebhookNotifier(NotifierDeps deps, WebhookOptions options = {});
  ~WebhookNotifier() { stop(); }
  WebhookNotifier(const WebhookNotifier&) = delete;
  WebhookNotifier& operator=(const WebhookNotifier&) = delete;

  void start();
  // Gives every queued body one last attempt (no more retries) while stop_grace lasts, then logs
  // and drops what is left. An attempt in flight always finishes (bounded by the timeout).
  void stop();
  // The workers' events: a Finished task that may have a webhook is queued (by owner and uuid;
  // its final state is read from the store on the delivery thread). Never blocks on I/O.
  void on_task_event(const store::TaskEvent& event) override;
  // Returns once nothing is queued, waiting for a retry or in flight (tests), or when stopped.
  void wait_idle();
  Counts counts() const;

 private:
  struct Finished {
    std::string owner, task_uuid;
  };
  struct Delivery {
    std::string task_uuid, url, body;
    int attempts = 0;  // made so far
  };
  // One step of the delivery thread: works off what is due; then the wait until the next retry.
  BackgroundLoop::Next deliver_due();
  // stop(): one last attempt for each queued body while stop_grace lasts.
  void last_attempts(std::unique_lock<std::mutex>& lock);
  std::vector<Delivery> deliveries_for(const Finished& finished) const;
  // One attempt; the delay before the next one, or nothing when the body is done with.
  std::optional<std::chrono::milliseconds> attempt(Delivery& delivery, bool last_chance);
  // Each takes the front of its queue and works on it with the lock released.
  void expand_next(std::unique_lock<std::mutex>& lock);
  void send_next(std::unique_lock<std::mutex>& lock, bool last_chance);

  NotifierDeps deps_;
  WebhookOptions options_;
  mutable std::mutex mutex_;
  std::condition_variable idle_;  // the queues ran empty
  std::deque<Finished> finished_;                     // tasks whose record is not read yet
  std::multimap<std::int64_t, Delivery> deliveries_;  // bodies by due time (monotonic clock ms)
  bool running_ = false;
  bool busy_ = false;  // the delivery thread works outside the lock
  std::atomic<std::uint64_t> attempts_{0}, delivered_{0}, failed_{0}, dropped_{0};
  BackgroundLoop loop_;  // last: its thread stops before the members it uses go
};

// A URL fit for a log line: scheme, host and path, without user info, query or fragment, which
// may carry the receiver's secret (Runware receivers authenticate with ?token=...).
std::string loggable_url(std::string_view url);

}  // namespace vidserve::api::webhooks
