#pragma once
// Opening containers (a file, or bytes in memory through a custom AVIOContext) and decoding
// one of their streams frame by frame, following FFmpeg's doc/examples/demux_decode.c.
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "common/result.hpp"
#include "media/av_handles.hpp"
#include "media/rgb_image.hpp"

namespace vidserve::media {

// Demuxers an input may be probed as; narrow lists keep untrusted bytes away from playlist-style
// demuxers (hls, concat, ...) that would open further URLs.
inline constexpr const char* kImageDemuxers =
    "png_pipe,jpeg_pipe,webp_pipe,bmp_pipe,gif,gif_pipe,tiff_pipe";
inline constexpr const char* kVideoDemuxers = "mov,matroska,webm";

// Decoders refuse frames larger than this many pixels (about 7000 x 7000).
inline constexpr int64_t kMaxDecodedPixels = 50'000'000;

class MediaInput {
 public:
  static Result<MediaInput> open_file(const std::string& path, const char* demuxers);
  // `bytes` must stay alive and unchanged while the MediaInput is used.
  static Result<MediaInput> open_memory(std::string_view bytes, const char* demuxers);

  AVFormatContext* format() const { return format_.get(); }

  // State behind a memory AVIOContext: the caller's bytes and the read position.
  struct MemoryReader {
    std::string_view bytes;
    size_t pos = 0;
  };

 private:
  // Destroyed in reverse order: the format context before the AVIOContext it reads through.
  std::unique_ptr<MemoryReader> reader_;
  AvioPtr avio_;
  InputFormatPtr format_;
};

// An input to read media from: a file on disk when `path` is set, else `bytes` in memory (which
// must stay alive and unchanged while it is read).
struct MediaRef {
  std::string path;
  std::string_view bytes;
};

Result<MediaInput> open_media(const MediaRef& ref, const char* demuxers);

// Decodes the best stream of one kind (video or audio) of an open input, reading packets only as
// frames are asked for: it holds one packet and what the codec itself buffers, never the stream.
// The input must outlive the decoder.
class StreamDecoder {
 public:
  // `threads`: decoder threads (the output is the same for any count).
  static Result<StreamDecoder> open(MediaInput& input, AVMediaType type, int threads = 1);

  // The next frame in decode order into `frame` (replacing what it held); false at the end.
  Result<bool> next(AVFrame* frame);

  const AVStream& stream() const { return *format_->streams[stream_index_]; }

 private:
  AVFormatContext* format_ = nullptr;
  CodecContextPtr codec_;
  PacketPtr packet_;
  int stream_index_ = -1;
  bool flushed_ = false;
};

// Decodes the best video stream in presentation order; stops early when `visit` returns false.
// Fails when the input has no video stream, is corrupt, or yields no frame at all.
Status decode_video(MediaInput& input, const std::function<bool(const AVFrame&)>& visit);

// Every frame of the video file at `path` as RGB24, with its index; stops when `visit` returns
// false. Used by tests and by engines that transform input video.
Status for_each_video_frame(const std::string& path,
                            const std::function<bool(int, const RgbImage&)>& visit);

}  // namespace vidserve::media
