#include "engine/kling/kling_engine.hpp"

#include <algorithm>
#include <chrono>
#include <cerrno>
#include <condition_variable>
#include <fstream>
#include <mutex>

#include "auth/jwt.hpp"
#include "common/clock.hpp"
#include "common/error_codes.hpp"
#include "common/io_error.hpp"
#include "common/metrics.hpp"
#include "engine/error_codes.hpp"
#include "engine/kling/protocol.hpp"
#include "engine/kling/request_builder.hpp"
#include "fetch/content_sniff.hpp"
#include "fetch/error_codes.hpp"
#include "media/image_codec.hpp"
#include "media/probe.hpp"

namespace vidserve::engine {

namespace {

// The upstream label of vidserve_upstream_* for calls to Kling's API.
constexpr std::string_view kUpstream = "kling";

std::string_view upstream_outcome(kling::Verdict verdict) {
  switch (verdict) {
    case kling::Verdict::Success: return "ok";
    case kling::Verdict::Retry: return "retry";
    case kling::Verdict::Fail: return "error";
  }
  return "error";
}

using Time = Clock::MonotonicTime;
using std::chrono::milliseconds;

constexpr int kMaxTransportFailures = 4;  // consecutive connection errors before giving up
constexpr std::size_t kMaxReplyBytes = 8 * 1024 * 1024;

// At most N Kling tasks in flight; the rest wait here. Kling limits concurrent tasks per account
// (all API keys of an account share the quota; a task holds a slot until it finishes) and answers
// 429 / code 1303 over the limit.
class Slots {
 public:
  Slots(int count, const Clock& clock) : clock_(clock), free_(std::max(1, count)) {}

  // false when the task was cancelled or the deadline passed while waiting. A long wait reports
  // progress every 10 s, so the caller can tell the task is alive. A release wakes a waiter at
  // once; between wakes it looks at the deadline (on the clock) every 100 ms.
  bool acquire(Time deadline, Progress& progress) {
    std::unique_lock lock(mutex_);
    auto heartbeat = clock_.monotonic() + std::chrono::seconds(10);
    while (free_ == 0) {
      if (progress.cancelled() || clock_.monotonic() >= deadline) return false;
      freed_.wait_for(lock, milliseconds(100));
      if (clock_.monotonic() >= heartbeat) {
        lock.unlock();
        progress.update(0.0);
        lock.lock();
        heartbeat = clock_.monotonic() + std::chrono::seconds(10);
      }
    }
    --free_;
    return true;
  }

  void release() {
    {
      std::lock_guard lock(mutex_);
      ++free_;
    }
    freed_.notify_one();
  }

 private:
  const Clock& clock_;
  std::mutex mutex_;
  std::condition_variable freed_;
  int free_;
};

class SlotGuard {
 public:
  explicit SlotGuard(Slots& slots) : slots_(&slots) {}
  ~SlotGuard() { release(); }
  SlotGuard(const SlotGuard&) = delete;
  SlotGuard& operator=(const SlotGuard&) = delete;
  void release() {
    if (slots_) slots_->release();
    slots_ = nullptr;
  }

 private:
  Slots* slots_;
};

// Waits `delay` on the clock in short slices; false as soon as the task is cancelled.
bool pause(const Clock& clock, milliseconds delay, const Progress& progress) {
  const auto until = clock.monotonic() + delay;
  for (auto now = clock.monotonic(); now < until; now = clock.monotonic()) {
    if (progress.cancelled()) return false;
    clock.sleep_for(std::min(milliseconds(50), std::chrono::ceil<milliseconds>(until - now)));
  }
  return !progress.cancelled();
}

std::string base_without_slash(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

std::string seconds_text(std::chrono::seconds s) {
  return std::to_string(s.count()) + " s";
}

media::ImageFormat image_format(const std::string& content_type) {
  if (content_type == "image/png") return media::ImageFormat::Png;
  if (content_type == "image/webp") return media::ImageFormat::Webp;
  return media::ImageFormat::Jpeg;
}

// The provider state of a job: the Kling task it created, so a resumed job polls that task
// instead of creating (and paying for) another one.
constexpr std::string_view kStatePrefix = "kling-task:";

std::string saved_task_id(const Job& job) {
  const std::string_view state = job.provider_state;
  if (state.substr(0, kStatePrefix.size()) != kStatePrefix) return {};
  return std::string(state.substr(kStatePrefix.size()));
}

// request_builder translates inputs held in memory. Only URL inputs are ever spooled, and Kling
// takes a video by its URL, so of the spooled inputs only the others (the avatar's audio, sent
// as base64) are read back. The native request is built from that copy, which goes right after.
bool needs_bytes(const InputMedia& in) {
  return in.blob.file != nullptr && in.role != "video" && in.role != "referenceVideo";
}

Result<kling::NativeRequest> build_native(const Job& job) {
  if (std::none_of(job.inputs.begin(), job.inputs.end(), needs_bytes)) return kling::build_request(job);
  Job copy = job;
  for (auto& in : copy.inputs) {
    if (!needs_bytes(in)) continue;
    auto bytes = in.blob.load();
    if (!bytes) return bytes.error();
    in.blob.bytes = std::move(bytes).value();
    in.blob.file.reset();
  }
  return kling::build_request(copy);
}

std::string file_head(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::string head(64, '\0');
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<std::size_t>(std::max<std::streamsize>(0, in.gcount())));
  return head;
}

}  // namespace

struct KlingEngine::State {
  KlingConfig config;
  fetch::HttpClient http;
  auth::TokenCache tokens;
  Slots slots;
  std::string base;

