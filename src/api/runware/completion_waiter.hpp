#pragma once
// Lets a synchronous imageInference wait for its task without holding an io thread: it listens
// to the workers' store::TaskEvents, and a waiter is called back once with the final record (or
// with nothing when its deadline passes or the server stops). Deadlines are on the clock's
// monotonic time; a BackgroundLoop looks for expired ones every 250 ms.
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "common/background_loop.hpp"
#include "common/clock.hpp"
#include "store/task_events.hpp"
#include "store/task_store.hpp"

namespace vidserve::api::runware {

class CompletionWaiter final : public store::TaskEventListener {
 public:
  using Callback = std::function<void(std::optional<store::TaskRecord>)>;

  explicit CompletionWaiter(store::TaskStore& tasks, const Clock& clock = SystemClock::instance())
      : tasks_(tasks), clock_(clock), expirer_(kExpiryPeriod, [this] { expire(); }) {}
  ~CompletionWaiter() { stop(); }

  void start();
  void stop();  // calls every pending waiter with nothing
  void wait(const std::string& owner, const std::string& task_uuid,
            Clock::MonotonicTime deadline, Callback done);
  // After complete/fail. A taskUUID is unique per owner only, so waiters are keyed by both:
  // another key's task with the same uuid wakes nobody here.
  void notify(const std::string& owner, const std::string& task_uuid);
  // The workers' events: Finished notifies.
  void on_task_event(const store::TaskEvent& event) override;

 private:
  using Key = std::pair<std::string, std::string>;  // (owner, task uuid)
  struct Waiter {
    Clock::MonotonicTime deadline;
    Callback done;
  };
  void finish_if_terminal(const Key& key);
  void expire();  // calls back the waiters whose deadline passed
  static constexpr std::chrono::milliseconds kExpiryPeriod{250};

  store::TaskStore& tasks_;
  const Clock& clock_;
  std::mutex mutex_;
  std::multimap<Key, Waiter> waiters_;
  bool running_ = false;
  BackgroundLoop expirer_;  // last: its thread stops before the members it uses go
};

}  // namespace vidserve::api::runware
