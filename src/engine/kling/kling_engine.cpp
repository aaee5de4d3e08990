#include "engine/kling/kling_engine.hpp"

#include <algorithm>
#include <chrono>
#include <cerrno>
#include <atomic>
#include <condition_variable>
#include <fstream>
#include <mutex>
#include <optional>

#include "auth/jwt.hpp"
#include "common/clock.hpp"
#include "common/error_codes.hpp"
#include "common/io_error.hpp"
#include "common/metrics.hpp"
#include "engine/error_codes.hpp"
#include "engine/kling/protocol.hpp"
#include "engine/kling/kling_relay.hpp"
#include "engine/kling/request_builder.hpp"
#include "fetch/content_sniff.hpp"
#include "fetch/error_codes.hpp"
#include "media/image_codec.hpp"
#include "media/probe.hpp"

namespace vidserve::engine {

namespace {

using kling::kStatePrefix;

media::ImageFormat image_format(const std::string& content_type) {
  if (content_type == "image/png") return media::ImageFormat::Png;
  if (content_type == "image/webp") return media::ImageFormat::Webp;
  return media::ImageFormat::Jpeg;
}

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

// Checks the result downloaded into the job's file: a playable video, or an image converted to
// the requested format (blocking: runs on the relay's pool).
Result<Output> check_result(const kling::RelayJob& job, const std::string& task_id) {
  const bool image = job.native.image;
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
        media::encode_image(*decoded, image_format(job.content_type), job.output_quality);
    if (!encoded) return encoded.error();
    errno = 0;
    std::ofstream out(job.output_path, std::ios::binary | std::ios::trunc);
    out.write(encoded->data(), static_cast<std::streamsize>(encoded->size()));
    if (!out.flush()) return io_error(errno, "cannot write the converted image");  // no path: clients see it
  }
  return Output{decoded->width, decoded->height, 0};
}

// render() on top of start(): the relay's calls to this Progress (on its loop thread, or its pool
// for save_provider_state) are forwarded to the caller's Progress on the calling thread, which
// waits here; the caller's Progress may block (store writes) and need not be thread-safe.
class Bridge final : public Progress {
 public:
  void update(double fraction) override { fraction_.store(fraction); }
  bool cancelled() const override { return cancel_.load(); }
  Status save_provider_state(std::string state) override {
    std::unique_lock lock(mutex_);
    save_request_ = std::move(state);
    changed_.notify_all();
    changed_.wait(lock, [this] { return save_answer_.has_value(); });
    Status answer = std::move(*save_answer_);
    save_answer_.reset();
    return answer;
  }
  void finish(Result<Output> result) {
    std::lock_guard lock(mutex_);
    result_ = std::move(result);
    changed_.notify_all();
  }
  // Until finish(): forwards cancellation and progress (on a change, and every 10 s so a long
  // wait shows the task alive) and serves save_provider_state.
  Result<Output> wait(Progress& outer) {
    double reported = -1;
    int ticks = 0;
    std::unique_lock lock(mutex_);
    for (;;) {
      if (result_) return std::move(*result_);
      if (save_request_) {
        auto state = std::move(*save_request_);
        save_request_.reset();
        lock.unlock();
        auto saved = outer.save_provider_state(std::move(state));
        lock.lock();
        save_answer_ = std::move(saved);
        changed_.notify_all();
        continue;
      }
      lock.unlock();
      if (outer.cancelled()) cancel_ = true;
      const double fraction = fraction_.load();
      if (fraction != reported || ++ticks % 200 == 0) {
        outer.update(std::max(0.0, fraction));
        reported = fraction;
      }
      lock.lock();
      changed_.wait_for(lock, std::chrono::milliseconds(50), [this] { return result_ || save_request_; });
    }
  }

 private:
  std::atomic<double> fraction_{0.0};
  std::atomic<bool> cancel_{false};
  std::mutex mutex_;
  std::condition_variable changed_;
  std::optional<std::string> save_request_;
  std::optional<Status> save_answer_;
  std::optional<Result<Output>> result_;
};

}  // namespace

struct KlingEngine::State {
  KlingConfig config;
  fetch::HttpClient http;
  kling::Relay relay;

  State(KlingConfig c, fetch::HttpClient h)
      : config(std::move(c)),
        http(std::move(h)),
        relay(config, http.guard(), check_result) {}
};

KlingEngine::KlingEngine(KlingConfig config, fetch::HttpClient http)
    : state_(std::make_unique<State>(std::move(config), std::move(http))) {}

KlingEngine::~KlingEngine() = default;

std::uint64_t KlingEngine::connections_opened() const { return state_->relay.connections_opened(); }

void KlingEngine::start(const Job& job, Progress& progress, RenderDone done) {
  if (progress.cancelled()) return done(Error{vidserve::errc::kTaskCancelled, "the task was cancelled."});
  const bool image = job.plan.model && job.plan.model->type == catalog::ModelType::Image;
  if (!image && job.content_type != "video/mp4") {
    return done(Error{engine::errc::kUnsupportedOutputFormat,
                      "Kling delivers MP4 and the kling engine relays it as is; use "
                      "outputFormat MP4 for models served by Kling (asked for " +
                          job.content_type + ")."});
  }
  auto native = build_native(job);
  if (!native) return done(native.error());
  kling::RelayJob relay_job;
  relay_job.native = std::move(native).value();
  relay_job.task_id = saved_task_id(job);
  relay_job.output_path = job.output_path;
  relay_job.content_type = job.content_type;
  relay_job.output_quality = job.plan.output_quality;
  relay_job.progress = &progress;
  relay_job.done = std::move(done);
  state_->relay.start(std::move(relay_job));
}

Result<Output> KlingEngine::render(const Job& job, Progress& progress) {
  Bridge bridge;
  start(job, bridge, [&bridge](Result<Output> out) { bridge.finish(std::move(out)); });
  return bridge.wait(progress);
}

}  // namespace vidserve::engine
