#include "engine/kling/kling_relay.hpp"

#include <algorithm>
#include <thread>

#include "auth/jwt.hpp"
#include "common/error_codes.hpp"
#include "common/io_error.hpp"
#include "common/metrics.hpp"
#include "engine/error_codes.hpp"
#include "engine/kling/protocol.hpp"
#include "fetch/error_codes.hpp"

namespace vidserve::engine::kling {

namespace {

using std::chrono::milliseconds;

constexpr std::string_view kUpstream = "kling";  // the label of vidserve_upstream_* for Kling's API
constexpr int kMaxTransportFailures = 4;         // consecutive connection errors before giving up
constexpr std::size_t kMaxReplyBytes = 8 * 1024 * 1024;
constexpr milliseconds kSweepEvery{100};              // cancel and slot-deadline checks
constexpr std::chrono::seconds kTargetTtl{60};        // Kling's host name is resolved again after this
constexpr std::size_t kMaxPoolQueue = 65'536;         // pool jobs waiting (a few per task at most)
constexpr int kMaxRedirects = 5;                      // of a result's download

std::string_view upstream_outcome(Verdict verdict) {
  switch (verdict) {
    case Verdict::Success: return "ok";
    case Verdict::Retry: return "retry";
    case Verdict::Fail: return "error";
  }
  return "error";
}

std::string seconds_text(std::chrono::seconds s) { return std::to_string(s.count()) + " s"; }

std::string base_without_slash(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

fetch::FetchPoolOptions pool_options(const KlingConfig& config) {
  fetch::FetchPoolOptions options;
  options.threads = std::max(1, config.blocking_threads);
  options.per_host = static_cast<std::size_t>(options.threads);
  options.max_queued = kMaxPoolQueue;
  options.max_queued_per_host = kMaxPoolQueue;
  return options;
}

fetch::HttpLoopOptions loop_options(const KlingConfig& config, const std::atomic<int>& off_loop) {
  fetch::HttpLoopOptions options;
  options.max_idle_connections = config.max_connections;
  options.max_host_connections = config.max_connections;
  options.max_total_connections = 2 * config.max_connections;  // API calls and result downloads
  options.clock = config.clock;
  // A simulated clock moves only while no pool job runs: the job's answer comes in real time.
  if (config.idle_wait) {
    options.idle_wait = [wait = config.idle_wait, &off_loop](milliseconds delay) {
      if (off_loop.load() == 0) return wait(delay);
      std::this_thread::sleep_for(milliseconds(1));
    };
  }
  return options;
}

}  // namespace

struct Relay::Flight {
  RelayJob job;
  Time deadline;
  std::string task_id;
  std::string last_status = "submitted";
  int poll_attempt = 0;
  bool slot = false;     // holds one of Kling's concurrency slots
  bool waiting = true;   // on a timer or in the slot queue (not in a call, not on the pool)
  bool ended = false;
};

// One API call with its retry state.
struct Relay::Call {
  std::string method, path, body;
  int attempt = 0;
  int transport_failures = 0;
  bool reminted = false;
  std::function<void(const Reply&)> ok;
};

Relay::Relay(const KlingConfig& config, const fetch::AddressGuard& guard, CheckResult check_result)
    : config_(config),
      base_(base_without_slash(config.base_url)),
      check_result_(std::move(check_result)),
      tokens_(std::make_unique<auth::TokenCache>(config.access_key, config.secret_key)),
      pool_(pool_options(config)),
      loop_(guard, fetch::HttpClientOptions{}, loop_options(config, off_loop_)),
      free_slots_(std::max(1, config.max_concurrency)) {
  pool_.start();
  loop_.start();
}

Relay::~Relay() {
  loop_.stop();
  pool_.stop();
}

void Relay::start(RelayJob job) {
  auto f = std::make_shared<Flight>();
  f->job = std::move(job);
  f->task_id = f->job.task_id;
  f->deadline = config_.clock->monotonic() + config_.task_timeout;
  loop_.post([this, f] { admit(f); });
}

Status Relay::to_pool(std::function<void()> job) {
  ++off_loop_;
  auto queued = pool_.submit("", [this, job = std::move(job)] {
    job();
    --off_loop_;  // after the job posted its answer to the loop
  });
  if (!queued) --off_loop_;
  return queued;
}

bool Relay::cancelled(const Flight& f) const { return f.job.progress->cancelled(); }

Error Relay::cancelled_error(const std::string& task_id) const {
  return Error{vidserve::errc::kTaskCancelled,
               task_id.empty() ? "the task was cancelled."
                               : "the task was cancelled; Kling task " + task_id +
                                     " may still finish (and be billed) on Kling's side."};
}

void Relay::admit(const FlightPtr& f) {
  flights_.insert(f);
  if (!sweeping_) {
    sweeping_ = true;
    loop_.after(kSweepEvery, [this] { sweep(); });
  }
  if (cancelled(*f)) return end(f, cancelled_error({}));
  if (free_slots_ == 0) {
    queue_.push_back(f);
    return;
  }
  --free_slots_;
  f->slot = true;
  begin(f);
}

void Relay::begin(const FlightPtr& f) {
  if (f->task_id.empty()) return submit(f);
  f->job.progress->update(0.1);
  schedule_poll(f);
}

void Relay::submit(const FlightPtr& f) {
  auto c = std::make_shared<Call>();
  c->method = "POST";
  c->path = f->job.native.create_path();
  c->body = f->job.native.body;
  c->ok = [this, f, path = c->path](const Reply& reply) {
    if (reply.task_id.empty()) {
      return end(f, Error{engine::errc::kProviderError, "Kling accepted POST " + path + " but returned no task_id."});
    }
    f->task_id = reply.task_id;
    save_state(f);
  };
  call(f, c);
}

// Kept before anything else can fail, so that a crash or restart from here on resumes this Kling
// task. When it cannot be kept the job goes on; only a restart would create it again.
void Relay::save_state(const FlightPtr& f) {
  f->waiting = false;
  auto saved = to_pool([this, f] {
    (void)f->job.progress->save_provider_state(std::string(kStatePrefix) + f->task_id);
    loop_.post([this, f] {
      if (f->ended) return;
      f->job.progress->update(0.1);
      schedule_poll(f);
    });
  });
  if (!saved) {
    f->job.progress->update(0.1);
    schedule_poll(f);
  }
}

void Relay::schedule_poll(const FlightPtr& f) {
  if (f->ended) return;
  const auto delay = backoff_delay(config_.poll_initial, config_.poll_max, f->poll_attempt++);
  if (config_.clock->monotonic() + delay >= f->deadline) {
    return end(f, Error{engine::errc::kProviderTimeout,
                        "Kling task " + f->task_id + " did not finish within the task timeout of " +
                            seconds_text(config_.task_timeout) + " (last status: " + f->last_status + ")."});
  }
  f->waiting = true;
  loop_.after(delay, [this, f] { poll(f); });
}

void Relay::poll(const FlightPtr& f) {
  if (f->ended) return;
  auto c = std::make_shared<Call>();
  c->method = "GET";
  c->path = f->job.native.query_path(f->task_id);
  c->ok = [this, f](const Reply& reply) { on_status(f, reply); };
  call(f, c);
}

void Relay::on_status(const FlightPtr& f, const Reply& reply) {
  if (!reply.task_status.empty()) f->last_status = reply.task_status;
  if (reply.task_status == "failed") {
    return end(f, Error{engine::errc::kProviderTaskFailed,
                        "Kling task " + f->task_id + " failed: " +
                            (reply.task_status_msg.empty() ? "no reason given" : reply.task_status_msg)});
  }
  if (reply.task_status != "succeed") {
    f->job.progress->update(reply.task_status == "processing" ? 0.3 : 0.1);
    return schedule_poll(f);
  }
  if (reply.result_url.empty()) {
    return end(f, Error{engine::errc::kProviderError,
                        "Kling task " + f->task_id + " succeeded but its task_result has no " +
                            (f->job.native.image ? "images" : "videos") + "[0].url."});
  }
  release_slot(f);  // Kling's concurrency slot is free once the task has finished
  download(f, reply.result_url);
}

void Relay::download(const FlightPtr& f, const std::string& url) {
  f->waiting = false;
  f->job.progress->update(0.9);
  download_hop(f, url, 0);
}

// One hop of the result's download, on the loop with the API calls (its connection kept for the
// next result from the same host): the URL resolved and checked on the pool, the body streamed
// into the job's file, a redirect followed up to kMaxRedirects times; then the check on the pool.
void Relay::download_hop(const FlightPtr& f, const std::string& url, int hop) {
  const auto failed = [this, f](const std::string& why) {
    end(f, Error{engine::errc::kProviderDownloadFailed,
                 "the result of Kling task " + f->task_id + " could not be downloaded: " + why});
  };
  auto queued = to_pool([this, f, url, hop, failed] {
    auto target = fetch::resolve_url_target(url, loop_.guard());
    loop_.post([this, f, hop, failed, target = std::move(target)]() mutable {
      if (f->ended) return;
      if (!target) return failed(target.error().message);
      fetch::LoopCall lc;
      lc.method = "GET";
      lc.target = std::move(target).value();
      lc.sink_path = f->job.output_path;
      lc.limits.max_bytes = config_.max_download_bytes;
      lc.limits.timeout = std::chrono::minutes(15);
      lc.limits.connect_timeout = std::chrono::seconds(15);
      const std::string display = lc.target.display;
      loop_.send(std::move(lc), [this, f, hop, failed, display](Result<fetch::HttpResponse> r) {
        if (f->ended) return;
        if (!r) {
          if (r.error().code == fetch::errc::kFetchCancelled) return;  // the engine stops
          // A full disk is not Kling's fault: the task is deferred and, resumed, downloads again.
          if (r.error().code == io_errc::kStorageFull) return end(f, r.error());
          return failed(r.error().message);
        }
        if (r->status >= 300 && r->status < 400 && !r->location.empty()) {
          if (hop >= kMaxRedirects) return failed("the URL redirects more than " + std::to_string(kMaxRedirects) + " times.");
          return download_hop(f, r->location, hop + 1);
        }
        if (r->status < 200 || r->status >= 300) {
          return failed("GET " + display + " answered HTTP " + std::to_string(r->status) + ".");
        }
        check_result(f);
      });
    });
  });
  if (!queued) failed(queued.error().message);
}

void Relay::check_result(const FlightPtr& f) {
  auto queued = to_pool([this, f] {
    auto out = check_result_(f->job, f->task_id);
    loop_.post([this, f, out = std::move(out)]() mutable {
      if (out) f->job.progress->update(1.0);
      end(f, std::move(out));
    });
  });
  if (!queued) end(f, queued.error());
}

void Relay::call(const FlightPtr& f, const CallPtr& c) {
  if (f->ended) return;
  if (cancelled(*f)) return end(f, cancelled_error(f->task_id));
  f->waiting = false;
  with_target(c->path, [this, f, c](Result<fetch::UrlTarget> target) {
    if (f->ended) return;
    const auto started = config_.clock->monotonic();
    if (!target) return on_reply(f, c, started, target.error());
    fetch::LoopCall lc;
    lc.method = c->method;
    lc.target = std::move(target).value();
    lc.body = c->body;
    if (!c->body.empty()) lc.content_type = "application/json";
    lc.headers = {{"Authorization", "Bearer " + tokens_->token()}, {"Accept", "application/json"}};
    lc.limits.max_bytes = kMaxReplyBytes;
    lc.limits.timeout = milliseconds(120'000);
    lc.limits.connect_timeout = milliseconds(15'000);
    loop_.send(std::move(lc), [this, f, c, started](Result<fetch::HttpResponse> response) {
      on_reply(f, c, started, std::move(response));
    });
  });
}

// The retry policy: rate limits, Kling outages and short connection trouble are waited out
// (exponential backoff, bounded by the deadline); anything else is final.
void Relay::on_reply(const FlightPtr& f, const CallPtr& c, Time started, Result<fetch::HttpResponse> response) {
  if (f->ended) return;
  const double seconds = std::chrono::duration<double>(config_.clock->monotonic() - started).count();
  const std::string where = c->method + " " + c->path;
  if (!response) {
    const auto& e = response.error();
    if (e.code == fetch::errc::kFetchCancelled) return;  // the engine stops
    metrics::record_upstream(kUpstream, "transport", seconds);
    if (e.code == fetch::errc::kInputTooLarge) {
      return end(f, Error{engine::errc::kProviderError, "Kling's answer to " + where + " was too large: " + e.message});
    }
    const bool transient = e.code == fetch::errc::kFetchFailed || e.code == fetch::errc::kFetchTimeout;
    if (!transient || ++c->transport_failures > kMaxTransportFailures) {
      return end(f, Error{engine::errc::kProviderUnreachable, "cannot reach Kling's API at " + base_ + ": " + e.message});
    }
    return retry(f, c, Error{engine::errc::kProviderUnreachable,
                             "cannot reach Kling's API at " + base_ + " (" + e.message + ")"});
  }
  c->transport_failures = 0;
  auto reply = parse_reply(response->status, response->body);
  auto judged = judge(reply);
  metrics::record_upstream(kUpstream, upstream_outcome(judged.verdict), seconds);
  if (judged.verdict == Verdict::Success) return c->ok(reply);
  if (reply.code && *reply.code == 1004 && !c->reminted) {  // "expired": mint a fresh token once
    c->reminted = true;
    tokens_->invalidate();
    return call(f, c);
  }
  if (judged.verdict == Verdict::Fail) return end(f, std::move(judged.error));
  retry(f, c, std::move(judged.error));
}

void Relay::retry(const FlightPtr& f, const CallPtr& c, Error reason) {
  const auto delay = backoff_delay(config_.poll_initial, config_.poll_max, c->attempt++);
  if (config_.clock->monotonic() + delay >= f->deadline) {
    return end(f, Error{reason.code, reason.message + ", until the task timeout of " +
                                         seconds_text(config_.task_timeout) + " ran out."});
  }
  f->waiting = true;
  loop_.after(delay, [this, f, c] { call(f, c); });
}

void Relay::release_slot(const FlightPtr& f) {
  if (!f->slot) return;
  f->slot = false;
  ++free_slots_;
  while (free_slots_ > 0 && !queue_.empty()) {
    auto next = std::move(queue_.front());
    queue_.pop_front();
    if (next->ended) continue;
    --free_slots_;
    next->slot = true;
    begin(next);
  }
}

void Relay::end(const FlightPtr& f, Result<Output> result) {
  if (f->ended) return;
  f->ended = true;
  flights_.erase(f);
  if (!f->slot) queue_.erase(std::remove(queue_.begin(), queue_.end(), f), queue_.end());
  release_slot(f);
  auto done = std::move(f->job.done);
  done(std::move(result));
}

// Every 100 ms while jobs are in flight: a cancelled job waiting on a timer ends now, and a job
// still waiting for a Kling slot at its deadline ends with a timeout.
void Relay::sweep() {
  const auto now = config_.clock->monotonic();
  const std::vector<FlightPtr> flights(flights_.begin(), flights_.end());
  for (const auto& f : flights) {
    if (f->ended || !f->waiting) continue;
    if (cancelled(*f)) {
      end(f, cancelled_error(f->task_id));
    } else if (!f->slot && f->task_id.empty() && now >= f->deadline) {
      end(f, Error{engine::errc::kProviderTimeout,
                   "no Kling slot became free within the task timeout of " + seconds_text(config_.task_timeout) +
                       " (at most " + std::to_string(config_.max_concurrency) + " Kling tasks run at once)."});
    }
  }
  sweeping_ = !flights_.empty();
  if (sweeping_) loop_.after(kSweepEvery, [this] { sweep(); });
}

Result<fetch::UrlTarget> Relay::target_for(const std::string& path) const {
  auto target = fetch::parse_url_target(base_ + path);
  if (!target) return target.error();
  target->addresses = base_target_->addresses;
  return target;
}

// Kling's host is resolved on the pool (DNS may block) and kept for kTargetTtl; calls in between
// use the cached, guard-checked addresses.
void Relay::with_target(const std::string& path, TargetDone done) {
  if (base_target_ && config_.clock->monotonic() < target_expiry_) return done(target_for(path));
  target_waiters_.emplace_back(path, std::move(done));
  if (resolving_) return;
  resolving_ = true;
  auto queued = to_pool([this] {
    auto target = fetch::resolve_url_target(base_ + "/", loop_.guard());
    loop_.post([this, target = std::move(target)] {
      resolving_ = false;
      if (target) {
        base_target_ = target.value();
        target_expiry_ = config_.clock->monotonic() + kTargetTtl;
      }
      auto waiters = std::move(target_waiters_);
      target_waiters_.clear();
      for (auto& [p, cb] : waiters) cb(target ? target_for(p) : Result<fetch::UrlTarget>(target.error()));
    });
  });
  if (queued) return;
  resolving_ = false;
  auto waiters = std::move(target_waiters_);
  target_waiters_.clear();
  for (auto& [p, cb] : waiters) cb(queued.error());
}

}  // namespace vidserve::engine::kling
