#pragma once
// Error codes (Error::code) of the engines, reported as a task's error.

namespace vidserve::engine::errc {

// Routing and capabilities.
inline constexpr const char* kUnknownEngine = "unknownEngine";
inline constexpr const char* kUnsupportedByEngine = "unsupportedByEngine";
inline constexpr const char* kUnsupportedOutputFormat = "unsupportedOutputFormat";

// A relaying engine's provider (Kling): unreachable, slow, or refusing.
inline constexpr const char* kProviderError = "providerError";
inline constexpr const char* kProviderUnreachable = "providerUnreachable";
inline constexpr const char* kProviderTimeout = "providerTimeout";
inline constexpr const char* kProviderTaskFailed = "providerTaskFailed";
inline constexpr const char* kProviderDownloadFailed = "providerDownloadFailed";
inline constexpr const char* kProviderAuthFailed = "providerAuthFailed";
inline constexpr const char* kProviderAccountError = "providerAccountError";
inline constexpr const char* kProviderInsufficientCredits = "providerInsufficientCredits";
inline constexpr const char* kProviderPermissionDenied = "providerPermissionDenied";
inline constexpr const char* kProviderInvalidRequest = "providerInvalidRequest";
inline constexpr const char* kProviderRateLimited = "providerRateLimited";
inline constexpr const char* kProviderAccessDenied = "providerAccessDenied";
inline constexpr const char* kProviderUnavailable = "providerUnavailable";
inline constexpr const char* kContentPolicyViolation = "contentPolicyViolation";

}  // namespace vidserve::engine::errc
