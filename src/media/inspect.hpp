#pragma once
// What an untrusted input file is, found out before anything renders from it: images by their
// header (no pixel decoded, see image_header.hpp), video and audio by opening the container (from
// memory or a file) with a narrow list of demuxers and reading every packet (not decoding it), so that a file
// cut short is refused here with a clear error rather than half-used later.
#include <string>
#include <string_view>

#include "common/result.hpp"
#include "media/error_codes.hpp"

namespace vidserve::media {

// Demuxers a video input may be opened with, and an audio input (voice, lip-sync audio).
inline constexpr const char* kInputVideoDemuxers = "mov,matroska,webm";
inline constexpr const char* kInputAudioDemuxers = "mp3,wav,ogg,mov,matroska,webm";

struct MediaFacts {
  std::string format;  // "png", "jpeg", "webp"; or the demuxer, e.g. "mov,mp4,m4a,3gp,3g2,mj2"
  int width = 0, height = 0;  // images and video
  double duration_s = 0;      // video and audio
  bool has_video = false, has_audio = false;
};

// A complete PNG, JPEG or WebP: its size from the header. "invalidImage" for anything else
// (SVG, another kind of file, random bytes) and for an image cut short.
Result<MediaFacts> inspect_image(std::string_view bytes);

// A container with a video stream whose every packet is present. "invalidVideo" otherwise.
Result<MediaFacts> inspect_video(std::string_view bytes);

// A container with an audio stream whose every packet is present. "invalidAudio" otherwise.
Result<MediaFacts> inspect_audio(std::string_view bytes);

// The same for a file on disk (a large input kept in a spool file). Its path appears in no error.
Result<MediaFacts> inspect_video_file(const std::string& path);
Result<MediaFacts> inspect_audio_file(const std::string& path);

}  // namespace vidserve::media