  State(KlingConfig c, fetch::HttpClient h)
      : config(std::move(c)),
        http(std::move(h)),
        tokens(config.access_key, config.secret_key),
        slots(config.max_concurrency, *config.clock),
        base(base_without_slash(config.base_url)) {}

  Error cancelled(const std::string& task_id = {}) const {
    return Error{vidserve::errc::kTaskCancelled,
                 task_id.empty() ? "the task was cancelled."
                                 : "the task was cancelled; Kling task " + task_id +
                                       " may still finish (and be billed) on Kling's side."};
  }

  // One API call with the retry policy: rate limits, Kling outages and short connection trouble
  // are waited out (exponential backoff, bounded by the deadline); anything else is final.
  Result<kling::Reply> call(const std::string& method, const std::string& path,
                            const std::string& body, Time deadline,
                            const Progress& progress, const std::string& task_id) {
    int attempt = 0;
    int transport_failures = 0;
    bool reminted = false;
    const std::string url = base + path;
    for (;;) {
      if (progress.cancelled()) return cancelled(task_id);
      fetch::FetchLimits limits;
      limits.max_bytes = kMaxReplyBytes;
      limits.timeout = milliseconds(120'000);
      limits.connect_timeout = milliseconds(15'000);
      const fetch::Headers headers{{"Authorization", "Bearer " + tokens.token()},
                                   {"Accept", "application/json"}};
      const auto started = config.clock->monotonic();
      auto response =
          http.request(method, url, body, body.empty() ? "" : "application/json", headers, limits);
      const double call_seconds =
          std::chrono::duration<double>(config.clock->monotonic() - started).count();
      Error reason;
      if (!response) {
        metrics::record_upstream(kUpstream, "transport", call_seconds);
        const auto& e = response.error();
        const bool transient =
            e.code == fetch::errc::kFetchFailed || e.code == fetch::errc::kFetchTimeout;
        if (e.code == fetch::errc::kInputTooLarge) {
          return Error{engine::errc::kProviderError,
                       "Kling's answer to " + method + " " + path + " was too large: " + e.message};
        }
        if (!transient || ++transport_failures > kMaxTransportFailures) {
          return Error{engine::errc::kProviderUnreachable,
                       "cannot reach Kling's API at " + base + ": " + e.message};
        }
        reason = Error{engine::errc::kProviderUnreachable,
                       "cannot reach Kling's API at " + base + " (" + e.message + ")"};
      } else {
        transport_failures = 0;
        auto reply = kling::parse_reply(response->status, response->body);
        auto judged = kling::judge(reply);
        metrics::record_upstream(kUpstream, upstream_outcome(judged.verdict), call_seconds);
        if (judged.verdict == kling::Verdict::Success) return reply;
        if (reply.code && *reply.code == 1004 && !reminted) {  // "expired": mint a fresh token once
          reminted = true;
          tokens.invalidate();
          continue;
        }
        if (judged.verdict == kling::Verdict::Fail) return judged.error;
        reason = std::move(judged.error);
      }
      const auto delay = kling::backoff_delay(config.poll_initial, config.poll_max, attempt++);
      if (config.clock->monotonic() + delay >= deadline) {
        return Error{reason.code, reason.message + ", until the task timeout of " +
                                      seconds_text(config.task_timeout) + " ran out."};
      }
      if (!pause(*config.clock, delay, progress)) return cancelled(task_id);
    }
  }

  Result<std::string> submit(const kling::NativeRequest& native, Time deadline,
                             const Progress& progress) {
    auto reply = call("POST", native.create_path(), native.body, deadline, progress, {});
    if (!reply) return reply.error();
    if (reply->task_id.empty()) {
      return Error{engine::errc::kProviderError,
                   "Kling accepted POST " + native.create_path() + " but returned no task_id."};
    }
    return reply->task_id;
  }

  // Polls until the task succeeds (its result URL) or fails.
  Result<kling::Reply> wait(const kling::NativeRequest& native, const std::string& task_id,
                            Time deadline, Progress& progress) {
    std::string last_status = "submitted";
    for (int attempt = 0;; ++attempt) {
      const auto delay = kling::backoff_delay(config.poll_initial, config.poll_max, attempt);
      if (config.clock->monotonic() + delay >= deadline) {
        return Error{engine::errc::kProviderTimeout,
                     "Kling task " + task_id + " did not finish within the task timeout of " +
                         seconds_text(config.task_timeout) + " (last status: " + last_status +
                         ")."};
      }
      if (!pause(*config.clock, delay, progress)) return cancelled(task_id);
      auto reply = call("GET", native.query_path(task_id), {}, deadline, progress, task_id);
      if (!reply) return reply.error();
      if (!reply->task_status.empty()) last_status = reply->task_status;
      if (reply->task_status == "failed") {
        return Error{
            engine::errc::kProviderTaskFailed,
            "Kling task " + task_id + " failed: " +
                (reply->task_status_msg.empty() ? "no reason given" : reply->task_status_msg)};
      }
      if (reply->task_status == "succeed") {
        if (reply->result_url.empty()) {
          return Error{engine::errc::kProviderError,
                       "Kling task " + task_id + " succeeded but its task_result has no " +
                           (native.image ? "images" : "videos") + "[0].url."};
        }
        return reply;
      }
      progress.update(reply->task_status == "processing" ? 0.3 : 0.1);
    }
  }

  Result<Output> fetch_result(const Job& job, const std::string& task_id, const std::string& url,
                              bool image) {
    fetch::FetchLimits limits;
    limits.max_bytes = config.max_download_bytes;
    limits.timeout = milliseconds(15 * 60 * 1000);
    limits.connect_timeout = milliseconds(15'000);
    auto downloaded = http.download(url, job.output_path, limits);
    if (!downloaded) {
      // A full disk is not Kling's fault: the task is deferred and, resumed, downloads again.
      if (downloaded.error().code == io_errc::kStorageFull) return downloaded.error();
      return Error{engine::errc::kProviderDownloadFailed,
                   "the result of Kling task " + task_id +
                       " could not be downloaded: " + downloaded.error().message};
    }
    if (!image) {
      auto info = media::probe(job.output_path);
      if (!info || info->video_codec.empty() || info->width <= 0) {
        return Error{engine::errc::kProviderError, "the result of Kling task " + task_id +
                                                       " is not a playable video" +
                                                       (info ? "." : ": " + info.error().message)};
      }
      return Output{info->width, info->height, info->duration_s};
    }
    auto decoded = media::decode_image_file(job.output_path);
    if (!decoded) {
      return Error{engine::errc::kProviderError,
                   "the result of Kling task " + task_id +
                       " is not a readable image: " + decoded.error().message};
    }
    // Kling answers PNG or JPEG; the client asked for job.content_type.
    if (fetch::sniff_content_type(file_head(job.output_path)) != job.content_type) {
      auto encoded =
          media::encode_image(*decoded, image_format(job.content_type), job.plan.output_quality);
      if (!encoded) return encoded.error();
      errno = 0;
      std::ofstream out(job.output_path, std::ios::binary | std::ios::trunc);
      out.write(encoded->data(), static_cast<std::streamsize>(encoded->size()));
      if (!out.flush()) return io_error(errno, "cannot write the converted image");  // no path: clients see it
    }
    return Output{decoded->width, decoded->height, 0};
  }
};

KlingEngine::KlingEngine(KlingConfig config, fetch::HttpClient http)
    : state_(std::make_unique<State>(std::move(config), std::move(http))) {}

KlingEngine::~KlingEngine() = default;

Result<Output> KlingEngine::render(const Job& job, Progress& progress) {
  auto& s = *state_;
  if (progress.cancelled()) return s.cancelled();
  const bool image = job.plan.model && job.plan.model->type == catalog::ModelType::Image;
  if (!image && job.content_type != "video/mp4") {
    return Error{engine::errc::kUnsupportedOutputFormat,
                 "Kling delivers MP4 and the kling engine relays it as is; use "
                 "outputFormat MP4 for models served by Kling (asked for " +
                     job.content_type + ")."};
  }
  auto native = build_native(job);
  if (!native) return native.error();

  const auto deadline = s.config.clock->monotonic() + s.config.task_timeout;
  if (!s.slots.acquire(deadline, progress)) {
    if (progress.cancelled()) return s.cancelled();
    return Error{engine::errc::kProviderTimeout,
                 "no Kling slot became free within the task timeout of " +
                     seconds_text(s.config.task_timeout) + " (at most " +
                     std::to_string(s.config.max_concurrency) + " Kling tasks run at once)."};
  }
  SlotGuard slot(s.slots);
  Result<std::string> task_id = saved_task_id(job);
  if (task_id->empty()) {
    task_id = s.submit(*native, deadline, progress);
    if (!task_id) return task_id.error();
    // Kept before anything else can fail, so that a crash or restart from here on resumes this
    // Kling task. When it cannot be kept the job goes on; only a restart would create it again.
    (void)progress.save_provider_state(std::string(kStatePrefix) + *task_id);
  }
  progress.update(0.1);
  auto done = s.wait(*native, *task_id, deadline, progress);
  slot.release();  // Kling's concurrency slot is free once the task has finished
  if (!done) return done.error();
  progress.update(0.9);
  auto out = s.fetch_result(job, *task_id, done->result_url, native->image);
  if (out) progress.update(1.0);
  return out;
}

}  // namespace vidserve::engine
