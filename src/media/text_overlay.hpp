#pragma once
// Captions on preview frames, drawn by libavfilter's drawtext (FreeType) in a filter graph:
//   [RGB24 -> BT.709 yuv420p, rgb_to_yuv420p_bt709] -> buffer -> format -> drawtext x N -> buffersink
// Why drawtext rather than a home-made bitmap font: it renders any UTF-8 the font covers
// (prompts are rarely plain ASCII), anti-aliases, and is deterministic for a given FreeType
// and font file. Options are set with av_opt_set on each filter, never through a filtergraph
// string, so no prompt text can be mistaken for filter syntax; expansion is off for user text.
#include <string>

#include "common/result.hpp"
#include "media/av_handles.hpp"

namespace vidserve::media {

inline constexpr const char* kDefaultFontDir = "/usr/share/fonts/truetype/dejavu";

struct Caption {
  std::string badge = "PREVIEW";  // large mark, top left
  std::string subtitle;           // small line under the badge
  std::string label;              // small, top right (model, seed)
  std::string prompt;             // raw prompt; cleaned, wrapped and truncated to a few lines
  bool timecode = false;          // draw "hh:mm:ss.mmm  frame n" under the label (video)
  int first_frame_number = 0;     // frame number of the first frame fed to this overlay
  std::string font_dir = kDefaultFontDir;  // DejaVuSans(-Bold).ttf; fontconfig "Sans" if absent
};

class TextOverlay {
 public:
  // Accepts RGB24 frames of width x height with pts in `time_base`, returns frames in
  // `out_format` (AV_PIX_FMT_YUV420P for video, AV_PIX_FMT_RGB24 for stills) with the caption.
  static Result<TextOverlay> create(int width, int height, AVRational time_base,
                                    AVPixelFormat out_format, const Caption& caption);

  // Takes the RGB24 frame (its pts set) and returns the captioned one. A video overlay also
  // takes yuv420p frames (BT.709, limited range) as they are, without a conversion.
  Result<FramePtr> apply(FramePtr rgb_frame);

 private:
  AVPixelFormat format_ = AV_PIX_FMT_RGB24;  // of the frames in the graph and out of it
  FilterGraphPtr graph_;
  AVFilterContext* source_ = nullptr;  // owned by graph_
  AVFilterContext* sink_ = nullptr;    // owned by graph_
};

}  // namespace vidserve::media
