#pragma once
// The "preview" engine's media: real, playable video and images that honour every parameter,
// are byte-identical for the same spec, and are marked as previews on every frame and in the
// container metadata. Plain structs in, files out; no JSON or HTTP here.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "media/decoder.hpp"
#include "media/encoder.hpp"
#include "media/image_codec.hpp"
#include "media/rgb_image.hpp"

namespace vidserve::media {

// One shot of a multi-prompt video; each shot starts with a visible cut.
struct Shot {
  std::string prompt;
  double start_s = 0;
  double end_s = 0;
};

// An audio track of the soundtrack: an audio file, or a video's own sound, at a gain.
struct AudioInput {
  MediaRef source;
  double gain = 1;  // 0..4; 0 leaves the track out
};

struct PreviewVideoSpec {
  int width = 0;   // even
  int height = 0;  // even
  int fps = 0;
  double duration_s = 0;  // frame count = round(duration_s * fps)
  uint64_t seed = 0;
  int quality = 95;  // 20..99, mapped to CRF
  Container container = Container::Mp4;
  std::string prompt;       // drawn on the frames (wrapped, truncated)
  std::vector<Shot> shots;  // empty: one shot with `prompt`; otherwise sorted by start_s
  std::optional<RgbImage> first_frame;  // the video starts on this image
  std::optional<RgbImage> last_frame;   // ...and ends on this one (crossfade from first)
  // Images of another aspect ratio than width x height are fitted whole with black bars.
  bool animate_first_frame = false;     // first_frame fills every frame, slowly zooming (avatar)
  // The frames come from this video instead of the painted background (fitted with bars; its last
  // frame holds when the output is longer). Decoded frame by frame, never held whole.
  std::optional<MediaRef> video;
  // The soundtrack: these tracks mixed at their gains, as long as the video (cut, or padded with
  // silence). Set, it replaces the tone track; empty, `sound` decides.
  std::vector<AudioInput> audio;
  bool sound = false;                   // adds a deterministic tone track (AAC, or Opus in WEBM)
  std::string model_label;  // e.g. "klingai:3@1", drawn small on the frame and stored as a tag
  // Called after each encoded frame with the share of frames done (0..1]; returning false stops
  // the render with Error{"taskCancelled"}. Never changes the output bytes. Empty: not called.
  std::function<bool(double fraction)> on_frame;
};

// Writes the video to `out_path` (removed again when rendering fails or is stopped).
Status render_preview_video(const PreviewVideoSpec& spec, const std::string& out_path);

struct PreviewImageSpec {
  int width = 0;
  int height = 0;
  uint64_t seed = 0;
  std::string prompt;
  std::optional<RgbImage> reference;  // blended under the preview background
  std::string model_label;
  ImageFormat format = ImageFormat::Jpeg;
  int quality = 95;  // 20..99
};

Status render_preview_image(const PreviewImageSpec& spec, const std::string& out_path);

// Container metadata every preview video carries.
inline constexpr const char* kEngineTagValue = "vidserve-preview";
inline constexpr const char* kPreviewComment = "vidserve preview engine - not model output";

}  // namespace vidserve::media
