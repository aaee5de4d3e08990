#pragma once
// One thread that drives many HTTP calls at once through a libcurl multi handle, and runs timers:
// the kling engine relays hundreds of provider tasks with it, polling each on a timer, without a
// thread per task. Connections are kept alive and reused across calls to the same host (the multi
// handle's connection cache, bounded by HttpLoopOptions), TLS sessions with them. Each call is
// set up exactly as HttpClient sets up its transfers (fetch/curl_exchange.hpp): only http/https,
// no proxy, pinned to the addresses the caller resolved and the AddressGuard passed
// (CURLOPT_RESOLVE), every new connection checked again when its socket opens.
//
// Callbacks (replies and timers) run on the loop thread, one at a time: they must not block (no
// DNS, no disk syncs); hand such work to another thread and post() back.
//
// Not a BackgroundLoop: the thread sleeps in curl_multi_poll (woken by curl_multi_wakeup), which
// waits for the sockets and for new work at once.
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.hpp"
#include "common/result.hpp"
#include "fetch/address_guard.hpp"
#include "fetch/http_client.hpp"
#include "fetch/url_target.hpp"

namespace vidserve::fetch {

struct HttpLoopOptions {
  long max_idle_connections = 16;  // CURLMOPT_MAXCONNECTS: connections kept open between calls
  long max_host_connections = 8;   // CURLMOPT_MAX_HOST_CONNECTIONS: more calls to a host queue
  long max_total_connections = 32;  // CURLMOPT_MAX_TOTAL_CONNECTIONS
  const Clock* clock = &SystemClock::instance();  // timers
  // When set, replaces the loop's wait for the next timer while no call is in flight: tests pass
  // a FakeClock's sleep_for, so back-off schedules run without waiting.
  std::function<void(std::chrono::milliseconds)> idle_wait = nullptr;
};

// One call: `target` as resolve_url_target returned it (the caller resolves, off the loop).
struct LoopCall {
  std::string method;  // GET, POST
  UrlTarget target;
  std::string body;
  std::string content_type;
  Headers headers;
  FetchLimits limits;  // max_bytes, timeout, connect_timeout (cancel is not watched)
  // GET only: when set, the body of a 2xx answer goes to this file (created or truncated; removed
  // when the call fails) instead of HttpResponse::body, and a redirect is not followed but
  // answered with its status and HttpResponse::location.
  std::string sink_path = {};
};

class HttpLoop {
 public:
  using Task = std::function<void()>;
  using Reply = std::function<void(Result<HttpResponse>)>;

  HttpLoop(AddressGuard guard, HttpClientOptions client, HttpLoopOptions options);
  ~HttpLoop();
  HttpLoop(const HttpLoop&) = delete;
  HttpLoop& operator=(const HttpLoop&) = delete;

  void start();
  // Ends the calls in flight (their replies get "fetchCancelled"), drops the timers, joins.
  void stop();

  // From any thread: runs `task` on the loop thread once `delay` passed on the clock.
  void after(std::chrono::milliseconds delay, Task task);
  void post(Task task) { after(std::chrono::milliseconds(0), std::move(task)); }
  // From any thread: sends `call`; `reply` runs on the loop thread with any status and its body,
  // or the transfer's error ("fetchFailed", "fetchTimeout", "inputTooLarge", "addressRefused").
  void send(LoopCall call, Reply reply);

  const AddressGuard& guard() const { return guard_; }
  // Connections opened so far (new TCP connections; a reused one does not count).
  std::uint64_t connections_opened() const;

  struct Transfer;  // one call in flight (internal)

 private:
  using Time = Clock::MonotonicTime;
  void run();
  // Moves what other threads queued into the loop; false once stopping.
  bool take_inbox();
  void begin(std::unique_ptr<Transfer> transfer);
  void run_due_timers();
  void finish_done_transfers();
  std::chrono::milliseconds next_wait() const;
  void abandon_all();

  AddressGuard guard_;
  HttpClientOptions client_;
  HttpLoopOptions options_;
  void* multi_ = nullptr;  // CURLM*
  std::thread thread_;
  mutable std::mutex mutex_;  // the inbox, stopping_, opened_
  std::vector<std::pair<Time, Task>> inbox_timers_;
  std::vector<std::unique_ptr<Transfer>> inbox_calls_;
  bool stopping_ = false;
  bool running_ = false;
  std::uint64_t opened_ = 0;
  // Loop thread only.
  std::multimap<Time, Task> timers_;
  std::map<void*, std::unique_ptr<Transfer>> in_flight_;  // by easy handle
};

}  // namespace vidserve::fetch
