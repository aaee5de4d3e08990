// `vidserve generate`: submit one task to a server, wait for it, download the results.
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <iostream>
#include <memory>
#include <thread>

#include "api/wire/json_text.hpp"
#include "app/api_client.hpp"
#include "app/command_options.hpp"
#include "app/commands.hpp"
#include "app/error_codes.hpp"
#include "app/generate_request.hpp"
#include "catalog/catalog.hpp"
#include "common/clock.hpp"
#include "common/money.hpp"

namespace vidserve::app {

namespace json = boost::json;

namespace {

constexpr auto kPollInterval = std::chrono::milliseconds(500);

class ProgressLine {
 public:
  explicit ProgressLine(const Clock& clock = SystemClock::instance())
      : clock_(clock), tty_(::isatty(STDERR_FILENO)), start_(clock.monotonic()) {}
  void status(const std::string& what) {
    const auto secs =
        std::chrono::duration_cast<std::chrono::seconds>(clock_.monotonic() - start_).count();
    if (tty_) {
      static const char* spin = "|/-\\";
      std::cerr << "\r" << spin[ticks_++ % 4] << " " << what << " " << secs << "s   " << std::flush;
    } else if (secs >= next_line_) {
      std::cerr << what << " (" << secs << "s)\n";
      next_line_ = secs + 5;
    }
  }
  void done() {
    if (tty_) std::cerr << "\n";
  }

