#pragma once
// What the preview engine takes from the fetched inputs: decoded frame images and the size and
// length of input media, for workflows whose size or duration come from an input.
#include <optional>
#include <string>
#include <vector>

#include "catalog/model.hpp"
#include "engine/engine.hpp"
#include "media/rgb_image.hpp"

namespace vidserve::engine::preview {

struct InputFacts {
  std::optional<media::RgbImage> first_frame, last_frame;  // frame images, else the first image input
  std::optional<catalog::Size> size;                      // of the first image or video input
  std::optional<double> duration_s;                       // of the first video or audio input
};

Result<InputFacts> inspect_inputs(const std::vector<InputMedia>& inputs, const std::string& scratch_dir);

// Even dimensions no larger than 1920 on the long side, keeping the aspect ratio.
catalog::Size fit_preview_size(catalog::Size size);

// For image models: the catalog size whose aspect ratio is closest to `reference`, within the
// resolution tier (1k, 2k, 4k by long side).
catalog::Size closest_listed_size(const std::vector<catalog::Size>& sizes, catalog::Size reference,
                                  const std::string& tier);

}  // namespace vidserve::engine::preview
