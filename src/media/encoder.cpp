#include "media/encoder.hpp"

extern "C" {
#include <libavutil/channel_layout.h>
#include <libavutil/opt.h>
}

#include <algorithm>
#include <cmath>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <utility>

#include "media/error_codes.hpp"

namespace vidserve::media {
namespace {

// Encoder threads are fixed, not "auto": x264/libvpx output depends on the thread count,
// and the same request must give the same bytes on any machine.
constexpr int kEncoderThreads = 2;

// x264 settings measured for reproducibility on this libx264 (core 164): with mbtree on, the
// same input gave different bytes from one encode to the next in one process (and with
// MALLOC_PERTURB_ set), so mbtree is off; slice threads (not frame threads) split each frame
// into a fixed number of slices, which is reproducible and ~30% faster than one thread.
constexpr const char* kX264Params = "mbtree=0:sliced-threads=1";

struct Formats {
  const char* muxer;
  const char* video_encoder;
  const char* audio_encoder;
  int audio_bit_rate;
};

Formats formats_for(Container container) {
  switch (container) {
    case Container::Webm:
      return {"webm", "libvpx-vp9", "libopus", 96'000};
    case Container::Mov:
      return {"mov", "libx264", "aac", 128'000};
    case Container::Mp4:
      break;
  }
  return {"mp4", "libx264", "aac", 128'000};
}

const AVCodec* find_encoder(const char* name, Error& error) {
  const AVCodec* codec = avcodec_find_encoder_by_name(name);
  if (!codec) error = media_error(std::string("this FFmpeg build has no ") + name + " encoder");
  return codec;
}

void set_video_options(Container container, const VideoSettings& v, Dictionary& options) {
  options.set("crf", std::to_string(crf_for_quality(container, v.quality)));
  if (container == Container::Webm) {
    options.set("deadline", "realtime");  // with cpu-used 8: fastest libvpx mode, still CRF-driven
    options.set("cpu-used", "8");
    options.set("row-mt", "1");
  } else {
    options.set("preset", "veryfast");
    options.set("x264-params", kX264Params);
    options.set("profile", "high");
  }
}

void configure_video(AVCodecContext* ctx, const VideoSettings& v) {
  ctx->width = v.width;
  ctx->height = v.height;
  ctx->pix_fmt = AV_PIX_FMT_YUV420P;
  ctx->time_base = AVRational{1, v.fps};
  ctx->framerate = AVRational{v.fps, 1};
  ctx->gop_size = 2 * v.fps;  // a keyframe every 2 s keeps seeking cheap
  ctx->bit_rate = 0;          // quality-driven (CRF)
  ctx->thread_count = kEncoderThreads;
  ctx->color_primaries = AVCOL_PRI_BT709;
  ctx->color_trc = AVCOL_TRC_BT709;
  ctx->colorspace = AVCOL_SPC_BT709;
  ctx->color_range = AVCOL_RANGE_MPEG;
  ctx->flags |= AV_CODEC_FLAG_BITEXACT;
}

AVSampleFormat pick_sample_format(const AVCodec* codec) {
  for (AVSampleFormat wanted : {AV_SAMPLE_FMT_FLTP, AV_SAMPLE_FMT_FLT, AV_SAMPLE_FMT_S16}) {
    for (const AVSampleFormat* f = codec->sample_fmts; f && *f != AV_SAMPLE_FMT_NONE; ++f) {
      if (*f == wanted) return wanted;
    }
  }
  return AV_SAMPLE_FMT_NONE;
}

// Finishes a stream whose codec context is configured: opens it and copies its parameters.
Status open_stream(AVFormatContext* oc, AVStream* st, AVCodecContext* ctx, const AVCodec* codec,
                   Dictionary& options) {
  if (oc->oformat->flags & AVFMT_GLOBALHEADER) ctx->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
  if (int err = avcodec_open2(ctx, codec, options.address()); err < 0) {
    return av_error(err, std::string("cannot open the ") + codec->name + " encoder");
  }
  if (int err = avcodec_parameters_from_context(st->codecpar, ctx); err < 0) {
    return av_error(err, "cannot copy encoder parameters");
  }
  st->time_base = ctx->time_base;
  return Ok{};
}

// Copies `count` samples of the two channels into `frame` in its sample format; the rest of
// the frame (padding) is left silent.
void fill_samples(AVFrame* frame, const float* left, const float* right, int count) {
  const float* channels[2] = {left, right};
  switch (frame->format) {
    case AV_SAMPLE_FMT_FLTP:
      for (int c = 0; c < 2; ++c) std::memcpy(frame->data[c], channels[c], sizeof(float) * count);
      break;
    case AV_SAMPLE_FMT_FLT: {
      auto* out = reinterpret_cast<float*>(frame->data[0]);
      for (int i = 0; i < count; ++i) out[2 * i] = left[i], out[2 * i + 1] = right[i];
      break;
    }
    default: {  // AV_SAMPLE_FMT_S16
      auto* out = reinterpret_cast<int16_t*>(frame->data[0]);
      for (int i = 0; i < 2 * count; ++i) {
        out[i] = static_cast<int16_t>(
            std::lround(std::clamp(channels[i % 2][i / 2], -1.0f, 1.0f) * 32767));
      }
    }
  }
}

}  // namespace

// One thread that runs the encoders: jobs (a stream and a frame, or nothing for "end") are
// taken in the order they were queued; the queue holds at most kQueuedFrames jobs.
class MediaWriter::Pipeline {
 public:
  using Encode = std::function<Status(Stream&, AVFrame*)>;
  explicit Pipeline(Encode encode) : encode_(std::move(encode)), thread_([this] { run(); }) {}
  ~Pipeline() {
    {
      std::lock_guard lock(mutex_);
      jobs_.clear();  // dropped: the writer is being abandoned
      closing_ = true;
    }
    changed_.notify_all();
    thread_.join();
  }

  // Queues a frame for `stream`, waiting while the queue is full; an earlier encoding error
  // is returned instead.
  Status push(Stream& stream, FramePtr frame) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [this] { return jobs_.size() < kQueuedFrames || failed_; });
    if (failed_) return *failed_;
    jobs_.push_back({&stream, std::move(frame)});
    changed_.notify_all();
    return Ok{};
  }

  // Waits until every queued frame is encoded; the first encoding error if there was one.
  Status drain() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [this] { return (jobs_.empty() && !busy_) || failed_; });
    if (failed_) return *failed_;
    return Ok{};
  }

