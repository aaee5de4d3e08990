#include "engine/kling/request_builder.hpp"

#include <array>
#include <boost/json.hpp>
#include <cmath>
#include <limits>
#include <utility>
#include <vector>

#include "core/error_codes.hpp"
#include "engine/error_codes.hpp"
#include "fetch/base64.hpp"
#include "fetch/error_codes.hpp"
#include "media/image_codec.hpp"

namespace vidserve::engine::kling {

namespace json = boost::json;

namespace {

const core::GenerationRequest& generation(const Job& job) {
  return std::visit([](const auto& r) -> const core::GenerationRequest& { return r; }, job.request);
}

std::vector<const InputMedia*> inputs_with(const Job& job, std::string_view role) {
  std::vector<const InputMedia*> found;
  for (const auto& in : job.inputs) {
    if (in.role == role) found.push_back(&in);
  }
  return found;
}

const InputMedia* input_with(const Job& job, std::string_view role) {
  const auto found = inputs_with(job, role);
  return found.empty() ? nullptr : found.front();
}

bool is_http_url(const std::string& ref) {
  return ref.rfind("https://", 0) == 0 || ref.rfind("http://", 0) == 0;
}

// Images go as raw base64. Kling takes JPEG and PNG only, so anything else (WebP, ...) is
// re-encoded as PNG first.
Result<std::string> image_payload(const InputMedia& in) {
  if (in.blob.content_type == "image/jpeg" || in.blob.content_type == "image/png")
    return fetch::encode_base64(in.blob.bytes);
  auto image = media::decode_image(in.blob.bytes);
  if (!image) {
    return Error{fetch::errc::kInvalidInput,
                 "the input (" + in.blob.content_type +
                     ") is not an image Kling can take: " + image.error().message,
                 in.path};
  }
  auto png = media::encode_image(*image, media::ImageFormat::Png, 95);
  if (!png) return png.error();
  return fetch::encode_base64(*png);
}

// Videos: the client's own http(s) URL when it gave one (Kling fetches it), else raw base64.
std::string video_payload(const InputMedia& in, const std::string& original_ref) {
  return is_http_url(original_ref) ? original_ref : fetch::encode_base64(in.blob.bytes);
}

std::string whole_seconds(double seconds) {
  return std::to_string(static_cast<long long>(std::llround(seconds)));
}

std::string closest_ratio(catalog::Size size,
                          const std::vector<std::pair<std::string, double>>& ratios) {
  const double r = size.height > 0 ? static_cast<double>(size.width) / size.height : 1.0;
  std::string best = ratios.front().first;
  double best_distance = std::numeric_limits<double>::max();
  for (const auto& [name, value] : ratios) {
    const double distance = std::abs(std::log(r / value));
    if (distance < best_distance) {
      best_distance = distance;
      best = name;
    }
  }
  return best;
}

struct Builder {
  const Job& job;
  const core::GenerationRequest& request;
  const core::Plan& plan;
  const catalog::Model& model;
  const catalog::Workflow& workflow;
  json::object body;

  std::string native(const std::string& key) const {
    const auto it = model.native.find(key);
    return it == model.native.end() ? std::string() : it->second;
  }

  void model_and_mode() {
    if (auto name = native("modelName"); !name.empty()) body["model_name"] = name;
    if (auto mode = native("mode"); !mode.empty()) body["mode"] = mode;
  }

  void prompts() {
    if (request.positive_prompt && !request.positive_prompt->empty())
      body["prompt"] = *request.positive_prompt;
    if (request.negative_prompt && !request.negative_prompt->empty()) {
      body["negative_prompt"] = *request.negative_prompt;
    }
  }

  void duration() {
    if (plan.duration_s) body["duration"] = whole_seconds(*plan.duration_s);
  }

  void cfg_scale() {
    if (const auto* video = std::get_if<core::VideoRequest>(&job.request);
        video && video->cfg_scale) {
      body["cfg_scale"] = *video->cfg_scale;
    }
  }

  void sound() {
    if (workflow.allows_setting("sound")) body["sound"] = plan.sound ? "on" : "off";
  }

  void keep_original_sound(json::object& into) const {
    if (request.klingai.keep_original_sound)
      into["keep_original_sound"] = *request.klingai.keep_original_sound ? "yes" : "no";
  }

