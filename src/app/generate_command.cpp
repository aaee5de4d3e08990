// `vidserve generate`: submit one task to a server, wait for it, download the result.
#include <unistd.h>

#include <boost/json.hpp>
#include <chrono>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <thread>

#include "app/api_client.hpp"
#include "app/commands.hpp"
#include "app/error_codes.hpp"
#include "catalog/catalog.hpp"
#include "common/clock.hpp"
#include "common/money.hpp"
#include "common/uuid.hpp"
#include "fetch/base64.hpp"
#include "fetch/content_sniff.hpp"

namespace vidserve::app {

namespace json = boost::json;

namespace {

struct GenerateOptions {
  std::string server = "http://127.0.0.1:8080", key, model, prompt, output = "out.mp4";
  std::vector<std::string> images;
  std::optional<double> duration;
  std::optional<int> width, height;
};

Result<std::string> data_uri(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{errc::kUnreadable, "cannot read " + path};
  std::ostringstream bytes;
  bytes << in.rdbuf();
  auto type = fetch::sniff_content_type(bytes.str());
  if (type.rfind("image/", 0) != 0)
    return Error{errc::kNotAnImage, path + " is not a PNG, JPEG or WEBP image"};
  return "data:" + type + ";base64," + fetch::encode_base64(bytes.str());
}

Result<json::object> build_task(const GenerateOptions& o, bool video) {
  json::object task{{"taskType", video ? "videoInference" : "imageInference"},
                    {"taskUUID", uuid::generate_v4()}, {"model", o.model}, {"includeCost", true},
                    {"deliveryMethod", "async"}};
  if (!o.prompt.empty()) task["positivePrompt"] = o.prompt;
  if (o.duration) task["duration"] = *o.duration;
  if (o.width) task["width"] = *o.width;
  if (o.height) task["height"] = *o.height;
  json::array images;
  for (std::size_t i = 0; i < o.images.size(); ++i) {
    auto uri = data_uri(o.images[i]);
    if (!uri) return uri.error();
    if (video) {
      images.push_back(json::object{{"image", *uri}, {"frame", i == 0 ? "first" : "last"}});
    } else {
      images.push_back(json::string(*uri));
    }
  }
  if (!images.empty()) task["inputs"] = json::object{{video ? "frameImages" : "referenceImages", images}};
  return task;
}

void print_errors(const json::value& reply) {
  const auto* errors = reply.is_object() ? reply.get_object().if_contains("errors") : nullptr;
  if (!errors || !errors->is_array()) return;
  for (const auto& e : errors->get_array()) {
    const auto& o = e.get_object();
    const auto* parameter = o.if_contains("parameter");
    std::cerr << "error";
    if (parameter) std::cerr << " (" << json::serialize(*parameter) << ")";
    std::cerr << ": " << (o.contains("message") ? std::string(o.at("message").as_string()) : "?") << " ["
              << (o.contains("code") ? std::string(o.at("code").as_string()) : "?") << "]\n";
  }
}

class ProgressLine {
 public:
  explicit ProgressLine(const Clock& clock = SystemClock::instance())
      : clock_(clock), tty_(::isatty(STDERR_FILENO)), start_(clock.monotonic()) {}
  void status(const std::string& what) {
    const auto secs = std::chrono::duration_cast<std::chrono::seconds>(clock_.monotonic() - start_).count();
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

// Polls getResponse until every result succeeded; returns the first result item.
Result<json::object> wait_for_result(const ApiClient& client, const std::string& task_uuid) {
  ProgressLine progress;
  for (;;) {
    const std::string poll = json::serialize(json::array{json::object{{"taskType", "getResponse"}, {"taskUUID", task_uuid}}});
    auto reply = client.post_tasks(poll);
    if (!reply) return reply.error();
    boost::system::error_code ec;
    auto body = json::parse(reply->body, ec);
    if (ec || !body.is_object())
      return Error{errc::kBadReply, "the server answered with something that is not JSON"};
    if (body.get_object().contains("errors")) {
      progress.done();
      print_errors(body);
      return Error{errc::kTaskFailed, "the task failed"};
    }
    const auto& data = body.get_object().at("data").as_array();
    const bool done = !data.empty() && std::all_of(data.begin(), data.end(), [](const json::value& item) {
      return item.get_object().at("status").as_string() == "success";
    });
    if (done) {
      progress.done();
      return data.front().get_object();
    }
    progress.status("processing");
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
}

int run_generate(const GenerateOptions& o) {
  const auto* model = catalog::Catalog::builtin().find(o.model);
  const bool video = !model || model->type == catalog::ModelType::Video;
  auto task = build_task(o, video);
  if (!task) return std::cerr << "vidserve generate: " << task.error().message << "\n", 2;
  const std::string task_uuid(task->at("taskUUID").as_string());
  ApiClient client(o.server, o.key);
  auto reply = client.post_tasks(json::serialize(json::array{*task}));
  if (!reply) return std::cerr << "vidserve generate: " << reply.error().message << "\n", 2;
  boost::system::error_code ec;
  auto body = json::parse(reply->body, ec);
  if (ec || reply->status >= 400) {
    if (!ec) print_errors(body);
    std::cerr << "vidserve generate: the server refused the task (HTTP " << reply->status << ")\n";
    return 1;
  }
  auto result = wait_for_result(client, task_uuid);
  if (!result) return std::cerr << "vidserve generate: " << result.error().message << "\n", 1;
  const char* url_key = video ? "videoURL" : "imageURL";
  if (!result->contains(url_key)) return std::cerr << "vidserve generate: no " << url_key << " in the result\n", 1;
  ProgressLine progress;
  auto downloaded = client.download(std::string(result->at(url_key).as_string()), o.output,
                                    [&](double now, double total) {
                                      progress.status("downloading " + std::to_string(static_cast<long long>(now)) +
                                                      (total > 0 ? "/" + std::to_string(static_cast<long long>(total)) : "") +
                                                      " bytes");
                                    });
  progress.done();
  if (!downloaded) return std::cerr << "vidserve generate: " << downloaded.error().message << "\n", 1;
  std::cout << o.output;
  if (const auto* cost = result->if_contains("cost"); cost && cost->is_number()) {
    std::cout << "  cost " << money::usd(money::from_usd(cost->to_number<double>()));
  }
  std::cout << "  seed " << json::serialize(result->at("seed")) << "\n";
  return 0;
}

}  // namespace

Runner add_generate_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("generate", "Submit one generation to a server and download the result");
  auto o = std::make_shared<GenerateOptions>();
  cmd->add_option("--server", o->server, "Server base URL")->capture_default_str();
  cmd->add_option("--key", o->key, "API key")->required()->envname("VIDSERVE_API_KEY");
  cmd->add_option("--model", o->model, "Model AIR id, e.g. klingai:3@1")->required();
  cmd->add_option("--prompt", o->prompt, "positivePrompt");
  cmd->add_option("--image", o->images, "Input image file: first frame, then last frame (video) or references (image)");
  cmd->add_option("--duration", o->duration, "Seconds");
  cmd->add_option("--width", o->width, "Width in pixels");
  cmd->add_option("--height", o->height, "Height in pixels");
  cmd->add_option("-o,--output", o->output, "Where to write the result")->capture_default_str();
  return [o] { return run_generate(*o); };
}

}  // namespace vidserve::app