 private:
  struct Job {
    Stream* stream;
    FramePtr frame;
  };

  void run() {
    std::unique_lock lock(mutex_);
    while (true) {
      changed_.wait(lock, [this] { return !jobs_.empty() || closing_; });
      if (jobs_.empty()) return;  // closing
      Job job = std::move(jobs_.front());
      jobs_.pop_front();
      busy_ = true;
      lock.unlock();
      Status status = failed_ ? Status{Ok{}} : encode_(*job.stream, job.frame.get());
      job.frame.reset();
      lock.lock();
      busy_ = false;
      if (!status && !failed_) failed_ = status.error();
      changed_.notify_all();
    }
  }

  Encode encode_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Job> jobs_;
  bool busy_ = false;
  bool closing_ = false;
  std::optional<Error> failed_;
  std::thread thread_;  // last: starts after the members above exist
};

MediaWriter::~MediaWriter() = default;

int crf_for_quality(Container container, int quality) {
  const double q = std::clamp(quality, 20, 99);
  const double worst = container == Container::Webm ? 50 : 34;
  const double best = container == Container::Webm ? 18 : 16;
  return static_cast<int>(std::lround(worst + (q - 20.0) * (best - worst) / 79.0));
}

Result<std::unique_ptr<MediaWriter>> MediaWriter::open(const std::string& path,
                                                       const WriterSettings& settings) {
  const Formats formats = formats_for(settings.container);
  const VideoSettings& v = settings.video;
  if (v.width <= 0 || v.height <= 0 || v.width % 2 || v.height % 2) {
    return Error{errc::kInvalidSize,
                 "width and height must be positive and even for 4:2:0 video, got " +
                     std::to_string(v.width) + "x" + std::to_string(v.height)};
  }
  if (v.fps <= 0)
    return Error{errc::kInvalidFps, "fps must be positive, got " + std::to_string(v.fps)};
  auto writer = std::unique_ptr<MediaWriter>(new MediaWriter());
  AVFormatContext* raw = nullptr;
  if (int err = avformat_alloc_output_context2(&raw, nullptr, formats.muxer, path.c_str());
      err < 0) {
    return av_error(err, "cannot create the output container");
  }
  writer->format_.reset(raw);
  writer->format_->flags |= AVFMT_FLAG_BITEXACT;
  for (const auto& [key, value] : settings.tags)
    av_dict_set(&writer->format_->metadata, key.c_str(), value.c_str(), 0);
  writer->packet_ = make_packet();
  if (!writer->packet_) return media_error("out of memory allocating a packet");
  if (auto s = writer->add_video(settings.container, v); !s) return s.error();
  if (settings.audio) {
    if (auto s = writer->add_audio(settings.container, *settings.audio); !s) return s.error();
  }
  if (auto s = writer->write_header(path, settings.container); !s) return s.error();
  MediaWriter* self = writer.get();
  writer->pipeline_ = std::make_unique<Pipeline>(
      [self](Stream& stream, AVFrame* frame) { return self->send(stream, frame); });
  return writer;
}

Status MediaWriter::add_video(Container container, const VideoSettings& v) {
  Error error;
  const AVCodec* codec = find_encoder(formats_for(container).video_encoder, error);
  if (!codec) return error;
  video_ = std::make_unique<Stream>();
  video_->stream = avformat_new_stream(format_.get(), nullptr);
  video_->codec.reset(avcodec_alloc_context3(codec));
  if (!video_->stream || !video_->codec)
    return media_error("out of memory allocating the video stream");
  configure_video(video_->codec.get(), v);
  video_->stream->avg_frame_rate = video_->codec->framerate;
  Dictionary options;
  set_video_options(container, v, options);
  return open_stream(format_.get(), video_->stream, video_->codec.get(), codec, options);
}

