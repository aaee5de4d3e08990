#pragma once
// The audio of an input (a file, or bytes in memory) as stereo float samples at the output's rate:
// decoded one frame at a time as samples are read (FFmpeg's demux_decode.c) and resampled with
// libswresample at fixed settings, so the same input gives the same samples. Reading never runs
// ahead of what the output needs, so a long input is never decoded past the output's length.
#include <memory>
#include <optional>
#include <vector>

#include "common/result.hpp"
#include "media/decoder.hpp"

namespace vidserve::media {

// Stereo float samples (-1..1) read in order.
class AudioFeed {
 public:
  virtual ~AudioFeed() = default;
  // Writes the next `count` samples into left and right; silence once the feed has ended.
  virtual Status read(float* left, float* right, int count) = 0;
};

// Demuxers an audio track may be read with (an audio file, or a video's own sound).
inline constexpr const char* kAudioTrackDemuxers = "mp3,wav,ogg,mov,matroska,webm";

class AudioSource final : public AudioFeed {
 public:
  static Result<std::unique_ptr<AudioSource>> open(const MediaRef& ref, int sample_rate);
  Status read(float* left, float* right, int count) override;

 private:
  AudioSource() = default;
  Status refill();
  Status start_resampler(const AVFrame& frame);
  Status convert(const uint8_t** in, int in_samples);

  MediaInput input_;  // declared before the decoder that reads it
  std::optional<StreamDecoder> decoder_;
  SwrPtr swr_;
  FramePtr frame_;
  int sample_rate_ = 0;
  int in_format_ = -1, in_rate_ = 0, in_channels_ = 0;
  std::vector<float> left_, right_;  // resampled, not read yet (from pos_)
  size_t pos_ = 0;
  bool decoded_all_ = false, ended_ = false;
};

}  // namespace vidserve::media
