#include "app/generate_request.hpp"

#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <span>
#include <sstream>

#include "app/error_codes.hpp"
#include "common/text.hpp"
#include "common/uuid.hpp"
#include "fetch/base64.hpp"
#include "fetch/content_sniff.hpp"

namespace vidserve::app {

namespace json = boost::json;

namespace {

struct Format {
  const char* extension;
  const char* format;
};
constexpr Format kVideoFormats[] = {{".mp4", "MP4"}, {".webm", "WEBM"}, {".mov", "MOV"}};
constexpr Format kImageFormats[] = {
    {".jpg", "JPG"}, {".jpeg", "JPG"}, {".png", "PNG"}, {".webp", "WEBP"}};

Result<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{errc::kUnreadable, "cannot read " + path};
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

bool passed_as_is(const std::string& value) {
  return value.rfind("http://", 0) == 0 || value.rfind("https://", 0) == 0 ||
         value.rfind("data:", 0) == 0 || uuid::is_uuid(value);
}

// A file as a data URI; `kind` is "image", "video" or "audio". URLs and UUIDs pass unchanged.
Result<std::string> media_value(const std::string& value, const std::string& kind,
                                const char* flag) {
  if (passed_as_is(value)) return value;
  auto bytes = read_file(value);
  if (!bytes) return Error{errc::kUnreadable, std::string(flag) + ": " + bytes.error().message};
  const auto type = fetch::sniff_content_type(*bytes);
  const bool fits = kind == "image" ? type.rfind("image/", 0) == 0
                                    : type.rfind("video/", 0) == 0 || type.rfind("audio/", 0) == 0;
  if (!fits) {
    return Error{errc::kNotAnImage, std::string(flag) + ": " + value + " is not a recognised " +
                                        kind +
                                        (kind == "image" ? " (PNG, JPEG or WEBP)" : " file")};
  }
  return "data:" + type + ";base64," + fetch::encode_base64(*bytes);
}

bool any_workflow_accepts(const catalog::Model* model, const std::string& input) {
  if (model == nullptr) return false;
  for (const auto& w : model->workflows) {
    if (w.accepts_input(input)) return true;
  }
  return false;
}

Result<json::object> base_task(const GenerateOptions& o) {
  if (o.request_file.empty()) return json::object{};
  auto text = o.request_file == "-"
                  ? Result<std::string>(std::string(std::istreambuf_iterator<char>(std::cin),
                                                    std::istreambuf_iterator<char>()))
                  : read_file(o.request_file);
  if (!text) return Error{errc::kUnreadable, "--request: " + text.error().message};
  boost::system::error_code ec;
  auto doc = json::parse(*text, ec);
  if (!ec && doc.is_array() && doc.get_array().size() == 1) doc = doc.get_array()[0];
  if (ec || !doc.is_object())
    return Error{errc::kInvalidFlag, "--request " + o.request_file +
                                         " must hold one task: a JSON object (or an array of one)"};
  return std::move(doc.get_object());
}

json::object& object_at(json::object& parent, const std::string& key) {
  auto& v = parent[key];
  if (!v.is_object()) v = json::object{};
  return v.get_object();
}

// --image, --image-last, --video, --audio into `inputs`, shaped by what the model's workflows take.
Status add_inputs(const GenerateOptions& o, const catalog::Model* model, bool video,
                  json::object& task) {
  json::object& inputs = object_at(task, "inputs");
  json::array frames, references;
  const bool single_image = any_workflow_accepts(model, "image");
  const bool frame_images = any_workflow_accepts(model, "frameImages") || model == nullptr;
  for (std::size_t i = 0; i < o.images.size(); ++i) {
    auto uri = media_value(o.images[i], "image", "--image");
    if (!uri) return uri.error();
    if (single_image && o.images.size() == 1) {
      inputs["image"] = *uri;
    } else if (video && frame_images) {
      frames.push_back(json::object{{"image", *uri}, {"frame", i == 0 ? "first" : "last"}});
    } else {
      references.push_back(json::string(*uri));
    }
  }
  if (o.image_last) {
    auto uri = media_value(*o.image_last, "image", "--image-last");
    if (!uri) return uri.error();
    frames.push_back(json::object{{"image", *uri}, {"frame", "last"}});
  }
  if (!frames.empty()) inputs["frameImages"] = std::move(frames);
  if (!references.empty()) inputs["referenceImages"] = std::move(references);
  if (o.video) {
    auto uri = media_value(*o.video, "video", "--video");
    if (!uri) return uri.error();
    if (any_workflow_accepts(model, "video") || !any_workflow_accepts(model, "referenceVideos")) {
      inputs["video"] = *uri;
    } else {
      inputs["referenceVideos"] = json::array{json::string(*uri)};
    }
  }
  if (o.audio) {
    auto uri = media_value(*o.audio, "audio", "--audio");
    if (!uri) return uri.error();
    inputs["audio"] = *uri;
  }
  if (inputs.empty()) task.erase("inputs");
  return Ok{};
}

Status add_settings(const GenerateOptions& o, json::object& task) {
  if (!o.sound && o.shots.empty()) return Ok{};
  json::object& klingai = object_at(object_at(task, "providerSettings"), "klingai");
  if (o.sound) klingai["sound"] = *o.sound;
  if (o.shots.empty()) return Ok{};
  json::array shots;
  for (const auto& s : o.shots) {
    auto shot = parse_shot(s);
    if (!shot) return shot.error();
    shots.push_back(std::move(*shot));
  }
  klingai["multiPrompt"] = std::move(shots);
  if (!klingai.contains("shotType")) klingai["shotType"] = "customize";
  return Ok{};
}

void add_fields(const GenerateOptions& o, bool video, json::object& task) {
  if (!task.contains("taskType")) task["taskType"] = video ? "videoInference" : "imageInference";
  if (!task.contains("taskUUID")) task["taskUUID"] = uuid::generate_v4();
  if (!task.contains("includeCost")) task["includeCost"] = true;
  // generate polls getResponse for the result.
  task["deliveryMethod"] = "async";
  if (!o.prompt.empty()) task["positivePrompt"] = o.prompt;
  if (!o.negative_prompt.empty()) task["negativePrompt"] = o.negative_prompt;
  if (o.seed) task["seed"] = *o.seed;
  if (o.duration) task["duration"] = *o.duration;
  if (o.width) task["width"] = *o.width;
  if (o.height) task["height"] = *o.height;
  if (o.results) task["numberResults"] = *o.results;
}

// -o's extension sets outputFormat; without -o, the request's outputFormat (or the type's
// default, MP4 or JPG) names out.<extension>.
Result<std::string> resolve_output(const GenerateOptions& o, bool video, json::object& task) {
  const auto* given = task.if_contains("outputFormat");
  const std::string asked =
      given != nullptr && given->is_string() ? std::string(given->get_string()) : "";
  if (o.output.empty()) {
    const std::string format = asked.empty() ? (video ? "MP4" : "JPG") : asked;
    task["outputFormat"] = format;
    return "out" + extension_for(format);
  }
  auto format = output_format_for(o.output, video);
  if (!format) return format.error();
  if (!asked.empty() && asked != *format) {
    return Error{errc::kOutputFormatMismatch, "-o " + o.output + " asks for " + *format +
                                                  " but the request's outputFormat is " + asked};
  }
  task["outputFormat"] = *format;
  return o.output;
}

}  // namespace

Result<std::string> output_format_for(const std::string& path, bool video) {
  auto ext = std::filesystem::path(path).extension().string();
  for (auto& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const auto formats = video ? std::span<const Format>(kVideoFormats) : std::span<const Format>(kImageFormats);
  if (ext.empty()) return std::string(formats.front().format);  // "out": the type's default
  std::vector<std::string> allowed;
  for (const auto& f : formats) {
    if (ext == f.extension) return std::string(f.format);
    allowed.push_back(f.extension);
  }
  return Error{errc::kOutputFormatMismatch,
               "-o " + path + ": a" + (video ? " video" : "n image") + " model writes " +
                   text::join_list(allowed, " or ") + " files"};
}

std::string extension_for(const std::string& output_format) {
  for (const auto& list :
       {std::span<const Format>(kVideoFormats), std::span<const Format>(kImageFormats)}) {
    for (const auto& f : list) {
      if (output_format == f.format) return f.extension;
    }
  }
  return ".bin";
}

Status apply_param(json::object& task, const std::string& assignment) {
  const auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0)
    return Error{errc::kInvalidFlag,
                 "--param " + text::quoted(assignment) + ": expected PATH=VALUE, e.g. seed=42"};
  const std::string path = assignment.substr(0, eq), raw = assignment.substr(eq + 1);
  boost::system::error_code ec;
  json::value value = json::parse(raw, ec);
  if (ec) value = json::string(raw);
  json::object* at = &task;
  std::size_t start = 0;
  for (auto dot = path.find('.'); dot != std::string::npos;
       start = dot + 1, dot = path.find('.', start)) {
    const auto key = path.substr(start, dot - start);
    if (key.empty())
      return Error{errc::kInvalidFlag, "--param " + text::quoted(path) + ": an empty path segment"};
    at = &object_at(*at, key);
  }
  const auto last = path.substr(start);
  if (last.empty())
    return Error{errc::kInvalidFlag, "--param " + text::quoted(path) + ": an empty path segment"};
  (*at)[last] = std::move(value);
  return Ok{};
}

Result<json::object> parse_shot(const std::string& shot) {
  const auto colon = shot.rfind(':');
  const auto seconds = colon == std::string::npos ? std::string() : shot.substr(colon + 1);
  char* end = nullptr;
  const double d = seconds.empty() ? 0 : std::strtod(seconds.c_str(), &end);
  if (colon == std::string::npos || colon == 0 || seconds.empty() || *end != '\0' || d <= 0) {
    return Error{errc::kInvalidFlag, "--shot " + text::quoted(shot) +
                                         ": expected \"PROMPT:SECONDS\", e.g. \"a cat walks:3\""};
  }
  return json::object{{"prompt", shot.substr(0, colon)}, {"duration", d}};
}

Result<GenerateRequest> build_request(const GenerateOptions& o, const catalog::Catalog& catalog) {
  auto task = base_task(o);
  if (!task) return task.error();
  if (!o.model.empty()) (*task)["model"] = o.model;
  const auto* model_id = task->if_contains("model");
  if (model_id == nullptr || !model_id->is_string())
    return Error{errc::kInvalidFlag,
                 "no model: give --model (e.g. klingai:6@1) or a \"model\" in --request"};
  const auto* model = catalog.find(std::string(model_id->get_string()));
  const bool video = model == nullptr || model->type == catalog::ModelType::Video;
  add_fields(o, video, *task);
  if (auto ok = add_inputs(o, model, video, *task); !ok) return ok.error();
  if (auto ok = add_settings(o, *task); !ok) return ok.error();
  for (const auto& p : o.params) {
    if (auto ok = apply_param(*task, p); !ok) return ok.error();
  }
  auto output = resolve_output(o, video, *task);
  if (!output) return output.error();
  return GenerateRequest{std::move(*task), std::move(*output), video};
}

}  // namespace vidserve::app
