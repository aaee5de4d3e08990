#include "api/runware/task_parser.hpp"

#include <array>
#include <map>

#include "api/runware/error_codes.hpp"
#include "api/wire/field_reader.hpp"
#include "common/text.hpp"
#include "core/error_codes.hpp"

namespace vidserve::api::runware {

using wire::FieldReader;
using wire::json_kind;

namespace json = boost::json;

namespace {

// Runware parameters of other providers' models: known names, so they get "not supported by this
// model" rather than "unknown parameter".
constexpr std::array kOtherProviderParameters = {
    "steps", "scheduler", "seedImage", "maskImage", "strength", "lora", "controlNet", "vae",
    "clipSkip", "refiner", "embeddings", "ipAdapters", "acceleration", "acceleratorOptions",
    "promptWeighting", "outpaint", "advancedFeatures"};

const std::vector<std::string> kSettingNames = {"sound",        "keepOriginalSound", "characterOrientation",
                                                "multiPrompt",  "shotType",          "soundVolume",
                                                "originalAudioVolume", "fast"};
const std::vector<std::string> kInputNames = {"frameImages", "referenceImages", "referenceVideos",
                                              "referenceVoices", "video", "audio", "image"};

// Suggestions for keys that are right but in the wrong place, or named as in other APIs.
std::string top_level_hint(const std::string& key) {
  static const std::map<std::string, std::string> aliases = {
      {"prompt", "positivePrompt"},     {"negative_prompt", "negativePrompt"},
      {"cfg_scale", "CFGScale"},        {"cfgScale", "CFGScale"},
      {"aspect_ratio", "width and height"}, {"image_url", "inputs.frameImages"},
      {"image_tail", "inputs.frameImages with frame \"last\""}, {"n", "numberResults"}};
  if (auto it = aliases.find(key); it != aliases.end()) return it->second;
  for (const auto& s : kSettingNames) {
    if (s == key) return "providerSettings.klingai." + key;
  }
  for (const auto& i : kInputNames) {
    if (i == key) return "inputs." + key;
  }
  return {};
}

std::optional<double> shot_duration(const json::value& v, const std::string& path, FieldReader& r) {
  if (v.is_number()) return v.to_number<double>();
  // Runware's documented multiPrompt examples send shot durations as strings ("5"), as Kling's
  // native API does.
  if (v.is_string()) {
    const std::string s(v.get_string());
    char* end = nullptr;
    const double d = std::strtod(s.c_str(), &end);
    if (!s.empty() && end == s.c_str() + s.size()) return d;
  }
  r.type_error(path, "a number of seconds (or a numeric string)", v);
  return std::nullopt;
}

std::vector<core::Shot> parse_shots(const json::array& items, const std::string& base,
                                    core::Problems& problems) {
  std::vector<core::Shot> shots;
  for (std::size_t i = 0; i < items.size(); ++i) {
    const std::string path = base + "[" + std::to_string(i) + "]";
    const auto* o = items[i].if_object();
    if (!o) {
      problems.add(path, core::errc::kInvalidType, path + " must be an object {prompt, duration}.");
      problems.mark_reported(path);
      shots.push_back({});
      continue;
    }
    FieldReader shot(*o, path + ".", problems);
    core::Shot s;
    s.prompt = shot.string("prompt").value_or("");
    if (const auto* d = shot.raw("duration")) s.duration_s = shot_duration(*d, path + ".duration", shot);
    shot.report_unknown();
    shots.push_back(std::move(s));
  }
  return shots;
}

void parse_kling(const json::object& o, core::KlingSettings& s, core::Problems& problems) {
  FieldReader k(o, "providerSettings.klingai.", problems);
  s.sound = k.boolean("sound");
  s.keep_original_sound = k.boolean("keepOriginalSound");
  s.fast = k.boolean("fast");
  s.character_orientation = k.string("characterOrientation");
  s.shot_type = k.string("shotType");
  s.sound_volume = k.number("soundVolume");
  s.original_audio_volume = k.number("originalAudioVolume");
  if (const auto* shots = k.array("multiPrompt")) {
    s.multi_prompt = parse_shots(*shots, "providerSettings.klingai.multiPrompt", problems);
  }
  k.report_unknown();
}

void parse_provider_settings(FieldReader& top, core::KlingSettings& s, core::Problems& problems) {
  const auto* ps = top.object("providerSettings");
  if (!ps) return;
  FieldReader p(*ps, "providerSettings.", problems);
  if (const auto* kling = p.object("klingai")) parse_kling(*kling, s, problems);
  p.report_unknown();
}

void parse_options(FieldReader& r, core::TaskOptions& o, core::Problems& problems) {
  o.output_type = r.string("outputType");
  o.output_format = r.string("outputFormat");
  o.output_quality = r.integer("outputQuality");
  o.number_results = r.integer("numberResults");
  o.ttl = r.integer("ttl");
  o.delivery_method = r.string("deliveryMethod");
  o.webhook_url = r.string("webhookURL");
  o.upload_endpoint = r.string("uploadEndpoint");
  o.include_cost = r.boolean("includeCost");
  o.seed = r.integer("seed");
  if (const auto* safety = r.object("safety")) {
    FieldReader s(*safety, "safety.", problems);
    o.safety = core::Safety{s.boolean("checkContent"), s.string("mode")};
    s.report_unknown();
  }
}

void parse_generation(const json::object& task, FieldReader& r, core::GenerationRequest& g,
                      core::Problems& problems) {
  g.model = r.string("model").value_or("");
  g.positive_prompt = r.string("positivePrompt");
  g.negative_prompt = r.string("negativePrompt");
  g.width = r.integer("width");
  g.height = r.integer("height");
  parse_options(r, g.options, problems);
  parse_inputs(task, r, g.inputs, problems);
  parse_provider_settings(r, g.klingai, problems);
  for (const char* name : kOtherProviderParameters) {
    if (r.raw(name)) g.unsupported_known.emplace_back(name);
  }
}

core::VideoRequest parse_video(const json::object& task, FieldReader& r, core::Problems& problems) {
  core::VideoRequest v;
  parse_generation(task, r, v, problems);
  v.duration = r.number("duration");
  v.fps = r.integer("fps");
  v.cfg_scale = r.number("CFGScale");
  return v;
}

core::ImageRequest parse_image(const json::object& task, FieldReader& r, core::Problems& problems) {
  core::ImageRequest i;
  parse_generation(task, r, i, problems);
  i.resolution = r.string("resolution");
  i.options.check_nsfw = r.boolean("checkNSFW");
  return i;
}

const std::vector<std::string> kTaskTypes = {"videoInference", "imageInference", "imageUpload",
                                             "getResponse",    "ping",           "authentication",
                                             "modelSearch"};

void parse_utility(const std::string& type, FieldReader& r, ParsedTask& out) {
  // Utility tasks carry their own fields; the server checks them. Here they are only accepted.
  (void)type;
  for (const char* key : {"apiKey", "image", "search", "tags", "category", "type", "architecture",
                          "limit", "offset", "visibility", "pong", "connectionSessionUUID"}) {
    r.raw(key);
  }
  out.request = UtilityTask{type};
}

}  // namespace

ParsedTask parse_task(const json::value& value) {
  if (const auto* task = value.if_object()) return parse_task(*task);
  ParsedTask out;
  out.problems.add("", core::errc::kInvalidType,
                   std::string("a task must be a JSON object; got ") + json_kind(value) + ".");
  return out;
}

ParsedTask parse_task(const json::object& object) {
  ParsedTask out;
  const auto* task = &object;
  FieldReader r(*task, "", out.problems);
  out.task_type = r.string("taskType").value_or("");
  out.task_uuid = r.string("taskUUID").value_or("");
  if (out.task_type.empty()) {
    if (!task->contains("taskType")) {
      out.problems.add("taskType", core::errc::kMissingParameter,
                       "taskType is required, e.g. videoInference.");
    } else if (task->at("taskType").is_string()) {  // a wrong type was reported by the reader
      out.problems.add("taskType", core::errc::kMissingParameter,
                       "taskType is empty; use e.g. videoInference.");
    }
    return out;
  }
  if (out.task_type == "videoInference") {
    out.request = parse_video(*task, r, out.problems);
  } else if (out.task_type == "imageInference") {
    out.request = parse_image(*task, r, out.problems);
  } else if (std::find(kTaskTypes.begin(), kTaskTypes.end(), out.task_type) != kTaskTypes.end()) {
    parse_utility(out.task_type, r, out);
  } else {
    std::string message = "taskType " + text::quoted(out.task_type) + " is not supported";
    if (auto near = text::nearest(out.task_type, kTaskTypes)) message += "; did you mean " + *near + "?";
    out.problems.add("taskType", errc::kUnsupportedTaskType,
                     message + " vidserve serves " + text::join_list(kTaskTypes) + ".");
    return out;
  }
  r.report_unknown(top_level_hint);
  if (auto* g = std::get_if<core::VideoRequest>(&out.request)) {
    g->task_type = out.task_type;
    g->task_uuid = out.task_uuid;
  } else if (auto* i = std::get_if<core::ImageRequest>(&out.request)) {
    i->task_type = out.task_type;
    i->task_uuid = out.task_uuid;
  }
  return out;
}

}  // namespace vidserve::api::runware