  // Kling's multi_shot / shot_type / multi_prompt fields (text2video, image2video): customize with
  // the shots, or intelligence.
  void shots() {
    const auto& type = request.klingai.shot_type;
    if (plan.shots.empty() && !(type && *type == "intelligence")) return;
    body["multi_shot"] = true;
    body["shot_type"] = type ? *type : "customize";
    if (plan.shots.empty()) return;
    json::array list;
    for (std::size_t i = 0; i < plan.shots.size(); ++i) {
      json::object shot;
      shot["index"] = static_cast<std::int64_t>(i + 1);
      shot["prompt"] = plan.shots[i].prompt;
      if (plan.shots[i].duration_s) shot["duration"] = whole_seconds(*plan.shots[i].duration_s);
      list.push_back(std::move(shot));
    }
    body["multi_prompt"] = std::move(list);
  }

  Status no_reference_voices() const {
    if (inputs_with(job, "referenceVoice").empty()) return Ok{};
    return Error{engine::errc::kUnsupportedByEngine,
                 "the kling engine cannot relay inputs.referenceVoices yet: Kling's voice_list "
                 "needs voice ids "
                 "created in the Kling account; remove the reference voices or route this model to "
                 "another engine."};
  }

  // The image that starts the video: the first frame, else a reference image or `image`.
  const InputMedia* start_image() const {
    if (const auto* f = input_with(job, "frame:first")) return f;
    if (const auto* r = input_with(job, "referenceImage")) return r;
    return input_with(job, "image");
  }

  Status text2video() {
    if (auto ok = no_reference_voices(); !ok) return ok;
    model_and_mode();
    prompts();
    duration();
    cfg_scale();
    sound();
    shots();
    if (plan.size) body["aspect_ratio"] = video_aspect_ratio(*plan.size);
    return Ok{};
  }

  Status image2video() {
    if (auto ok = no_reference_voices(); !ok) return ok;
    model_and_mode();
    prompts();
    duration();
    cfg_scale();
    sound();
    shots();
    const auto* first = start_image();
    const auto* last = input_with(job, "frame:last");
    if (!first && !last)
      return Error{fetch::errc::kInvalidInput,
                   "image-to-video needs a first or a last frame image."};
    if (first) {
      auto image = image_payload(*first);
      if (!image) return image.error();
      body["image"] = std::move(*image);
    }
    if (last) {
      auto tail = image_payload(*last);
      if (!tail) return tail.error();
      body["image_tail"] = std::move(*tail);
    }
    return Ok{};
  }

  Result<json::object> image_item(const InputMedia& in, const char* key, const char* type) const {
    auto data = image_payload(in);
    if (!data) return data.error();
    json::object item;
    item[key] = std::move(*data);
    if (type) item["type"] = type;
    return item;
  }

  // POST /v1/videos/omni-video: image_list with first_frame/end_frame types, video_list with
  // refer_type.
  Status omni_video() {
    model_and_mode();
    prompts();
    cfg_scale();
    shots();
    json::array images;
    const auto* first = input_with(job, "frame:first");
    const auto* last = input_with(job, "frame:last");
    if (first) {
      auto item = image_item(*first, "image_url", "first_frame");
      if (!item) return item.error();
      images.push_back(std::move(*item));
    }
    if (last) {
      auto item = image_item(*last, "image_url", "end_frame");
      if (!item) return item.error();
      images.push_back(std::move(*item));
    }
    for (const auto* ref : inputs_with(job, "referenceImage")) {
      auto item = image_item(*ref, "image_url", nullptr);
      if (!item) return item.error();
      images.push_back(std::move(*item));
    }
    json::array videos;
    const auto references = inputs_with(job, "referenceVideo");
    for (std::size_t i = 0; i < references.size(); ++i) {
      const auto* ref = i < request.inputs.reference_videos.size()
                            ? &request.inputs.reference_videos[i]
                            : nullptr;
      json::object item;
      item["video_url"] = video_payload(*references[i], ref ? ref->video.value : std::string());
      item["refer_type"] = ref && ref->refer_type ? *ref->refer_type : "feature";
      keep_original_sound(item);
      videos.push_back(std::move(item));
    }
    bool base_edit = false;
    if (const auto* video = input_with(job, "video")) {
      json::object item;
      item["video_url"] =
          video_payload(*video, request.inputs.video ? request.inputs.video->value : std::string());
      item["refer_type"] = "base";
      keep_original_sound(item);
      videos.push_back(std::move(item));
      base_edit = true;
    }
    if (!images.empty()) body["image_list"] = std::move(images);
    if (!videos.empty()) {
      body["video_list"] = std::move(videos);
    } else {
      sound();  // must be off (absent) when a video is supplied
    }
    if (!base_edit) duration();  // ignored by Kling for refer_type base
    if (plan.size && !first && !base_edit) body["aspect_ratio"] = video_aspect_ratio(*plan.size);
    return Ok{};
  }

