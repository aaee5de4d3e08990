#pragma once
// An input video as the frames of a preview: decoded one frame at a time as the output asks for
// them (never the whole video in memory), fitted into the output size with letterbox bars. Output
// time t shows the last input frame starting at or before t; past the input's end its last frame
// holds, so a longer output freezes on it and a shorter one simply stops decoding early. Frames
// are turned upright as the stream's display matrix says (a phone's portrait video).
#include <memory>
#include <optional>

#include "common/result.hpp"
#include "media/decoder.hpp"
#include "media/fit.hpp"

namespace vidserve::media {

class VideoSource {
 public:
  static Result<std::unique_ptr<VideoSource>> open(const MediaRef& ref);

  // Draws the frame shown at `t_s` seconds into `dst`. Calls must come with non-decreasing t_s.
  Status draw(double t_s, const RgbView& dst);

 private:
  VideoSource() = default;
  Status advance(double t_s);
  double start_of(const AVFrame& frame);

  MediaInput input_;  // declared before the decoder that reads it
  std::optional<StreamDecoder> decoder_;
  FramePtr shown_, next_;
  bool have_shown_ = false, have_next_ = false, started_ = false;
  double last_start_s_ = 0, next_start_s_ = 0;
  FrameFitter fitter_;
  int rotation_ = 0;  // clockwise degrees
  RgbImage unturned_;  // the fitted frame before turning (rotation_ != 0)
};

}  // namespace vidserve::media
