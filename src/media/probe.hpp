#pragma once
// What a media file holds, read with libavformat (the library-side equivalent of ffprobe).
#include <map>
#include <string>

#include "common/result.hpp"

struct AVFormatContext;

namespace vidserve::media {

struct ProbeInfo {
  std::string format_name;  // e.g. "mov,mp4,m4a,3gp,3g2,mj2", "matroska,webm"
  std::string video_codec;  // e.g. "h264", "vp9"; empty when there is no video
  int width = 0;
  int height = 0;
  int rotation = 0;         // clockwise degrees a player turns the pictures (display matrix)
  double fps = 0;           // average frame rate of the video stream
  int64_t frame_count = 0;  // from the container index; 0 when unknown
  double duration_s = 0;    // video stream duration, else the container's
  double container_duration_s = 0;
  bool has_audio = false;
  std::string audio_codec;  // e.g. "aac", "opus"
  int audio_sample_rate = 0;
  int audio_channels = 0;
  std::map<std::string, std::string> tags;  // format-level metadata, keys lower-cased
                                            // (Matroska stores them upper-case)
};

Result<ProbeInfo> probe(const std::string& path);

// What probe() reports about a container that is open already (its stream information read),
// e.g. a MediaInput over bytes in memory.
ProbeInfo describe(const AVFormatContext& format);

}  // namespace vidserve::media
