#include "media/audio_source.hpp"

#include <algorithm>

extern "C" {
#include <libavutil/channel_layout.h>
}

namespace vidserve::media {

Result<std::unique_ptr<AudioSource>> AudioSource::open(const MediaRef& ref, int sample_rate) {
  std::unique_ptr<AudioSource> source(new AudioSource());
  auto input = open_media(ref, kAudioTrackDemuxers);
  if (!input) return input.error();
  source->input_ = std::move(*input);
  auto decoder = StreamDecoder::open(source->input_, AVMEDIA_TYPE_AUDIO);
  if (!decoder) return decoder.error();
  source->decoder_.emplace(std::move(*decoder));
  source->frame_ = make_frame();
  if (!source->frame_) return media_error("out of memory allocating a frame");
  source->sample_rate_ = sample_rate;
  return source;
}

// Mono stays one channel (copied to both sides later, at full level); anything else is mixed
// down to stereo by libswresample's default matrix.
Status AudioSource::start_resampler(const AVFrame& frame) {
  const int channels = frame.ch_layout.nb_channels;
  if (channels < 1) return media_error("the audio track has no channels");
  AVChannelLayout in{};
  if (frame.ch_layout.order == AV_CHANNEL_ORDER_UNSPEC) {
    av_channel_layout_default(&in, channels);
  } else if (int err = av_channel_layout_copy(&in, &frame.ch_layout); err < 0) {
    return av_error(err, "cannot read the audio channel layout");
  }
  AVChannelLayout out{};
  av_channel_layout_default(&out, channels == 1 ? 1 : 2);
  SwrContext* raw = nullptr;
  int err = swr_alloc_set_opts2(&raw, &out, AV_SAMPLE_FMT_FLTP, sample_rate_, &in,
                                static_cast<AVSampleFormat>(frame.format), frame.sample_rate, 0,
                                nullptr);
  swr_.reset(raw);
  av_channel_layout_uninit(&in);
  av_channel_layout_uninit(&out);
  if (err >= 0) err = swr_init(swr_.get());
  if (err < 0) return av_error(err, "cannot resample the audio track");
  in_format_ = frame.format;
  in_rate_ = frame.sample_rate;
  in_channels_ = channels;
  return Ok{};
}

// Resamples `in_samples` (nullptr: the resampler's remaining delay) and appends them.
Status AudioSource::convert(const uint8_t** in, int in_samples) {
  left_.erase(left_.begin(), left_.begin() + static_cast<std::ptrdiff_t>(pos_));
  right_.erase(right_.begin(), right_.begin() + static_cast<std::ptrdiff_t>(pos_));
  pos_ = 0;
  const int room = swr_get_out_samples(swr_.get(), in_samples);
  if (room < 0) return av_error(room, "cannot resample the audio track");
  const size_t old = left_.size();
  left_.resize(old + static_cast<size_t>(room));
  right_.resize(old + static_cast<size_t>(room));
  uint8_t* out[2] = {reinterpret_cast<uint8_t*>(left_.data() + old),
                     reinterpret_cast<uint8_t*>(right_.data() + old)};
  const int got = swr_convert(swr_.get(), out, room, in, in_samples);
  if (got < 0) return av_error(got, "cannot resample the audio track");
  left_.resize(old + static_cast<size_t>(got));
  right_.resize(old + static_cast<size_t>(got));
  if (in_channels_ == 1) std::copy(left_.begin() + static_cast<std::ptrdiff_t>(old), left_.end(), right_.begin() + static_cast<std::ptrdiff_t>(old));
  return Ok{};
}

Status AudioSource::refill() {
  if (decoded_all_) {  // the resampler's last samples, then the end
    ended_ = true;
    return swr_ ? convert(nullptr, 0) : Status{Ok{}};
  }
  auto got = decoder_->next(frame_.get());
  if (!got) return got.error();
  if (!*got) {
    decoded_all_ = true;
    return Ok{};
  }
  if (!swr_) {
    if (auto s = start_resampler(*frame_); !s) return s;
  } else if (frame_->format != in_format_ || frame_->sample_rate != in_rate_ ||
             frame_->ch_layout.nb_channels != in_channels_) {
    return media_error("the audio track changes its sample format mid-stream");
  }
  return convert(const_cast<const uint8_t**>(frame_->extended_data), frame_->nb_samples);
}

Status AudioSource::read(float* left, float* right, int count) {
  int done = 0;
  while (done < count) {
    const size_t ready = left_.size() - pos_;
    if (ready > 0) {
      const int n = static_cast<int>(std::min<size_t>(ready, static_cast<size_t>(count - done)));
      std::copy_n(left_.data() + pos_, n, left + done);
      std::copy_n(right_.data() + pos_, n, right + done);
      pos_ += static_cast<size_t>(n);
      done += n;
    } else if (ended_) {
      std::fill(left + done, left + count, 0.0f);
      std::fill(right + done, right + count, 0.0f);
      done = count;
    } else if (auto s = refill(); !s) {
      return s;
    }
  }
  return Ok{};
}

}  // namespace vidserve::media