  // POST /v1/videos/multi-image2video: reference images; Kling takes only kling-v1-6 there.
  Status multi_image2video() {
    model_and_mode();
    prompts();
    duration();
    json::array images;
    for (const auto* ref : inputs_with(job, "referenceImage")) {
      auto item = image_item(*ref, "image", nullptr);
      if (!item) return item.error();
      images.push_back(std::move(*item));
    }
    body["image_list"] = std::move(images);
    if (plan.size) body["aspect_ratio"] = video_aspect_ratio(*plan.size);
    return Ok{};
  }

  // POST /v1/videos/motion-control: the character image and the motion reference video.
  Status motion_control() {
    model_and_mode();
    prompts();
    const auto* image = start_image();
    const auto* video = input_with(job, "referenceVideo");
    if (!video)
      return Error{fetch::errc::kInvalidInput, "motion-control needs inputs.referenceVideos[0]."};
    if (image) {
      auto data = image_payload(*image);
      if (!data) return data.error();
      body["image_url"] = std::move(*data);
    }
    const auto& refs = request.inputs.reference_videos;
    body["video_url"] =
        video_payload(*video, refs.empty() ? std::string() : refs.front().video.value);
    body["character_orientation"] = request.klingai.character_orientation.value_or("video");
    keep_original_sound(body);
    return Ok{};
  }

  // POST /v1/videos/lip-sync (Kling's classic lip-sync): everything inside "input".
  Status lip_sync() {
    const auto* video = input_with(job, "video");
    const auto* audio = input_with(job, "audio");
    if (!video || !audio)
      return Error{fetch::errc::kInvalidInput, "lip-sync needs inputs.video and inputs.audio."};
    json::object input;
    input["video_url"] =
        video_payload(*video, request.inputs.video ? request.inputs.video->value : std::string());
    input["mode"] = "audio2video";
    if (request.inputs.audio && is_http_url(request.inputs.audio->value)) {
      input["audio_type"] = "url";
      input["audio_url"] = request.inputs.audio->value;
    } else {
      input["audio_type"] = "file";
      input["audio_file"] = fetch::encode_base64(audio->blob.bytes);
    }
    body["input"] = std::move(input);
    return Ok{};
  }

  // POST /v1/videos/avatar/image2video: image + sound_file, no model_name.
  Status avatar() {
    const auto* image = start_image();
    const auto* audio = input_with(job, "audio");
    if (!image || !audio)
      return Error{fetch::errc::kInvalidInput, "avatar needs inputs.image and inputs.audio."};
    if (auto mode = native("mode"); !mode.empty()) body["mode"] = mode;
    prompts();
    body.erase("negative_prompt");
    auto data = image_payload(*image);
    if (!data) return data.error();
    body["image"] = std::move(*data);
    body["sound_file"] = fetch::encode_base64(audio->blob.bytes);
    return Ok{};
  }

  std::string resolution() const {
    if (const auto* image = std::get_if<core::ImageRequest>(&job.request);
        image && image->resolution) {
      return *image->resolution;
    }
    return plan.size ? image_resolution(*plan.size) : "1k";
  }

  // POST /v1/images/generations.
  Status image_generation() {
    model_and_mode();
    prompts();
    const auto refs = inputs_with(job, "referenceImage");
    if (!refs.empty()) {
      auto data = image_payload(*refs.front());
      if (!data) return data.error();
      body["image"] = std::move(*data);
      body.erase("negative_prompt");  // not allowed together with image
    }
    body["resolution"] = resolution();
    body["n"] = 1;
    if (plan.size) body["aspect_ratio"] = image_aspect_ratio(*plan.size);
    return Ok{};
  }

