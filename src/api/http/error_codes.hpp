#pragma once
// Error codes of the HTTP server: the "code" of the error bodies it writes itself, and its
// start-up errors (Error::code). Front-ends reuse them; a missing resource is errc::kNotFound
// (common/error_codes.hpp).

namespace vidserve::api::http::errc {

// Error bodies.
inline constexpr const char* kBadRequest = "badRequest";
inline constexpr const char* kPayloadTooLarge = "payloadTooLarge";
inline constexpr const char* kHeaderTooLarge = "headerTooLarge";
inline constexpr const char* kInternalServerError = "internalServerError";
inline constexpr const char* kMethodNotAllowed = "methodNotAllowed";
inline constexpr const char* kRangeNotSatisfiable = "rangeNotSatisfiable";

// Start-up.
inline constexpr const char* kInvalidAddress = "invalidAddress";
inline constexpr const char* kListenFailed = "listenFailed";
inline constexpr const char* kAlreadyStarted = "alreadyStarted";

}  // namespace vidserve::api::http::errc