 private:
  const Clock& clock_;
  bool tty_;
  Clock::MonotonicTime start_;
  unsigned ticks_ = 0;
  long long next_line_ = 0;
};

std::size_t results_wanted(const json::object& task) {
  const auto* n = task.if_contains("numberResults");
  return n != nullptr && n->is_int64() && n->get_int64() > 1
             ? static_cast<std::size_t>(n->get_int64())
             : 1;
}

// Polls getResponse until `wanted` results succeeded, for at most `wait_s` seconds; returns them.
Result<json::array> wait_for_results(const ApiClient& client, const std::string& task_uuid,
                                     std::size_t wanted, int wait_s) {
  ProgressLine progress;
  const auto& clock = SystemClock::instance();
  const auto deadline = clock.monotonic() + std::chrono::seconds(wait_s);
  const std::string poll = api::wire::to_text(
      json::array{json::object{{"taskType", "getResponse"}, {"taskUUID", task_uuid}}});
  for (;;) {
    auto reply = client.post_tasks(poll);
    if (!reply) return reply.error();
    boost::system::error_code ec;
    auto body = json::parse(reply->body, ec);
    if (ec || !body.is_object())
      return Error{errc::kBadReply, "the server answered with something that is not JSON"};
    if (body.get_object().contains("errors")) {
      progress.done();
      print_reply_errors(body);
      return Error{errc::kTaskFailed, "task " + task_uuid + " failed"};
    }
    const auto* data = body.get_object().if_contains("data");
    if (data == nullptr || !data->is_array())
      return Error{errc::kBadReply, "the server's reply has no data array"};
    const auto& items = data->get_array();
    const bool done =
        items.size() >= wanted &&
        std::all_of(items.begin(), items.end(), [](const json::value& item) {
          const auto* status = item.is_object() ? item.get_object().if_contains("status") : nullptr;
          return status != nullptr && status->is_string() && status->get_string() == "success";
        });
    if (done) {
      progress.done();
      return items;
    }
    if (clock.monotonic() >= deadline) {
      progress.done();
      return Error{errc::kWaitTimeout, "task " + task_uuid + " is still processing after " +
                                           std::to_string(wait_s) + " s; `vidserve tasks get " +
                                           task_uuid + "` reads it later"};
    }
    progress.status("processing");
    std::this_thread::sleep_for(kPollInterval);
  }
}

// out.mp4 for one result; out-1.mp4, out-2.mp4 ... for several.
std::string output_path(const std::string& output, std::size_t index, std::size_t count) {
  if (count <= 1) return output;
  std::filesystem::path p(output);
  const auto name = p.stem().string() + "-" + std::to_string(index + 1) + p.extension().string();
  return (p.parent_path() / name).string();
}

Status download_result(const ApiClient& client, const json::object& item, const std::string& path,
                       bool video) {
  const char* url_key = video ? "videoURL" : "imageURL";
  const auto* url = item.if_contains(url_key);
  if (url == nullptr || !url->is_string())
    return Error{errc::kBadReply, std::string("no ") + url_key + " in the result"};
  ProgressLine progress;
  auto downloaded =
      client.download(std::string(url->get_string()), path, [&](double now, double total) {
        progress.status("downloading " + std::to_string(static_cast<long long>(now)) +
                        (total > 0 ? "/" + std::to_string(static_cast<long long>(total)) : "") +
                        " bytes");
      });
  progress.done();
  return downloaded;
}

void print_result_line(const std::string& path, const json::object& item) {
  std::cout << path;
  if (const auto* cost = item.if_contains("cost"); cost && cost->is_number()) {
    std::cout << "  cost " << money::usd(money::from_usd(cost->to_number<double>()));
  }
  if (const auto* seed = item.if_contains("seed"))
    std::cout << "  seed " << api::wire::to_text(*seed);
  std::cout << "\n";
}

// Submits the task; 0 when the server acknowledged it.
int submit(const ApiClient& client, const json::object& task) {
  auto reply = client.post_tasks(api::wire::to_text(json::array{task}));
  if (!reply) return std::cerr << "vidserve generate: " << reply.error().message << "\n", 2;
  boost::system::error_code ec;
  auto body = json::parse(reply->body, ec);
  if (ec || reply->status >= 400) {
    if (!ec) print_reply_errors(body);
    std::cerr << "vidserve generate: the server refused the task (HTTP " << reply->status << ")\n";
    return 1;
  }
  return 0;
}

int run_generate(const GenerateOptions& o) {
  auto request = build_request(o, catalog::Catalog::builtin());
  if (!request) return std::cerr << "vidserve generate: " << request.error().message << "\n", 2;
  const auto& task = request->task;
  const std::string task_uuid(task.at("taskUUID").as_string());
  ApiClient client(o.server, o.key);
  if (int rc = submit(client, task); rc != 0) return rc;
  if (o.no_wait) return std::cout << task_uuid << "\n", 0;
  auto results = wait_for_results(client, task_uuid, results_wanted(task), o.wait_s);
  if (!results) return std::cerr << "vidserve generate: " << results.error().message << "\n", 1;
  for (std::size_t i = 0; i < results->size(); ++i) {
    const auto& item = (*results)[i].get_object();
    const auto path = output_path(request->output, i, results->size());
    if (auto ok = download_result(client, item, path, request->video); !ok)
      return std::cerr << "vidserve generate: " << ok.error().message << "\n", 1;
    if (!o.as_json) print_result_line(path, item);
  }
  if (o.as_json) std::cout << api::wire::to_text(*results) << "\n";
  return 0;
}

void add_input_options(CLI::App& cmd, GenerateOptions& o) {
  cmd.add_option(
      "--image", o.images,
      "Input image (file, URL or media UUID): first then last frame, the avatar's image, or "
      "reference images, as the model takes them");
  cmd.add_option("--image-last", o.image_last, "Last-frame image (frameImages frame \"last\")");
  cmd.add_option("--video", o.video,
                 "Input video (file, URL or media UUID): lip-sync, video edit, motion control");
  cmd.add_option("--audio", o.audio, "Input audio (file, URL or media UUID): lip-sync, avatar");
}

void add_task_options(CLI::App& cmd, GenerateOptions& o) {
  cmd.add_option("--prompt", o.prompt, "positivePrompt");
  cmd.add_option("--negative-prompt", o.negative_prompt, "negativePrompt");
  cmd.add_option("--seed", o.seed, "seed (result i of -n uses seed + i)");
  cmd.add_option("--duration", o.duration, "Seconds");
  cmd.add_option("--width", o.width, "Width in pixels");
  cmd.add_option("--height", o.height, "Height in pixels");
  cmd.add_option("-n,--results", o.results, "numberResults (1-4): files out-1.mp4, out-2.mp4, ...")
      ->check(CLI::Range(1, 4));
  cmd.add_flag_function(
      "--sound", [&o](std::int64_t) { o.sound = true; }, "providerSettings.klingai.sound true");
  cmd.add_flag_function(
      "--no-sound", [&o](std::int64_t) { o.sound = false; },
      "providerSettings.klingai.sound false");
  cmd.add_option(
      "--shot", o.shots,
      "A shot \"PROMPT:SECONDS\" (repeatable, in order): providerSettings.klingai.multiPrompt with "
      "shotType customize");
  cmd.add_option("--param", o.params,
                 "PATH=VALUE, any request field by its dotted path; VALUE is JSON when it parses, "
                 "else a string "
                 "(repeatable; applied last), e.g. providerSettings.klingai.soundVolume=0.8");
  cmd.add_option("--request", o.request_file,
                 "A task JSON file ('-' for stdin) to start from; the flags override it");
}

}  // namespace

Runner add_generate_command(CLI::App& app) {
  auto* cmd =
      app.add_subcommand("generate", "Submit one generation to a server and download the result");
  auto o = std::make_shared<GenerateOptions>();
  add_server_options(*cmd, o->server, o->key);
  cmd->add_option("--model", o->model,
                  "Model AIR id, e.g. klingai:6@1 (or the --request file's model)");
  add_task_options(*cmd, *o);
  add_input_options(*cmd, *o);
  cmd->add_option(
      "-o,--output", o->output,
      "Where to write the result; its extension sets outputFormat (.mp4 .webm .mov for video, .jpg "
      ".png .webp for images; default out.mp4 or out.jpg)");
  cmd->add_flag("--no-wait", o->no_wait,
                "Print the task UUID once the server accepted it, and exit");
  cmd->add_option("--timeout", o->wait_s,
                  "Seconds to wait for the results; then exit 1 (the task runs on)")
      ->capture_default_str()
      ->check(CLI::Range(1, 7 * 24 * 3600));
  cmd->add_flag("--json", o->as_json, "Print the final result items (getResponse's data) as JSON");
  return [o] { return run_generate(*o); };
}

}  // namespace vidserve::app
