#pragma once
// The "kling" engine: relays a job to Kling's legacy /v1 API, waits for the task and downloads
// the result into the job's output file. Auth is an HS256 JWT minted from the
// access key and signed with the secret key (cached ~25 min). Rate limits (HTTP 429, code
// 1302/1303) and Kling outages (5xx, 5000-5002) are waited out with exponential backoff within
// task_timeout; every other Kling refusal becomes a clear engine error (see protocol.hpp).
// Right after Kling accepts a job the engine saves Kling's task_id as the job's provider state
// (Progress::save_provider_state); a resumed job (after a crash, a restart or a lost lease) that
// has one polls that Kling task instead of creating, and paying for, a new one.
//
// Asynchronous (kling_relay.hpp): start() hands the job to one event-loop thread per engine that
// drives every Kling task in flight (calls and the result's download through a libcurl multi
// handle over kept-alive connections, polls on timers), plus a small pool for what may block
// (DNS, the provider state, the result's probe or image conversion). render() is start() and a wait on the calling thread.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "common/clock.hpp"
#include "engine/engine.hpp"
#include "fetch/http_client.hpp"

namespace vidserve::engine {

struct KlingConfig {
  std::string base_url = "https://api-singapore.klingai.com";
  std::string access_key, secret_key;
  std::chrono::milliseconds poll_initial{1000}, poll_max{10000};  // poll and retry backoff
  std::chrono::seconds task_timeout{1800};  // submit to finished, retries included
  int max_concurrency = 5;                  // Kling tasks in flight per engine; others wait
  std::size_t max_download_bytes = std::size_t{2} << 30;
  // Connections to one host (Kling's API, its result host) kept open and used at once; calls
  // beyond it wait for one.
  long max_connections = 8;
  int blocking_threads = 2;  // the pool for DNS, provider state saves and result probes
  // Deadlines, back-off pauses and waits for a free slot are measured on this clock (not null).
  const Clock* clock = &SystemClock::instance();
  // Tests with a FakeClock: advances it while the loop waits for a timer with no call in flight.
  std::function<void(std::chrono::milliseconds)> idle_wait = nullptr;
};

class KlingEngine final : public Engine {
 public:
  KlingEngine(KlingConfig config, fetch::HttpClient http);
  ~KlingEngine() override;
  KlingEngine(const KlingEngine&) = delete;
  KlingEngine& operator=(const KlingEngine&) = delete;

  std::string_view name() const override { return "kling"; }
  Result<Output> render(const Job& job, Progress& progress) override;
  bool asynchronous() const override { return true; }
  void start(const Job& job, Progress& progress, RenderDone done) override;
  // New connections opened to Kling's API so far (a reused connection does not count).
  std::uint64_t connections_opened() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace vidserve::engine
