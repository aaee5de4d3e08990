#pragma once
// An engine turns one validated request into one media file. It sees typed core requests and
// fetched inputs (fetch::Blob), never JSON or HTTP. Implementations: preview/ (embedded, offline).
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/result.hpp"
#include "core/request.hpp"
#include "core/validate.hpp"
#include "fetch/blob.hpp"

namespace vidserve::engine {

// A fetched input: `role` says where it came from ("frame:first", "frame:last", "referenceImage",
// "referenceVideo", "referenceVoice", "video", "audio", "image").
struct InputMedia {
  std::string role;
  fetch::Blob blob;       // as the fetcher resolved it: bytes and MIME type
  std::string path = {};  // the task's field it came from, e.g. "inputs.frameImages[0].image"
  double duration_s = 0;  // video and audio: the measured length (prices length-priced models)
};

struct Job {
  std::string task_uuid;
  int result_index = 0;
  std::uint64_t seed = 0;
  core::Plan plan;
  std::variant<core::VideoRequest, core::ImageRequest> request;
  std::vector<InputMedia> inputs;
  std::string output_path;   // where to write the file
  std::string content_type;  // video/mp4, image/png, ...
  // What an earlier attempt of this job saved with Progress::save_provider_state ("" when none),
  // e.g. the provider's task id: the engine resumes that work instead of starting it again.
  std::string provider_state = {};
};

struct Output {
  int width = 0, height = 0;
  double duration_s = 0;  // 0 for images
  // What the client should know about how its inputs were used, one sentence each (e.g. "the
  // first frame (720x1280) was letterboxed into 1280x720"); stored with the result and shown in
  // the result item's "notes".
  std::vector<std::string> notes = {};
};

// Lets a long render report progress, notice cancellation and save what a later attempt of the
// same job needs to resume.
class Progress {
 public:
  virtual ~Progress() = default;
  virtual void update(double fraction) = 0;
  virtual bool cancelled() const = 0;
  // Keeps a small state for this job (at most 4 KiB), which a later attempt of it (after a
  // crash, a restart or a lost lease) gets back as Job::provider_state; a new call replaces it.
  // Returns once it is durable. An error means it was not kept: the job can go on, but a later
  // attempt starts over; when the task was cancelled or taken over, cancelled() turns true.
  virtual Status save_provider_state(std::string state) = 0;
};

// The end of an asynchronous render: called exactly once, on any thread.
using RenderDone = std::function<void(Result<Output>)>;

class Engine {
 public:
  virtual ~Engine() = default;
  virtual std::string_view name() const = 0;
  // Renders on the calling thread; returns when the output file is written.
  virtual Result<Output> render(const Job& job, Progress& progress) = 0;
  // True when start() renders without holding the caller's thread (an engine that waits on a
  // remote provider): the worker hands the job over and goes on.
  virtual bool asynchronous() const { return false; }
  // Starts rendering `job` (copied as needed) and returns; `done` gets the outcome. `progress`
  // must stay valid until `done` ran. An asynchronous engine calls progress.update() and
  // cancelled() on its own event-loop thread, so these must return at once (no store access);
  // save_provider_state() may block and is called on another thread. The default renders here.
  virtual void start(const Job& job, Progress& progress, RenderDone done) { done(render(job, progress)); }
};

// The media type a plan produces: "video/mp4", "video/webm", "video/quicktime", "image/jpeg", ...
std::string output_content_type(const core::Plan& plan);

// Which engine serves which model: "klingai:3@1" or a prefix pattern "klingai:*" or "*".
class EngineRouter {
 public:
  void add(std::unique_ptr<Engine> engine);
  // Rules are tried in order; the first whose pattern matches the model wins.
  Status route(const std::string& pattern, const std::string& engine_name);
  Engine* engine_for(const std::string& model) const;

 private:
  std::vector<std::unique_ptr<Engine>> engines_;
  std::vector<std::pair<std::string, Engine*>> routes_;
};

}  // namespace vidserve::engine
