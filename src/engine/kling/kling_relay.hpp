#pragma once
// The kling engine's relay: every Kling task in flight is a small state machine driven by one
// event-loop thread (fetch::HttpLoop) — submit, poll on a timer with backoff, wait out rate
// limits and outages, download the result — so hundreds of relayed tasks need no thread each,
// and the calls to Kling's API and its result host reuse kept-alive connections. What may block
// runs on a small pool (KlingConfig::blocking_threads): resolving host names, saving the provider
// state, probing (or converting) the result. Internal to the kling engine.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "engine/engine.hpp"
#include "engine/kling/kling_engine.hpp"
#include "engine/kling/protocol.hpp"
#include "engine/kling/request_builder.hpp"
#include "fetch/fetch_pool.hpp"
#include "fetch/http_loop.hpp"

namespace vidserve::auth {
class TokenCache;
}

namespace vidserve::engine::kling {

// One job as the relay runs it.
struct RelayJob {
  NativeRequest native;
  std::string task_id;  // Kling's task saved by an earlier attempt: polled instead of created
  std::string output_path, content_type;
  int output_quality = 0;
  Progress* progress = nullptr;
  RenderDone done;
};

// Checks the result downloaded into job.output_path (probe, image conversion; blocking: runs on
// the pool).
using CheckResult = std::function<Result<Output>(const RelayJob& job, const std::string& task_id)>;

// The provider state of a job: "kling-task:<task_id>".
inline constexpr std::string_view kStatePrefix = "kling-task:";

class Relay {
 public:
  Relay(const KlingConfig& config, const fetch::AddressGuard& guard, CheckResult check_result);
  ~Relay();
  Relay(const Relay&) = delete;
  Relay& operator=(const Relay&) = delete;

  // From any thread; job.done is called exactly once, on the loop thread.
  void start(RelayJob job);
  std::uint64_t connections_opened() const { return loop_.connections_opened(); }

 private:
  struct Flight;
  struct Call;
  using FlightPtr = std::shared_ptr<Flight>;
  using CallPtr = std::shared_ptr<Call>;
  using Time = Clock::MonotonicTime;
  using TargetDone = std::function<void(Result<fetch::UrlTarget>)>;

  // All below run on the loop thread.
  void admit(const FlightPtr& f);
  void begin(const FlightPtr& f);
  void submit(const FlightPtr& f);
  void save_state(const FlightPtr& f);
  void schedule_poll(const FlightPtr& f);
  void poll(const FlightPtr& f);
  void on_status(const FlightPtr& f, const Reply& reply);
  void download(const FlightPtr& f, const std::string& url);
  void download_hop(const FlightPtr& f, const std::string& url, int hop);
  void check_result(const FlightPtr& f);
  void call(const FlightPtr& f, const CallPtr& c);
  void on_reply(const FlightPtr& f, const CallPtr& c, Time started, Result<fetch::HttpResponse> response);
  void retry(const FlightPtr& f, const CallPtr& c, Error reason);
  void end(const FlightPtr& f, Result<Output> result);
  void release_slot(const FlightPtr& f);
  void sweep();
  void with_target(const std::string& path, TargetDone done);
  Result<fetch::UrlTarget> target_for(const std::string& path) const;
  bool cancelled(const Flight& f) const;
  // Runs `job` on the pool (any thread); counted in off_loop_ until it ran.
  Status to_pool(std::function<void()> job);
  Error cancelled_error(const std::string& task_id) const;

  KlingConfig config_;
  std::string base_;
  CheckResult check_result_;
  std::unique_ptr<auth::TokenCache> tokens_;
  std::atomic<int> off_loop_{0};  // pool jobs queued or running
  fetch::FetchPool pool_;
  fetch::HttpLoop loop_;
  // Loop thread only.
  int free_slots_;
  std::deque<FlightPtr> queue_;  // waiting for a Kling slot
  std::set<FlightPtr> flights_;  // every job started and not ended
  bool sweeping_ = false;
  std::optional<fetch::UrlTarget> base_target_;
  Time target_expiry_{};
  bool resolving_ = false;
  std::vector<std::pair<std::string, TargetDone>> target_waiters_;
};

}  // namespace vidserve::engine::kling
