#pragma once
// Encoding and muxing, modelled on FFmpeg's doc/examples/mux.c and encode_video.c:
// MP4/MOV = H.264 (libx264) + AAC, WEBM = VP9 (libvpx) + Opus (libopus). Output is
// byte-for-byte reproducible: bit-exact flags on codecs and muxer, fixed encoder thread
// counts, no creation time.
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "common/result.hpp"
#include "media/av_handles.hpp"

namespace vidserve::media {

enum class Container { Mp4, Webm, Mov };

struct VideoSettings {
  int width = 0;     // must be even (4:2:0 chroma)
  int height = 0;    // must be even
  int fps = 0;       // constant frame rate; codec time base is 1/fps
  int quality = 95;  // 20..99, mapped to CRF
};

struct AudioSettings {
  int sample_rate = 48000;  // stereo
};

struct WriterSettings {
  Container container = Container::Mp4;
  VideoSettings video;
  std::optional<AudioSettings> audio;
  std::map<std::string, std::string> tags;  // format-level metadata
};

// One output file. Feed frames in order, interleaving by time, then finish().
// Encoding runs on a thread of the writer's own, at most kQueuedFrames frames behind the caller,
// so the caller prepares the next frame while the encoder works; the encoders see the same
// frames in the same order as without it, so the bytes are the same. An encoding error is
// returned by the next call after it happened (at the latest by finish()).
class MediaWriter {
 public:
  static constexpr int kQueuedFrames = 2;

  static Result<std::unique_ptr<MediaWriter>> open(const std::string& path,
                                                   const WriterSettings& settings);
  ~MediaWriter();  // stops the encoding thread; queued frames are dropped (the file is unfinished)
  MediaWriter(const MediaWriter&) = delete;
  MediaWriter& operator=(const MediaWriter&) = delete;

  // A yuv420p frame of the configured size; pts is the frame index (time base 1/fps). As with
  // avcodec_send_frame, a reference-counted frame's buffers are referenced, not copied: the
  // caller may unref the frame but must not write into those buffers afterwards.
  Status write_video(AVFrame* frame);

  bool has_audio() const { return audio_ != nullptr; }
  // Samples per audio frame the encoder wants; only the last block may be shorter.
  int audio_frame_samples() const;
  // Encodes `count` stereo samples (-1..1) whose first one is absolute sample `first`.
  Status write_audio(const float* left, const float* right, int count, int64_t first);

  // Waits for the queued frames, flushes both encoders and writes the trailer (moves the moov
  // atom first for MP4).
  Status finish();

 private:
  struct Stream {
    AVStream* stream = nullptr;  // owned by format_
    CodecContextPtr codec;
  };
  class Pipeline;  // the encoding thread and its bounded queue (encoder.cpp)

  MediaWriter() = default;
  Status add_video(Container container, const VideoSettings& v);
  Status add_audio(Container container, const AudioSettings& a);
  Status write_header(const std::string& path, Container container);
  Status send(Stream& s, AVFrame* frame);

  OutputFormatPtr format_;
  std::unique_ptr<Stream> video_;
  std::unique_ptr<Stream> audio_;
  PacketPtr packet_;
  std::unique_ptr<Pipeline> pipeline_;  // last: destroyed (joined) before the streams
};

// 20..99 -> CRF for the container's video codec (higher quality -> lower CRF).
int crf_for_quality(Container container, int quality);

}  // namespace vidserve::media
