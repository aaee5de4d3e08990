// The six native products, each translated into a Runware videoInference task.
#include "api/wire/kling/native_products.hpp"

#include "api/wire/kling/error_codes.hpp"
#include "api/wire/kling/native_models.hpp"
#include "api/wire/error_codes.hpp"
#include "core/error_codes.hpp"

namespace vidserve::api::kling {

namespace json = boost::json;
using namespace detail;

namespace {

void no_workflow(Translation& t, const catalog::Model& model, const char* workflow, const char* instead) {
  t.problems.add("model_name", errc::kUnsupportedWorkflow,
                 model.name + " has no " + std::string(workflow) + "; use " + instead + ".");
}

// image / image_tail as frameImages (first, last) or, for models whose image-to-video takes a
// reference image instead (2.6 Standard), as referenceImages.
void read_frames(FieldReader& r, const catalog::Model* model, Translation& t) {
  auto image = read_text(r, "image");
  auto tail = read_text(r, "image_tail");
  if (!image && !tail) {
    t.problems.add("image", core::errc::kMissingParameter,
                   "image2video needs image, image_tail or both.");
    return;
  }
  const auto* workflow = model ? find_workflow(*model, "image-to-video") : nullptr;
  if (model && !workflow) return no_workflow(t, *model, "image-to-video", "/v1/videos/text2video");
  if (!workflow) return;
  if (!workflow->accepts_input("frameImages")) {
    if (tail) {
      t.problems.add(
          "image_tail", core::errc::kUnsupportedParameter,
          model->name + " has no end-frame control; use mode pro or leave image_tail out.");
    }
    if (image) inputs(t)["referenceImages"] = json::array{json::value(*image)};
    t.name("inputs.referenceImages", "image");
    return;
  }
  json::array frames;
  for (const auto& [value, frame, native] :
       {std::tuple{image, "first", "image"}, std::tuple{tail, "last", "image_tail"}}) {
    if (!value) continue;
    t.name("inputs.frameImages[" + std::to_string(frames.size()) + "]", native);
    frames.push_back(json::object{{"image", *value}, {"frame", frame}});
  }
  t.name("inputs.frameImages", image ? "image" : "image_tail");
  inputs(t)["frameImages"] = std::move(frames);
}

// One entry of an array of objects, or a problem naming it.
const json::object* item_object(const json::array& list, std::size_t i, const std::string& path, Translation& t) {
  if (list[i].is_object()) return &list[i].get_object();
  t.problems.add(path, core::errc::kInvalidType, path + " must be an object.");
  return nullptr;
}

// omni-video image_list: first_frame/end_frame entries become frameImages, the rest references.
void read_image_list(FieldReader& r, Translation& t, std::string& kind) {
  const auto* list = r.array("image_list");
  if (!list) return;
  json::array frames, references;
  for (std::size_t i = 0; i < list->size(); ++i) {
    const auto path = "image_list[" + std::to_string(i) + "]";
    const auto* item = item_object(*list, i, path, t);
    if (!item) continue;
    FieldReader entry(*item, path + ".", t.problems);
    auto url = entry.string("image_url");
    auto type = read_text(entry, "type");
    entry.report_unknown();
    if (!url) {
      t.problems.add(path + ".image_url", core::errc::kMissingParameter,
                     path + ".image_url is required.");
      continue;
    }
    if (type && *type != "first_frame" && *type != "end_frame") {
      t.problems.add(path + ".type", core::errc::kInvalidValue,
                     path + ".type must be first_frame or end_frame.");
    } else if (type) {
      t.name("inputs.frameImages[" + std::to_string(frames.size()) + "]", path + ".image_url");
      frames.push_back(json::object{{"image", *url}, {"frame", *type == "first_frame" ? "first" : "last"}});
    } else {
      t.name("inputs.referenceImages[" + std::to_string(references.size()) + "]", path + ".image_url");
      references.push_back(json::value(*url));
    }
  }
  t.name("inputs.frameImages", "image_list");
  t.name("inputs.referenceImages", "image_list");
  if (!frames.empty()) inputs(t)["frameImages"] = std::move(frames), kind = "image-to-video";
  if (!references.empty()) inputs(t)["referenceImages"] = std::move(references), kind = "reference-to-video";
}

// omni-video video_list (at most 1): refer_type base edits that video, feature uses it as a reference.
void read_video_list(FieldReader& r, const catalog::Model* model, Translation& t, std::string& kind) {
  const auto* list = r.array("video_list");
  if (!list || list->empty()) return;
  if (list->size() > 1)
    t.problems.add("video_list", wire::errc::kTooManyItems, "video_list takes at most 1 video.");
  const auto* item = item_object(*list, 0, "video_list[0]", t);
  if (!item) return;
  FieldReader entry(*item, "video_list[0].", t.problems);
  auto url = entry.string("video_url");
  const auto refer = read_text(entry, "refer_type").value_or("base");
  auto keep = read_switch(entry, "keep_original_sound", t.problems, true);
  entry.report_unknown();
  if (!url) {
    t.problems.add("video_list[0].video_url", core::errc::kMissingParameter,
                   "video_list[0].video_url is required.");
    return;
  }
  if (refer != "base" && refer != "feature") {
    t.problems.add("video_list[0].refer_type", core::errc::kInvalidValue,
                   "video_list[0].refer_type must be base or feature.");
    return;
  }
  if (refer == "base") {
    inputs(t)["video"] = *url;
    t.name("inputs.video", "video_list[0].video_url");
    kind = model && find_workflow(*model, "video-edit") ? "video-edit" : "video-to-video";
  } else {
    inputs(t)["referenceVideos"] = json::array{json::value(*url)};
    t.name("inputs.referenceVideos", "video_list[0].video_url");
    kind = "reference-to-video";
  }
  if (keep) settings(t)["keepOriginalSound"] = *keep;
  t.name("providerSettings.klingai.keepOriginalSound", "video_list[0].keep_original_sound");
}

}  // namespace

void translate_text2video(FieldReader& r, const catalog::Catalog& catalog, Translation& t) {
  const auto* model = read_model(r, "text2video", catalog, t, true);
  if (model && !find_workflow(*model, "text-to-video")) no_workflow(t, *model, "text-to-video", "/v1/videos/image2video");
  read_prompts(r, t, true);
  read_shots(r, t);
  read_duration(r, t);
  read_sound(r, t);
  read_size(r, model, "text-to-video", t, true);
  refuse_unserved(r, {"camera_control", "voice_list", "element_list"}, t.problems);
}

void translate_image2video(FieldReader& r, const catalog::Catalog& catalog, Translation& t) {
  const auto* model = read_model(r, "image2video", catalog, t, true);
  read_frames(r, model, t);
  read_prompts(r, t, true);
  read_shots(r, t);
  read_duration(r, t);
  read_sound(r, t);
  read_size(r, model, "image-to-video", t, false);
  refuse_unserved(r, {"camera_control", "static_mask", "dynamic_masks", "voice_list", "element_list"}, t.problems);
}

void translate_omni_video(FieldReader& r, const catalog::Catalog& catalog, Translation& t) {
  const auto* model = read_model(r, "omni-video", catalog, t, true);
  std::string kind = "text-to-video";
  read_image_list(r, t, kind);
  read_video_list(r, model, t, kind);
  read_prompts(r, t, false);
  read_shots(r, t);
  read_duration(r, t);
  read_sound(r, t);
  // aspect_ratio is required unless a first frame or the edited video sets the size.
  read_size(r, model, kind, t, kind == "text-to-video" || kind == "reference-to-video");
  refuse_unserved(r, {"element_list"}, t.problems);
}

void translate_multi_image2video(FieldReader& r, const catalog::Catalog& catalog, Translation& t) {
  const auto* model = read_model(r, "multi-image2video", catalog, t, true);
  if (const auto* list = r.array("image_list")) {
    json::array references;
    for (std::size_t i = 0; i < list->size(); ++i) {
      const auto path = "image_list[" + std::to_string(i) + "]";
      const auto* item = item_object(*list, i, path, t);
      if (!item) continue;
      FieldReader entry(*item, path + ".", t.problems);
      if (auto image = entry.string("image")) {
        t.name("inputs.referenceImages[" + std::to_string(references.size()) + "]", path + ".image");
        references.push_back(json::value(*image));
      }
      entry.report_unknown();
    }
    inputs(t)["referenceImages"] = std::move(references);
  }
  t.name("inputs.referenceImages", "image_list");
  read_prompts(r, t, true);
  read_duration(r, t);
  read_size(r, model, "reference-to-video", t, true);
}

void translate_lip_sync(FieldReader& r, const catalog::Catalog& catalog, Translation& t) {
  read_model(r, "lip-sync", catalog, t, false);
  const auto* input = r.object("input");
  if (!input) {
    t.problems.add("input", core::errc::kMissingParameter,
                   "lip-sync needs input {video_url, mode, audio_type, audio_url|audio_file}.");
    return;
  }
  FieldReader in(*input, "input.", t.problems);
  if (auto video = read_text(in, "video_url")) inputs(t)["video"] = *video;
  t.name("inputs.video", "input.video_url");
  if (read_text(in, "video_id")) {
    t.problems.add("input.video_id", core::errc::kUnsupportedParameter,
                   "send the video as input.video_url; input.video_id is not served.");
  }
  const auto mode = read_text(in, "mode").value_or("audio2video");
  if (mode != "audio2video") {
    t.problems.add(
        "input.mode", core::errc::kUnsupportedParameter,
        "input.mode " + mode + " (Kling's text-to-speech voices) is not served; send audio2video.");
  }
  const auto audio_type = read_text(in, "audio_type").value_or("url");
  auto audio = read_text(in, audio_type == "file" ? "audio_file" : "audio_url");
  if (audio) inputs(t)["audio"] = *audio;
  t.name("inputs.audio", audio_type == "file" ? "input.audio_file" : "input.audio_url");
  refuse_unserved(in, {"text", "voice_id", "voice_language", "voice_speed"}, t.problems);
  in.mark_known(audio_type == "file" ? "audio_url" : "audio_file");
  in.report_unknown();
}

void translate_avatar(FieldReader& r, const catalog::Catalog& catalog, Translation& t) {
  read_model(r, "avatar/image2video", catalog, t, false);
  if (auto image = read_text(r, "image")) inputs(t)["image"] = *image;
  t.name("inputs.image", "image");
  if (auto sound = read_text(r, "sound_file")) inputs(t)["audio"] = *sound;
  t.name("inputs.audio", "sound_file");
  refuse_unserved(r, {"audio_id"}, t.problems);
  read_prompts(r, t, false);
}

}  // namespace vidserve::api::kling
