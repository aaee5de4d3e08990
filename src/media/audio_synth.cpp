#include "media/audio_synth.hpp"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <numbers>

namespace vidserve::media {
namespace {

uint64_t mix(uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

constexpr int kPentatonic[] = {0, 2, 4, 7, 9, 12, 14, 16};
constexpr double kAmplitude = 0.18;

}  // namespace

ToneSynth::ToneSynth(uint64_t seed, int sample_rate)
    : seed_(seed),
      sample_rate_(sample_rate),
      root_hz_(196.0 * std::pow(2.0, static_cast<double>(mix(seed) % 12) / 12.0)),  // G3 .. F#4
      note_seconds_(0.25 + 0.05 * static_cast<double>(mix(seed ^ 1) % 5)) {}

double ToneSynth::note_frequency(int64_t note) const {
  const uint64_t h = mix(seed_ ^ (static_cast<uint64_t>(note) * 0xD1B54A32D192ED03ULL));
  const int semitones = kPentatonic[h % std::size(kPentatonic)];
  return root_hz_ * std::pow(2.0, semitones / 12.0);
}

void ToneSynth::render(int64_t first, int count, float* left, float* right) const {
  const auto note_samples = static_cast<int64_t>(note_seconds_ * sample_rate_);
  for (int i = 0; i < count; ++i) {
    const int64_t n = first + i;
    const int64_t note = n / note_samples;
    const double t =
        static_cast<double>(n - note * note_samples) / sample_rate_;  // time within the note
    const double f = note_frequency(note);
    // 10 ms attack, exponential decay: every note starts and ends near silence, so no clicks.
    const double envelope = std::min(1.0, t / 0.01) * std::exp(-4.0 * t / note_seconds_);
    const double tone =
        std::sin(2 * std::numbers::pi * f * t) + 0.3 * std::sin(4 * std::numbers::pi * f * t);
    const double drone = 0.25 * std::sin(2 * std::numbers::pi * (root_hz_ / 2) *
                                         static_cast<double>(n) / sample_rate_);
    left[i] = static_cast<float>(kAmplitude * (tone * envelope + drone));
    right[i] = static_cast<float>(kAmplitude * (tone * envelope * 0.8 + drone));
  }
}

}  // namespace vidserve::media
