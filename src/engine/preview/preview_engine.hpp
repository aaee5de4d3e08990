#pragma once
// The embedded "preview" engine: real, playable media rendered offline with FFmpeg's libraries.
// It honours size, duration, fps, shots, first/last frames, sound and output format, is
// deterministic for the same request and seed, and marks every frame and the container as a
// preview so nobody mistakes it for model output.
#include "engine/engine.hpp"

namespace vidserve::engine {

class PreviewEngine final : public Engine {
 public:
  std::string_view name() const override { return "preview"; }
  Result<Output> render(const Job& job, Progress& progress) override;
};

}  // namespace vidserve::engine
