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
// TLS files (tls_context.hpp): missing, unreadable or not PEM; a key of another certificate;
// OpenSSL refusing the TLS settings.
inline constexpr const char* kTlsFilesUnreadable = "tlsFilesUnreadable";
inline constexpr const char* kTlsKeyMismatch = "tlsKeyMismatch";
inline constexpr const char* kTlsInvalid = "tlsInvalid";

}  // namespace vidserve::api::http::errc
