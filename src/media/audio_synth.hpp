#pragma once
// The preview soundtrack: a deterministic melody of soft sine notes derived from the seed
// (pentatonic, so any seed sounds tolerable), stereo, computed sample by sample from the
// absolute sample index so any block can be generated independently.
#include <cstdint>

namespace vidserve::media {

class ToneSynth {
 public:
  ToneSynth(uint64_t seed, int sample_rate);

  // Writes `count` samples starting at absolute sample `first` into left and right.
  void render(int64_t first, int count, float* left, float* right) const;

  int sample_rate() const { return sample_rate_; }

 private:
  double note_frequency(int64_t note) const;

  uint64_t seed_;
  int sample_rate_;
  double root_hz_;
  double note_seconds_;
};

}  // namespace vidserve::media
