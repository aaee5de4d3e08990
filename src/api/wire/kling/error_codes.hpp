#pragma once
// Problems (Problem::code) found while translating a body in Kling's request format: products,
// models and modes Kling names that vidserve does not serve.

namespace vidserve::api::kling::errc {

inline constexpr const char* kUnsupportedMode = "unsupportedMode";
inline constexpr const char* kUnsupportedWorkflow = "unsupportedWorkflow";
inline constexpr const char* kUnsupportedAspectRatio = "unsupportedAspectRatio";

}  // namespace vidserve::api::kling::errc
