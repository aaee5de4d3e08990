#pragma once
// A bounded pool of threads for network fetches, so that no fetch runs on an io thread or holds a
// worker: `threads` threads run the jobs; at most `per_host` jobs of one host run at once (the
// others wait in the queue, and jobs of other hosts pass them); at most `max_queued` jobs wait in
// all and at most `max_queued_per_host` for one host. Beyond a bound submit() refuses at once with
// "fetchBusy" (the caller answers 503 with Retry-After) instead of queueing without end.
//
// Every job runs exactly once. stop() raises the stop flag (stopping(), which HttpClient transfers
// watch through FetchLimits::cancel and abandon with "fetchCancelled" within about a second),
// runs what is still queued with the flag raised, so each job still reports to its caller, and
// joins. A tarpit host therefore delays stop() by about a second, not by its transfer deadline.
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/result.hpp"
#include "fetch/error_codes.hpp"

namespace vidserve::fetch {

struct FetchPoolOptions {
  int threads = 8;                       // jobs running at once, all hosts
  std::size_t per_host = 4;              // jobs of one host running at once
  std::size_t max_queued = 256;          // jobs waiting for a thread, all hosts
  std::size_t max_queued_per_host = 64;  // jobs of one host waiting
};

class FetchPool {
 public:
  using Job = std::function<void()>;

  explicit FetchPool(FetchPoolOptions options = {});
  ~FetchPool() { stop(); }
  FetchPool(const FetchPool&) = delete;
  FetchPool& operator=(const FetchPool&) = delete;

  void start();
  // Raises the stop flag, runs what is queued (with the flag up), joins. Idempotent.
  void stop();

  // Queues `job` for `host` (the URL's host, lower case; "" for work that is not a fetch).
  // Errors: "fetchBusy" when a bound is reached, "fetchCancelled" once stop() began or before
  // start(); the job is then not run.
  Status submit(std::string host, Job job);

  // Raised by stop(); give it to transfers (FetchLimits::cancel) so they end early.
  const std::atomic<bool>& stopping() const { return stopping_; }

  struct Counts {
    std::size_t running = 0;
    std::size_t queued = 0;
  };
  Counts counts() const;
  const FetchPoolOptions& options() const { return options_; }

 private:
  struct Queued {
    std::string host;
    Job job;
  };
  void work();
  // The first queued job whose host is under its cap; end() if none (called with mutex_ held).
  std::deque<Queued>::iterator runnable();

  FetchPoolOptions options_;
  mutable std::mutex mutex_;
  std::condition_variable wakeup_;
  std::deque<Queued> queue_;
  std::map<std::string, std::size_t> running_per_host_;
  std::map<std::string, std::size_t> queued_per_host_;
  std::size_t running_ = 0;
  bool accepting_ = false;
  std::atomic<bool> stopping_{false};
  std::vector<std::thread> threads_;
};

}  // namespace vidserve::fetch
