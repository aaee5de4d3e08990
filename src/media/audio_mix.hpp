#pragma once
// A preview's soundtrack: audio feeds summed, each at its own gain (e.g. a lip-sync's supplied
// audio at soundVolume and the video's own sound at originalAudioVolume), clipped to -1..1; and the
// generated tone track as a feed.
#include <cstdint>
#include <memory>
#include <vector>

#include "media/audio_source.hpp"
#include "media/audio_synth.hpp"

namespace vidserve::media {

// dst[i] += src[i] * gain
void add_scaled(float* dst, const float* src, int count, float gain);
// Clamps every sample to -1..1.
void clip_samples(float* samples, int count);

class AudioMix final : public AudioFeed {
 public:
  // A feed at gain 0 is dropped here: it is never read (nor decoded).
  void add(std::unique_ptr<AudioFeed> feed, float gain);
  Status read(float* left, float* right, int count) override;
  size_t tracks() const { return tracks_.size(); }

 private:
  struct Track {
    std::unique_ptr<AudioFeed> feed;
    float gain = 1;
  };
  std::vector<Track> tracks_;
  std::vector<float> scratch_left_, scratch_right_;
};

class ToneFeed final : public AudioFeed {
 public:
  ToneFeed(uint64_t seed, int sample_rate) : synth_(seed, sample_rate) {}
  Status read(float* left, float* right, int count) override;

 private:
  ToneSynth synth_;
  int64_t next_ = 0;
};

}  // namespace vidserve::media
