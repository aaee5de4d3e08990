#pragma once
// What the preview engine takes from the fetched inputs: decoded frame images, and where the input
// video and audio are (read frame by frame while rendering) with their size, length and frame
// rate, for workflows whose size or duration come from an input.
#include <optional>
#include <string>
#include <vector>

#include "catalog/model.hpp"
#include "engine/engine.hpp"
#include "media/decoder.hpp"
#include "media/rgb_image.hpp"

namespace vidserve::engine::preview {

// A video or audio input: its spool file or the bytes of its blob (which must outlive the render).
struct TimedInput {
  std::string role;  // "video", "referenceVideo", "audio"
  media::MediaRef ref;
  catalog::Size size{0, 0};  // video only
  double duration_s = 0;
  double fps = 0;            // video only
  bool has_audio = false;
};

struct InputFacts {
  std::optional<media::RgbImage> first_frame, last_frame;  // frame images, else the first image input
  std::string first_frame_role;                           // the role first_frame came from
  std::optional<TimedInput> video;  // the "video" input, else the first "referenceVideo"
  std::optional<TimedInput> audio;  // the "audio" input
  std::optional<catalog::Size> size;  // of the video input, else of the first image
  std::optional<double> duration_s;   // of the video input, else of the audio input
};

Result<InputFacts> inspect_inputs(const std::vector<InputMedia>& inputs);

// Even dimensions no larger than 1920 on the long side, keeping the aspect ratio.
catalog::Size fit_preview_size(catalog::Size size);

// For image models: the catalog size whose aspect ratio is closest to `reference`, within the
// resolution tier (1k, 2k, 4k by long side).
catalog::Size closest_listed_size(const std::vector<catalog::Size>& sizes, catalog::Size reference,
                                  const std::string& tier);

// "the first frame", "the last frame", "the image", "the reference image", "the input video", ...
std::string describe_role(const std::string& role);

}  // namespace vidserve::engine::preview
