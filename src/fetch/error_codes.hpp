#pragma once
// Error codes (Error::code) of fetch: inputs from data URIs, base64, uploads and http(s) URLs.

namespace vidserve::fetch::errc {

// Encodings and references that are not valid inputs.
inline constexpr const char* kInvalidInput = "invalidInput";
inline constexpr const char* kUnknownInput = "unknownInput";
inline constexpr const char* kInvalidDataUri = "invalidDataUri";
inline constexpr const char* kInvalidBase64 = "invalidBase64";
inline constexpr const char* kInvalidUrl = "invalidUrl";
inline constexpr const char* kInputTooLarge = "inputTooLarge";

// The SSRF guard: a bad allow-list, a refused address.
inline constexpr const char* kInvalidAllowList = "invalidAllowList";
inline constexpr const char* kAddressRefused = "addressRefused";

// HTTP transfers.
inline constexpr const char* kFetchFailed = "fetchFailed";
inline constexpr const char* kFetchTimeout = "fetchTimeout";
inline constexpr const char* kInvalidHeader = "invalidHeader";
inline constexpr const char* kInvalidMethod = "invalidMethod";

// The pool is full (all jobs, or those of one host): retry later.
inline constexpr const char* kFetchBusy = "fetchBusy";

// A transfer abandoned because the server stops.
inline constexpr const char* kFetchCancelled = "fetchCancelled";

// The S3 object store (s3_client.hpp). An object or bucket that does not exist is "notFound"
// (vidserve::errc::kNotFound) and "noSuchBucket".
// AWS_ACCESS_KEY_ID or AWS_SECRET_ACCESS_KEY is not set.
inline constexpr const char* kMissingS3Credentials = "missingS3Credentials";
// The store refused the request (HTTP 403): wrong credentials, a bad signature, no permission.
inline constexpr const char* kObjectStoreDenied = "objectStoreDenied";
// The store did not answer, or answered 5xx, on every attempt.
inline constexpr const char* kObjectStoreUnavailable = "objectStoreUnavailable";
// Any other unexpected answer (an HTTP status the request does not expect, a malformed listing).
inline constexpr const char* kObjectStoreFailed = "objectStoreFailed";
inline constexpr const char* kNoSuchBucket = "noSuchBucket";

}  // namespace vidserve::fetch::errc
