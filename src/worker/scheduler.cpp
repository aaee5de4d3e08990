#include "worker/scheduler.hpp"

#include <algorithm>
#include <chrono>
#include <string>
#include <unistd.h>

#include "common/log.hpp"
#include "common/metrics.hpp"
#include "store/task_lifecycle.hpp"

namespace vidserve::worker {

namespace {

std::chrono::milliseconds renew_period(const SchedulerOptions& options, std::int64_t lease_ms) {
  return options.renew_every_ms > 0 ? std::chrono::milliseconds(options.renew_every_ms)
                                    : LeaseKeeper::period_for(lease_ms);
}

}  // namespace

Scheduler::Scheduler(RunnerDeps deps, SchedulerOptions options)
    : deps_(std::move(deps)),
      options_(options),
      leases_(deps_.tasks, deps_.lease_ms, renew_period(options, deps_.lease_ms), *deps_.clock),
      relays_(
          deps_,
          [this](std::shared_ptr<RelayedTask> task) {
            {
              std::lock_guard lock(mutex_);
              relay_done_.push_back(std::move(task));
            }
            wakeup_.notify_one();
            settled_.notify_all();
          },
          std::chrono::milliseconds(std::max<std::int64_t>(10, options.relay_watch_ms))) {
  if (options_.max_fetching == 0) options_.max_fetching = 1;
  if (options_.max_relayed == 0) options_.max_relayed = 1;
  if (options_.hand_back_on_stop) deps_.hand_back = &handing_back_;
}

Scheduler::~Scheduler() { stop(); }

void Scheduler::start() {
  if (running_.exchange(true)) return;
  leases_.start();
  relays_.start();
  for (int i = 0; i < options_.concurrency; ++i) threads_.emplace_back([this, i] { work(i); });
}

void Scheduler::stop() {
  if (options_.hand_back_on_stop) handing_back_ = true;  // renders in hand stop
  if (!running_.exchange(false)) return;
  { std::lock_guard lock(mutex_); }  // a worker between its check of running_ and its wait gets the notice
  wakeup_.notify_all();
  stopping_.notify_all();
  for (auto& t : threads_) t.join();
  threads_.clear();
  // Fetch callbacks still to come refer to this object.
  std::unique_lock lock(mutex_);
  settled_.wait(lock, [this] { return fetching_ == 0; });
  lock.unlock();
  drain_relays();
  drop_ready();
  relays_.stop();
  leases_.stop();
}

void Scheduler::drain_relays() {
  relays_.cancel_all();  // every engine job stops as on a cancel
  for (;;) {
    std::shared_ptr<RelayedTask> task;
    {
      std::unique_lock lock(mutex_);
      settled_.wait(lock, [this] { return !relay_done_.empty() || relayed_ == 0; });
      if (relay_done_.empty()) return;
      task = std::move(relay_done_.front());
      relay_done_.pop_front();
    }
    if (!relays_.resume(task)) continue;  // (not after cancel_all: no next result starts)
    leases_.release(task->prepared->claim);
    std::lock_guard lock(mutex_);
    --relayed_;
  }
}

void Scheduler::drop_ready() {
  std::deque<Ready> ready;
  {
    std::lock_guard lock(mutex_);
    ready.swap(ready_);
    for (auto& r : parked_) ready.push_back(std::move(r));
    parked_.clear();
  }
  for (auto& r : ready) {
    // Without hand_back_on_stop: left in processing, requeued at the next start.
    if (options_.hand_back_on_stop) hand_back(deps_, r.task->claim);
    leases_.release(r.task->claim);
  }
}

void Scheduler::wake() {
  {
    std::lock_guard lock(mutex_);
    ++pending_wakes_;
  }
  wakeup_.notify_one();
}

void Scheduler::wait_for_work() {
  std::unique_lock lock(mutex_);
  wakeup_.wait_for(lock, std::chrono::milliseconds(options_.poll_ms),
                   [this] { return !running_ || pending_wakes_ > 0 || !ready_.empty() || !relay_done_.empty(); });
  if (pending_wakes_ > 0) --pending_wakes_;
}

void Scheduler::pause(std::int64_t ms) {
  std::unique_lock lock(mutex_);
  stopping_.wait_for(lock, std::chrono::milliseconds(ms), [this] { return !running_; });
}

void Scheduler::log_claim_failure(const Error& error) {
  const auto left_out = claim_log_.admit(deps_.clock->monotonic_ms());
  if (!left_out) return;
  log::get().error("claiming a task failed: {}{}", error.message,
                   *left_out ? " (" + std::to_string(*left_out) + " similar lines left out)" : "");
}

Result<std::optional<store::TaskRecord>> Scheduler::claim(const std::string& worker_id, int& failures) {
  auto claimed = deps_.tasks.claim_next(worker_id, deps_.lease_ms);
  if (claimed) {
    failures = 0;
    if (*claimed) {
      leases_.hold(store::claim_of(**claimed));
      store::note_transition(metrics::transition::kClaimed, **claimed, worker_id);
    }
    return claimed;
  }
  log_claim_failure(claimed.error());
  const int doublings = std::min(failures++, 16);
  pause(std::min(options_.poll_ms << doublings, options_.max_backoff_ms));
  return claimed;
}

void Scheduler::after(const RunOutcome& outcome) {
  if (outcome.deferred_ms) pause(std::min(*outcome.deferred_ms, options_.max_storage_pause_ms));
}

bool Scheduler::claim_and_fetch(const std::string& worker_id, int& failures) {
  auto claimed = claim(worker_id, failures);
  if (!claimed) return true;  // paused already; look again
  if (!*claimed) return false;
  auto prepared = prepare_task(deps_, **claimed, worker_id);
  if (!prepared) {
    leases_.release(store::claim_of(**claimed));
    return true;  // failed already
  }
  {
    std::lock_guard lock(mutex_);
    ++fetching_;
  }
  fetch_inputs_async(deps_, prepared, [this, prepared](Status fetched) {
    {
      std::lock_guard lock(mutex_);
      --fetching_;
      ready_.push_back({prepared, std::move(fetched)});
    }
    wakeup_.notify_one();
    settled_.notify_all();
  });
  return true;
}

void Scheduler::take_ready(Ready& ready) {
  if (ready.fetched && ready.task->engine->asynchronous()) {
    {
      std::lock_guard lock(mutex_);
      if (relayed_ >= options_.max_relayed) {
        parked_.push_back(std::move(ready));
        return;
      }
      ++relayed_;
    }
    if (auto outcome = relays_.begin(ready.task, ready.fetched)) {
      leases_.release(ready.task->claim);
      relay_ended();
      after(*outcome);
    }
    return;
  }
  const auto outcome = finish_task(deps_, *ready.task, ready.fetched);
  leases_.release(ready.task->claim);
  after(outcome);
}

void Scheduler::relay_answered(const std::shared_ptr<RelayedTask>& task) {
  auto outcome = relays_.resume(task);
  if (!outcome) return;  // its next result is on the engine
  leases_.release(task->prepared->claim);
  relay_ended();
  after(*outcome);
}

void Scheduler::relay_ended() {
  std::optional<Ready> next;
  {
    std::lock_guard lock(mutex_);
    --relayed_;
    if (!parked_.empty() && running_) {
      next = std::move(parked_.front());
      parked_.pop_front();
    }
  }
  settled_.notify_all();
  if (next) take_ready(*next);
}

void Scheduler::work(int index) {
  // Unique across the machines working one shared store: host name, process id, worker index.
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  const std::string worker_id = std::string(host) + ":pid" + std::to_string(::getpid()) + "-w" +
                                std::to_string(index);
  int failures = 0;  // consecutive failed claims
  while (running_) {
    if (!deps_.fetch_async) {
      auto claimed = claim(worker_id, failures);
      if (!claimed) continue;
      if (*claimed) {
        const auto outcome = run_task(deps_, **claimed, worker_id);
        leases_.release(store::claim_of(**claimed));
        after(outcome);
        continue;
      }
      wait_for_work();
      continue;
    }
    std::optional<Ready> ready;
    std::shared_ptr<RelayedTask> answered;
    bool may_claim = false;
    {
      std::lock_guard lock(mutex_);
      if (!relay_done_.empty()) {
        answered = std::move(relay_done_.front());
        relay_done_.pop_front();
      } else if (!ready_.empty()) {
        ready = std::move(ready_.front());
        ready_.pop_front();
      }
      may_claim = fetching_ + ready_.size() + parked_.size() < options_.max_fetching;
    }
    if (answered) {
      relay_answered(answered);
      continue;
    }
    if (ready) {
      // Fetches are cancelled only when the server stops: claim nothing more that would wait.
      if (!ready->fetched && ready->fetched.error().code == fetch::errc::kFetchCancelled) draining_ = true;
      take_ready(*ready);
      continue;
    }
    if (may_claim && !draining_ && claim_and_fetch(worker_id, failures)) continue;
    wait_for_work();
  }
}

}  // namespace vidserve::worker
