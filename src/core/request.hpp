#pragma once
// Typed Runware inference requests. The api layer fills them from wire JSON; everything below
// works with these types only.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/problem.hpp"

namespace vidserve::core {

// A media input as the client sent it: an uploaded UUID, a URL, a data URI or base64.
struct InputRef {
  std::string value;
  std::string path;  // where it was in the request, e.g. "inputs.frameImages[0].image"

  bool operator==(const InputRef&) const = default;
};

struct FrameImage {
  InputRef image;
  std::optional<std::string> frame;  // "first" | "last"; absent = automatic distribution
  std::string frame_path;            // "inputs.frameImages[1].frame"

  bool operator==(const FrameImage&) const = default;
};

struct ReferenceVideo {
  InputRef video;
  std::optional<std::string> refer_type;  // "feature" | "base"

  bool operator==(const ReferenceVideo&) const = default;
};

struct Inputs {
  std::string frame_images_path = "inputs.frameImages";  // "frameImages" in the legacy form
  std::vector<FrameImage> frame_images;
  std::vector<InputRef> reference_images;
  std::vector<ReferenceVideo> reference_videos;
  std::vector<InputRef> reference_voices;
  std::optional<InputRef> video, audio, image;

  // Names of the inputs present, as the catalog calls them ("frameImages", "video", ...).
  std::vector<std::string> present() const;
  int count(const std::string& name) const;
  std::string path_of(const std::string& name) const;  // "inputs.referenceImages"

  bool operator==(const Inputs&) const = default;
};

struct Shot {
  std::string prompt;
  std::optional<double> duration_s;

  bool operator==(const Shot&) const = default;
};

// providerSettings.klingai
struct KlingSettings {
  std::optional<bool> sound, keep_original_sound, fast;
  std::optional<std::string> character_orientation, shot_type;
  std::optional<std::vector<Shot>> multi_prompt;
  std::optional<double> sound_volume, original_audio_volume;

  std::vector<std::string> present() const;  // names of the settings given

  bool operator==(const KlingSettings&) const = default;
};

struct Safety {
  std::optional<bool> check_content;
  std::optional<std::string> mode;  // none | fast | full

  bool operator==(const Safety&) const = default;
};

// Platform options shared by every inference task.
struct TaskOptions {
  std::optional<std::string> output_type;    // URL | base64Data | dataURI
  std::optional<std::string> output_format;  // MP4 | WEBM | MOV, or JPG | PNG | WEBP
  std::optional<std::int64_t> output_quality;
  std::optional<std::int64_t> number_results;
  std::optional<std::int64_t> ttl;
  std::optional<std::string> delivery_method;
  std::optional<std::string> webhook_url;
  std::optional<std::string> upload_endpoint;
  std::optional<bool> include_cost;
  std::optional<bool> check_nsfw;  // legacy image flag (sent by @runware/ai-sdk-provider)
  std::optional<Safety> safety;
  std::optional<std::int64_t> seed;

  bool operator==(const TaskOptions&) const = default;
};

enum class MediaKind { Video, Image };

// Fields shared by video and image requests.
struct GenerationRequest {
  std::string task_type;
  std::string task_uuid;
  std::string model;
  TaskOptions options;
  std::optional<std::string> positive_prompt, negative_prompt;
  std::optional<std::int64_t> width, height;
  Inputs inputs;
  KlingSettings klingai;
  // Top-level parameters that are known to Runware but not part of these structs (e.g. seedImage,
  // strength): every model rejects them with a clear "not supported" error.
  std::vector<std::string> unsupported_known;

  bool operator==(const GenerationRequest&) const = default;
};

struct VideoRequest : GenerationRequest {
  std::optional<double> duration;
  std::optional<std::int64_t> fps;
  std::optional<double> cfg_scale;

  bool operator==(const VideoRequest&) const = default;
};

struct ImageRequest : GenerationRequest {
  std::optional<std::string> resolution;  // 1k | 2k | 4k

  bool operator==(const ImageRequest&) const = default;
};

}  // namespace vidserve::core