Status MediaWriter::add_audio(Container container, const AudioSettings& a) {
  const Formats formats = formats_for(container);
  Error error;
  const AVCodec* codec = find_encoder(formats.audio_encoder, error);
  if (!codec) return error;
  audio_ = std::make_unique<Stream>();
  audio_->stream = avformat_new_stream(format_.get(), nullptr);
  audio_->codec.reset(avcodec_alloc_context3(codec));
  if (!audio_->stream || !audio_->codec)
    return media_error("out of memory allocating the audio stream");
  AVCodecContext* ctx = audio_->codec.get();
  ctx->sample_fmt = pick_sample_format(codec);
  if (ctx->sample_fmt == AV_SAMPLE_FMT_NONE)
    return media_error(std::string(codec->name) + ": no usable sample format");
  ctx->sample_rate = a.sample_rate;
  av_channel_layout_default(&ctx->ch_layout, 2);
  ctx->bit_rate = formats.audio_bit_rate;
  ctx->time_base = AVRational{1, a.sample_rate};
  ctx->flags |= AV_CODEC_FLAG_BITEXACT;
  Dictionary options;
  return open_stream(format_.get(), audio_->stream, ctx, codec, options);
}

Status MediaWriter::write_header(const std::string& path, Container container) {
  if (int err = avio_open(&format_->pb, path.c_str(), AVIO_FLAG_WRITE); err < 0) {
    return av_error(err, "cannot create the output file");
  }
  Dictionary options;
  if (container != Container::Webm) {
    // faststart: moov before mdat so browsers can play and seek before the download ends;
    // use_metadata_tags: keep our own tag names (encoder_engine, ...) visible to ffprobe.
    options.set("movflags", "+faststart+use_metadata_tags");
  }
  if (int err = avformat_write_header(format_.get(), options.address()); err < 0) {
    return av_error(err, "cannot write the container header");
  }
  return Ok{};
}

Status MediaWriter::send(Stream& s, AVFrame* frame) {
  if (int err = avcodec_send_frame(s.codec.get(), frame); err < 0)
    return av_error(err, "cannot encode a frame");
  while (true) {
    int err = avcodec_receive_packet(s.codec.get(), packet_.get());
    if (err == AVERROR(EAGAIN) || err == AVERROR_EOF) return Ok{};
    if (err < 0) return av_error(err, "cannot encode a frame");
    av_packet_rescale_ts(packet_.get(), s.codec->time_base, s.stream->time_base);
    packet_->stream_index = s.stream->index;
    // Takes over the packet's reference and leaves packet_ blank for the next one.
    if (err = av_interleaved_write_frame(format_.get(), packet_.get()); err < 0) {
      return av_error(err, "cannot write a packet");
    }
  }
}

Status MediaWriter::write_video(AVFrame* frame) {
  FramePtr queued(av_frame_clone(frame));  // a new reference (a copy if not reference-counted)
  if (!queued) return media_error("out of memory queueing a frame");
  return pipeline_->push(*video_, std::move(queued));
}

int MediaWriter::audio_frame_samples() const {
  const AVCodecContext* ctx = audio_ ? audio_->codec.get() : nullptr;
  return ctx && ctx->frame_size > 0 ? ctx->frame_size : 1024;
}

Status MediaWriter::write_audio(const float* left, const float* right, int count, int64_t first) {
  if (!audio_) return media_error("this output has no audio stream");
  AVCodecContext* ctx = audio_->codec.get();
  const bool short_ok = (ctx->codec->capabilities &
                         (AV_CODEC_CAP_SMALL_LAST_FRAME | AV_CODEC_CAP_VARIABLE_FRAME_SIZE));
  FramePtr frame = make_frame();
  if (!frame) return media_error("out of memory allocating an audio frame");
  frame->format = ctx->sample_fmt;
  frame->sample_rate = ctx->sample_rate;
  frame->nb_samples = short_ok ? count : std::max(count, audio_frame_samples());
  if (int err = av_channel_layout_copy(&frame->ch_layout, &ctx->ch_layout); err < 0) {
    return av_error(err, "cannot set the channel layout");
  }
  if (int err = av_frame_get_buffer(frame.get(), 0); err < 0)
    return av_error(err, "allocating audio buffers");
  av_samples_set_silence(frame->data, 0, frame->nb_samples, 2, ctx->sample_fmt);
  fill_samples(frame.get(), left, right, count);
  frame->pts = first;
  return pipeline_->push(*audio_, std::move(frame));
}

Status MediaWriter::finish() {
  if (auto s = pipeline_->drain(); !s) return s.error();
  if (auto s = send(*video_, nullptr); !s) return s.error();
  if (audio_) {
    if (auto s = send(*audio_, nullptr); !s) return s.error();
  }
  if (int err = av_write_trailer(format_.get()); err < 0)
    return av_error(err, "cannot finish the container");
  return Ok{};
}

}  // namespace vidserve::media
