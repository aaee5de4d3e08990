#pragma once
// Error codes of the Kling native front-end: its configuration errors (Error::code) and the
// numeric codes of its reply envelope. The problems of Kling's request format are in
// api/wire/kling/error_codes.hpp.

namespace vidserve::api::kling::errc {

// VIDSERVE_KLING_KEYS or VIDSERVE_KLING_JWT_MAX_LIFETIME is malformed.
inline constexpr const char* kInvalidConfig = "invalidConfig";

// Kling's numeric "code" in its reply envelope (0 is success).
inline constexpr int kAuthFailed = 1000;          // unknown key, bad signature
inline constexpr int kAuthEmpty = 1001;           // no Authorization header
inline constexpr int kAuthInvalid = 1002;         // not a JWT we accept
inline constexpr int kAuthNotYetValid = 1003;     // nbf in the future
inline constexpr int kAuthExpired = 1004;         // exp has passed
inline constexpr int kBadRequest = 1200;          // a malformed body or query
inline constexpr int kInvalidParameters = 1201;   // validation problems, listed in `errors`
inline constexpr int kInvalidMethod = 1202;       // a method the path does not take
inline constexpr int kNoSuchResource = 1203;      // unknown path or task
inline constexpr int kSpendCapReached = 1102;     // the key's kling-engine spend cap (402)
inline constexpr int kRateLimited = 1302;         // the key is over its request rate (429)
inline constexpr int kTooManyTasks = 1303;        // the key's queued tasks are at the limit
inline constexpr int kServerError = 5000;         // an internal failure
inline constexpr int kServiceUnavailable = 5001;  // starting, stopping, or the disk nearly full

}  // namespace vidserve::api::kling::errc
