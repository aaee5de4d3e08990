#pragma once
// RAII owners for every libav* handle the media module touches, plus the one place that turns
// an AVERROR code into a vidserve::Error. Nothing in src/media calls a *_free function by hand.
extern "C" {
#include <libavcodec/avcodec.h>
#include <libavfilter/avfilter.h>
#include <libavformat/avformat.h>
#include <libavutil/dict.h>
#include <libavutil/error.h>
#include <libavutil/frame.h>
#include <libavutil/mem.h>
#include <libswresample/swresample.h>
#include <libswscale/swscale.h>
}

#include <memory>
#include <string>

#include "common/io_error.hpp"
#include "common/result.hpp"
#include "media/error_codes.hpp"

namespace vidserve::media {

namespace detail {
struct OutputFormatDeleter {
  void operator()(AVFormatContext* ctx) const {
    if (ctx->oformat && !(ctx->oformat->flags & AVFMT_NOFILE)) avio_closep(&ctx->pb);
    avformat_free_context(ctx);
  }
};
struct InputFormatDeleter {
  void operator()(AVFormatContext* ctx) const { avformat_close_input(&ctx); }
};
struct CodecContextDeleter {
  void operator()(AVCodecContext* ctx) const { avcodec_free_context(&ctx); }
};
struct FrameDeleter {
  void operator()(AVFrame* frame) const { av_frame_free(&frame); }
};
struct PacketDeleter {
  void operator()(AVPacket* packet) const { av_packet_free(&packet); }
};
struct SwsDeleter {
  void operator()(SwsContext* ctx) const { sws_freeContext(ctx); }
};
struct SwrDeleter {
  void operator()(SwrContext* ctx) const { swr_free(&ctx); }
};
struct FilterGraphDeleter {
  void operator()(AVFilterGraph* graph) const { avfilter_graph_free(&graph); }
};
struct AvFreeDeleter {
  void operator()(void* memory) const { av_free(memory); }
};
// A custom (memory) AVIOContext owns its buffer, which libavformat may have reallocated.
struct AvioDeleter {
  void operator()(AVIOContext* ctx) const {
    av_freep(&ctx->buffer);
    avio_context_free(&ctx);
  }
};
}  // namespace detail

// Output context (avformat_alloc_output_context2); closes its file when the format has one.
using OutputFormatPtr = std::unique_ptr<AVFormatContext, detail::OutputFormatDeleter>;
// Input context (avformat_open_input). Declare it after any AvioPtr it reads from, so it is
// destroyed first.
using InputFormatPtr = std::unique_ptr<AVFormatContext, detail::InputFormatDeleter>;
using CodecContextPtr = std::unique_ptr<AVCodecContext, detail::CodecContextDeleter>;
using FramePtr = std::unique_ptr<AVFrame, detail::FrameDeleter>;
using PacketPtr = std::unique_ptr<AVPacket, detail::PacketDeleter>;
using SwsPtr = std::unique_ptr<SwsContext, detail::SwsDeleter>;
using SwrPtr = std::unique_ptr<SwrContext, detail::SwrDeleter>;
using FilterGraphPtr = std::unique_ptr<AVFilterGraph, detail::FilterGraphDeleter>;
using AvioPtr = std::unique_ptr<AVIOContext, detail::AvioDeleter>;
// Memory from av_malloc that no libav object owns yet.
using AvMemoryPtr = std::unique_ptr<uint8_t, detail::AvFreeDeleter>;

// An AVDictionary of options; libav functions take `&dict.get()`-style double pointers.
class Dictionary {
 public:
  Dictionary() = default;
  Dictionary(const Dictionary&) = delete;
  Dictionary& operator=(const Dictionary&) = delete;
  ~Dictionary() { av_dict_free(&dict_); }

  void set(const char* key, const std::string& value) {
    av_dict_set(&dict_, key, value.c_str(), 0);
  }
  AVDictionary** address() { return &dict_; }
  const AVDictionary* get() const { return dict_; }

 private:
  AVDictionary* dict_ = nullptr;
};

// Error{"mediaError", "<what>: <av_strerror text>"}; "storageFull" when the disk or the quota is
// full (ENOSPC, EDQUOT), so the task can wait for space (see common/io_error.hpp).
inline Error av_error(int code, const std::string& what) {
  char text[AV_ERROR_MAX_STRING_SIZE] = {0};
  av_strerror(code, text, sizeof text);
  const bool full = code == AVERROR(ENOSPC) || code == AVERROR(EDQUOT);
  return Error{full ? io_errc::kStorageFull : errc::kMediaError, what + ": " + text};
}

inline Error media_error(const std::string& message) {
  return Error{errc::kMediaError, message};
}

// A timestamp or duration in seconds; 0 when unknown (AV_NOPTS_VALUE) or not positive.
inline double seconds(int64_t ts, AVRational time_base) {
  return ts == AV_NOPTS_VALUE || ts <= 0 ? 0.0 : static_cast<double>(ts) * av_q2d(time_base);
}

inline FramePtr make_frame() {
  return FramePtr(av_frame_alloc());
}
inline PacketPtr make_packet() {
  return PacketPtr(av_packet_alloc());
}

}  // namespace vidserve::media
