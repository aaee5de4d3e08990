// inputs.{frameImages, referenceImages, referenceVideos, referenceVoices, video, audio, image}
// and the legacy top-level frameImages [{inputImage, frame}].
#include "api/runware/task_parser.hpp"
#include "api/wire/field_reader.hpp"
#include "core/error_codes.hpp"

namespace vidserve::api::runware {

using wire::as_integer;
using wire::FieldReader;

namespace json = boost::json;

namespace {

std::string index_path(const std::string& base, std::size_t i) {
  return base + "[" + std::to_string(i) + "]";
}

std::optional<std::string> frame_value(const json::value& v) {
  if (v.is_string()) return std::string(v.get_string());
  if (auto i = as_integer(v)) return *i == 0 ? std::string("first") : std::to_string(*i);
  return std::nullopt;
}

void parse_frame_object(const json::object& o, const std::string& path, core::FrameImage& f,
                        core::Problems& problems) {
  FieldReader item(o, path + ".", problems);
  // `image` is the current name, `inputImage` the legacy one; accept either in both places.
  const char* key = o.contains("inputImage") && !o.contains("image") ? "inputImage" : "image";
  if (auto image = item.string(key)) {
    f.image = core::InputRef{*image, path + "." + key};
  } else if (!item.has(key)) {
    problems.add(path + ".image", core::errc::kMissingParameter,
                 path + ".image is required: the frame's image.");
    problems.mark_reported(path);
  }
  f.frame_path = path + ".frame";
  if (const auto* frame = item.raw("frame")) {
    f.frame = frame_value(*frame);
    if (!f.frame) item.type_error(f.frame_path, "\"first\", \"last\" or a frame index", *frame);
  }
  item.report_unknown();
}

void parse_frame_images(const json::array& items, const std::string& base, core::Inputs& out,
                        core::Problems& problems) {
  out.frame_images_path = base;
  for (std::size_t i = 0; i < items.size(); ++i) {
    const std::string path = index_path(base, i);
    core::FrameImage f;
    if (items[i].is_string()) {
      f.image = core::InputRef{std::string(items[i].get_string()), path};
      f.frame_path = path + ".frame";
    } else if (items[i].is_object()) {
      parse_frame_object(items[i].get_object(), path, f, problems);
    } else {
      problems.add(path, core::errc::kInvalidType,
                   path + " must be an image (string) or {image, frame}.");
      problems.mark_reported(path);
      continue;
    }
    out.frame_images.push_back(std::move(f));
  }
}

// An array of strings, or of objects carrying the string under `key`.
std::vector<core::InputRef> parse_refs(const json::array& items, const std::string& base,
                                       const char* key, core::Problems& problems) {
  std::vector<core::InputRef> refs;
  for (std::size_t i = 0; i < items.size(); ++i) {
    const std::string path = index_path(base, i);
    if (items[i].is_string()) {
      refs.push_back({std::string(items[i].get_string()), path});
      continue;
    }
    const auto* o = items[i].if_object();
    const auto* v = o ? o->if_contains(key) : nullptr;
    if (v && v->is_string() && o->size() == 1) {
      refs.push_back({std::string(v->get_string()), path + "." + key});
      continue;
    }
    problems.add(path, core::errc::kInvalidType,
                 path + " must be a string (UUID, URL, data URI or base64).");
    problems.mark_reported(path);
  }
  return refs;
}

void parse_reference_videos(const json::array& items, const std::string& base, core::Inputs& out,
                            core::Problems& problems) {
  for (std::size_t i = 0; i < items.size(); ++i) {
    const std::string path = index_path(base, i);
    if (items[i].is_string()) {
      out.reference_videos.push_back({core::InputRef{std::string(items[i].get_string()), path}, {}});
    } else if (items[i].is_object()) {
      FieldReader item(items[i].get_object(), path + ".", problems);
      core::ReferenceVideo rv;
      if (auto video = item.string("video")) {
        rv.video = core::InputRef{*video, path + ".video"};
      } else if (!item.has("video")) {
        problems.add(path + ".video", core::errc::kMissingParameter, path + ".video is required.");
      }
      rv.refer_type = item.string("referType");
      item.report_unknown();
      if (!rv.video.path.empty()) out.reference_videos.push_back(std::move(rv));
    } else {
      problems.add(path, core::errc::kInvalidType,
                   path + " must be a video (string) or {video, referType}.");
      problems.mark_reported(path);
    }
  }
}

std::optional<core::InputRef> parse_single(FieldReader& reader, const char* key) {
  if (auto v = reader.string(key)) return core::InputRef{*v, reader.path(key)};
  return std::nullopt;
}

}  // namespace

void parse_inputs(const json::object& task, FieldReader& top, core::Inputs& out,
                  core::Problems& problems) {
  if (const auto* legacy = top.array("frameImages")) {
    parse_frame_images(*legacy, "frameImages", out, problems);
  }
  const auto* inputs = top.object("inputs");
  if (!inputs) return;
  FieldReader in(*inputs, "inputs.", problems);
  if (const auto* frames = in.array("frameImages")) {
    if (task.contains("frameImages")) {
      problems.add(
          std::vector<std::string>{"frameImages", "inputs.frameImages"},
          core::errc::kIncompatibleParameters,
          "give the frame images once: inputs.frameImages (current) or frameImages (legacy).");
    } else {
      parse_frame_images(*frames, "inputs.frameImages", out, problems);
    }
  }
  if (const auto* refs = in.array("referenceImages")) {
    out.reference_images = parse_refs(*refs, "inputs.referenceImages", "image", problems);
  }
  if (const auto* vids = in.array("referenceVideos")) {
    parse_reference_videos(*vids, "inputs.referenceVideos", out, problems);
  }
  if (const auto* voices = in.array("referenceVoices")) {
    out.reference_voices = parse_refs(*voices, "inputs.referenceVoices", "audio", problems);
  }
  out.video = parse_single(in, "video");
  out.audio = parse_single(in, "audio");
  out.image = parse_single(in, "image");
  in.report_unknown();
}

}  // namespace vidserve::api::runware