  // POST /v1/images/omni-image.
  Status omni_image() {
    model_and_mode();
    prompts();
    json::array images;
    for (const auto* ref : inputs_with(job, "referenceImage")) {
      auto item = image_item(*ref, "image", nullptr);
      if (!item) return item.error();
      images.push_back(std::move(*item));
    }
    if (!images.empty()) body["image_list"] = std::move(images);
    body["resolution"] = resolution();
    body["n"] = 1;
    body["aspect_ratio"] = plan.size ? image_aspect_ratio(*plan.size) : "auto";
    return Ok{};
  }
};

// The product path for a workflow: the catalog's native endpoint, else the one the workflow
// implies (motion-control always has its own).
std::string endpoint_for(const catalog::Model& model, const catalog::Workflow& workflow) {
  const auto& kind = workflow.kind;
  if (kind == "motion-control") return "motion-control";
  if (auto it = model.native.find("endpoint"); it != model.native.end() && !it->second.empty())
    return it->second;
  if (kind == "text-to-video") return "text2video";
  if (kind == "image-to-video") return "image2video";
  if (kind == "reference-to-video") return "multi-image2video";
  if (kind == "lip-sync") return "lip-sync";
  if (kind == "avatar") return "avatar/image2video";
  if (kind == "text-to-image" || kind == "image-to-image") return "generations";
  return {};
}

}  // namespace

std::string video_aspect_ratio(catalog::Size size) {
  return closest_ratio(size, {{"16:9", 16.0 / 9}, {"9:16", 9.0 / 16}, {"1:1", 1.0}});
}

std::string image_aspect_ratio(catalog::Size size) {
  return closest_ratio(size, {{"16:9", 16.0 / 9},
                              {"9:16", 9.0 / 16},
                              {"1:1", 1.0},
                              {"4:3", 4.0 / 3},
                              {"3:4", 3.0 / 4},
                              {"3:2", 3.0 / 2},
                              {"2:3", 2.0 / 3},
                              {"21:9", 21.0 / 9}});
}

std::string image_resolution(catalog::Size size) {
  const double pixels = static_cast<double>(size.width) * size.height;
  const std::array<std::pair<const char*, double>, 3> tiers{
      {{"1k", 1024.0 * 1024}, {"2k", 2048.0 * 2048}, {"4k", 4096.0 * 4096}}};
  const char* best = "1k";
  double best_distance = std::numeric_limits<double>::max();
  for (const auto& [name, tier] : tiers) {
    const double distance = std::abs(std::log(pixels / tier));
    if (distance < best_distance) {
      best_distance = distance;
      best = name;
    }
  }
  return best;
}

Result<NativeRequest> build_request(const Job& job) {
  if (!job.plan.model || !job.plan.workflow) {
    return Error{core::errc::kInvalidStoredTask, "the job has no model or workflow plan."};
  }
  const auto& model = *job.plan.model;
  const auto& workflow = *job.plan.workflow;
  NativeRequest native;
  native.endpoint = endpoint_for(model, workflow);
  native.image = model.type == catalog::ModelType::Image;
  Builder b{job, generation(job), job.plan, model, workflow, {}};
  const auto& e = native.endpoint;
  Status built = Ok{};
  if (e == "text2video") {
    built = b.text2video();
  } else if (e == "image2video") {
    built = b.image2video();
  } else if (e == "omni-video") {
    built = b.omni_video();
  } else if (e == "multi-image2video") {
    built = b.multi_image2video();
  } else if (e == "motion-control") {
    built = b.motion_control();
  } else if (e == "lip-sync") {
    built = b.lip_sync();
  } else if (e == "avatar/image2video") {
    built = b.avatar();
  } else if (e == "generations") {
    built = b.image_generation();
  } else if (e == "omni-image") {
    built = b.omni_image();
  } else {
    return Error{engine::errc::kUnsupportedByEngine,
                 "the kling engine has no Kling endpoint for " + model.air + " " + workflow.kind +
                     (e.empty() ? "" : " (native endpoint '" + e + "')") + "."};
  }
  if (!built) return built.error();
  b.body["external_task_id"] = job.task_uuid + "-" + std::to_string(job.result_index);
  native.body = json::serialize(b.body);
  return native;
}

}  // namespace vidserve::engine::kling
