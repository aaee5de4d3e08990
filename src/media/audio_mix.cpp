#include "media/audio_mix.hpp"

#include <algorithm>

namespace vidserve::media {

void add_scaled(float* dst, const float* src, int count, float gain) {
  for (int i = 0; i < count; ++i) dst[i] += src[i] * gain;
}

void clip_samples(float* samples, int count) {
  for (int i = 0; i < count; ++i) samples[i] = std::clamp(samples[i], -1.0f, 1.0f);
}

void AudioMix::add(std::unique_ptr<AudioFeed> feed, float gain) {
  if (gain != 0.0f) tracks_.push_back(Track{std::move(feed), gain});
}

Status AudioMix::read(float* left, float* right, int count) {
  std::fill_n(left, count, 0.0f);
  std::fill_n(right, count, 0.0f);
  scratch_left_.resize(static_cast<size_t>(count));
  scratch_right_.resize(static_cast<size_t>(count));
  for (Track& track : tracks_) {
    if (auto s = track.feed->read(scratch_left_.data(), scratch_right_.data(), count); !s) return s;
    add_scaled(left, scratch_left_.data(), count, track.gain);
    add_scaled(right, scratch_right_.data(), count, track.gain);
  }
  clip_samples(left, count);
  clip_samples(right, count);
  return Ok{};
}

Status ToneFeed::read(float* left, float* right, int count) {
  synth_.render(next_, count, left, right);
  next_ += count;
  return Ok{};
}

}  // namespace vidserve::media
