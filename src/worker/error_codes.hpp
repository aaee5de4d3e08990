#pragma once
// Error codes (Error::code) the worker writes into a failed task's results.

namespace vidserve::worker::errc {

// No engine is configured for the task's model.
inline constexpr const char* kModelUnavailable = "modelUnavailable";

// The task would take its key's kling-engine spend over the key's spend cap: refused before it
// reached Kling.
inline constexpr const char* kSpendCapExceeded = "spendCapExceeded";

// An engine failed without a code.
inline constexpr const char* kInferenceError = "inferenceError";

}  // namespace vidserve::worker::errc
