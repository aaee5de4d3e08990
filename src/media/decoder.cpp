#include "media/decoder.hpp"

#include <algorithm>
#include <cstring>

#include "media/pixel_convert.hpp"

namespace vidserve::media {

namespace {

constexpr int kAvioBufferSize = 32 * 1024;

int read_memory(void* opaque, uint8_t* buf, int buf_size) {
  auto* reader = static_cast<MediaInput::MemoryReader*>(opaque);
  const size_t left = reader->bytes.size() - reader->pos;
  if (left == 0) return AVERROR_EOF;
  const size_t n = std::min(left, static_cast<size_t>(buf_size));
  std::memcpy(buf, reader->bytes.data() + reader->pos, n);
  reader->pos += n;
  return static_cast<int>(n);
}

int64_t seek_memory(void* opaque, int64_t offset, int whence) {
  auto* reader = static_cast<MediaInput::MemoryReader*>(opaque);
  const auto size = static_cast<int64_t>(reader->bytes.size());
  if (whence & AVSEEK_SIZE) return size;
  int64_t target = offset;
  switch (whence & ~AVSEEK_FORCE) {
    case SEEK_SET:
      break;
    case SEEK_CUR:
      target += static_cast<int64_t>(reader->pos);
      break;
    case SEEK_END:
      target += size;
      break;
    default:
      return AVERROR(EINVAL);
  }
  if (target < 0 || target > size) return AVERROR(EINVAL);
  reader->pos = static_cast<size_t>(target);
  return target;
}

// avformat_open_input frees `raw` itself when it fails, so ownership is taken only on success.
Result<InputFormatPtr> open_format(AVFormatContext* raw, const char* url, const char* demuxers) {
  Dictionary options;
  options.set("format_whitelist", demuxers);
  options.set("protocol_whitelist", "file");
  if (int err = avformat_open_input(&raw, url, nullptr, options.address()); err < 0) {
    return av_error(err, "cannot open media input");
  }
  InputFormatPtr format(raw);
  if (int err = avformat_find_stream_info(format.get(), nullptr); err < 0) {
    return av_error(err, "cannot read stream information");
  }
  return format;
}

Result<CodecContextPtr> open_decoder(AVFormatContext* format, AVMediaType type, int threads,
                                     int& stream_index) {
  const AVCodec* codec = nullptr;
  const bool video = type == AVMEDIA_TYPE_VIDEO;
  stream_index = av_find_best_stream(format, type, -1, -1, &codec, 0);
  if (stream_index < 0)
    return av_error(stream_index, video ? "no decodable video stream" : "no decodable audio stream");
  CodecContextPtr ctx(avcodec_alloc_context3(codec));
  if (!ctx) return media_error("out of memory allocating a decoder");
  if (int err = avcodec_parameters_to_context(ctx.get(), format->streams[stream_index]->codecpar);
      err < 0) {
    return av_error(err, "cannot configure the decoder");
  }
  ctx->max_pixels = kMaxDecodedPixels;
  ctx->thread_count = std::max(1, threads);
  if (int err = avcodec_open2(ctx.get(), codec, nullptr); err < 0)
    return av_error(err, "cannot open the decoder");
  return ctx;
}

}  // namespace

Result<MediaInput> MediaInput::open_file(const std::string& path, const char* demuxers) {
  MediaInput input;
  auto format = open_format(avformat_alloc_context(), path.c_str(), demuxers);
  if (!format) return format.error();  // no path: the message may reach a client
  input.format_ = std::move(*format);
  return input;
}

Result<MediaInput> MediaInput::open_memory(std::string_view bytes, const char* demuxers) {
  MediaInput input;
  input.reader_ = std::make_unique<MemoryReader>(MemoryReader{bytes, 0});
  AvMemoryPtr buffer(static_cast<uint8_t*>(av_malloc(kAvioBufferSize)));
  if (!buffer) return media_error("out of memory allocating an input buffer");
  input.avio_.reset(avio_alloc_context(buffer.get(), kAvioBufferSize, 0, input.reader_.get(),
                                       read_memory, nullptr, seek_memory));
  if (!input.avio_) return media_error("out of memory allocating an input context");
  buffer.release();  // now owned (and possibly reallocated) by the AVIOContext
  AVFormatContext* raw = avformat_alloc_context();
  if (!raw) return media_error("out of memory allocating a format context");
  raw->pb = input.avio_.get();
  raw->flags |= AVFMT_FLAG_CUSTOM_IO;
  auto format = open_format(raw, nullptr, demuxers);
  if (!format) return format.error();
  input.format_ = std::move(*format);
  return input;
}

Result<MediaInput> open_media(const MediaRef& ref, const char* demuxers) {
  return ref.path.empty() ? MediaInput::open_memory(ref.bytes, demuxers)
                          : MediaInput::open_file(ref.path, demuxers);
}

Result<StreamDecoder> StreamDecoder::open(MediaInput& input, AVMediaType type, int threads) {
  StreamDecoder decoder;
  decoder.format_ = input.format();
  auto codec = open_decoder(decoder.format_, type, threads, decoder.stream_index_);
  if (!codec) return codec.error();
  decoder.codec_ = std::move(*codec);
  decoder.packet_ = make_packet();
  if (!decoder.packet_) return media_error("out of memory allocating a packet");
  return decoder;
}

Result<bool> StreamDecoder::next(AVFrame* frame) {
  while (true) {
    int err = avcodec_receive_frame(codec_.get(), frame);
    if (err == 0) return true;
    if (err == AVERROR_EOF || (err == AVERROR(EAGAIN) && flushed_)) return false;
    if (err != AVERROR(EAGAIN)) return av_error(err, "cannot decode a frame");
    err = av_read_frame(format_, packet_.get());
    if (err == AVERROR_EOF) {  // drain the frames the decoder still holds
      flushed_ = true;
      avcodec_send_packet(codec_.get(), nullptr);
      continue;
    }
    if (err < 0) return av_error(err, "cannot read media data");
    if (packet_->stream_index == stream_index_) err = avcodec_send_packet(codec_.get(), packet_.get());
    av_packet_unref(packet_.get());
    if (err < 0) return av_error(err, "cannot decode media data");
  }
}

Status decode_video(MediaInput& input, const std::function<bool(const AVFrame&)>& visit) {
  auto decoder = StreamDecoder::open(input, AVMEDIA_TYPE_VIDEO);
  if (!decoder) return decoder.error();
  FramePtr frame = make_frame();
  if (!frame) return media_error("out of memory allocating a frame");
  int frames = 0;
  while (true) {
    auto got = decoder->next(frame.get());
    if (!got) return got.error();
    if (!*got) break;
    ++frames;
    const bool go_on = visit(*frame);
    av_frame_unref(frame.get());
    if (!go_on) return Ok{};
  }
  if (frames == 0) return media_error("the input holds no decodable video frame");
  return Ok{};
}

Status for_each_video_frame(const std::string& path,
                            const std::function<bool(int, const RgbImage&)>& visit) {
  auto input = MediaInput::open_file(path, kVideoDemuxers);
  if (!input) return input.error();
  int index = 0;
  Status conversion = Ok{};
  auto status = decode_video(*input, [&](const AVFrame& frame) {
    auto rgb = frame_to_rgb(frame);
    if (!rgb) {
      conversion = rgb.error();
      return false;
    }
    return visit(index++, *rgb);
  });
  if (!conversion) return conversion.error();
  return status;
}

}  // namespace vidserve::media
