#pragma once
// What each fetched input must be before an engine sees it: the kind its role needs (an image for
// frames and reference images, a video, an audio track) and the model's input limits from the
// catalog (bytes, sides, aspect ratio, seconds, formats). Images are measured from their header,
// so an oversized one is refused without decoding a pixel (media/inspect.hpp).
#include <string>
#include <string_view>

#include "catalog/model.hpp"
#include "common/result.hpp"
#include "fetch/blob.hpp"

namespace vidserve::worker {

// Images over this many pixels are refused whatever the model's limits say (about 6300 x 6300).
inline constexpr long long kMaxInputPixels = 40'000'000;

// `role` as the task runner names inputs: "frame:first", "referenceImage", "image", "video",
// "referenceVideo", "audio", "referenceVoice". Errors use media's codes (invalidImage,
// invalidVideo, invalidAudio) and say what is wrong, without the input's path.
// A video or audio whose length cannot be measured (no duration declared, no packet timestamps)
// is refused.
// Without a model (nullptr) only the kind, the length being known and the pixel cap are checked.
// Video and audio kept in a spool file (fetch::Blob::file) are read from it, never loaded whole.
Status check_input(const std::string& role, const fetch::Blob& blob, const catalog::Model* model);

// check_input, answering the input's measured length in seconds (0 for an image).
Result<double> check_input_seconds(const std::string& role, const fetch::Blob& blob, const catalog::Model* model);

}  // namespace vidserve::worker
