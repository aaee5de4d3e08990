#pragma once
// Error codes of the Runware front-end (its envelope's "code", and `vidserve validate`).

namespace vidserve::api::runware::errc {

// Authentication.
inline constexpr const char* kMissingApiKey = "missingApiKey";
inline constexpr const char* kInvalidApiKey = "invalidApiKey";

// The key sent more requests than its rate allows (HTTP 429 with Retry-After).
inline constexpr const char* kRateLimitExceeded = "rateLimitExceeded";
// The request document.
inline constexpr const char* kInvalidJSON = "invalidJSON";
inline constexpr const char* kInvalidTaskCount = "invalidTaskCount";
inline constexpr const char* kUnsupportedTaskType = "unsupportedTaskType";

// Reading tasks: getResponse of an unknown task, a synchronous wait that ran out.
inline constexpr const char* kTaskNotFound = "taskNotFound";
// DELETE /v1/tasks/{taskUUID} of a task that already succeeded or failed (HTTP 409).
inline constexpr const char* kTaskNotCancellable = "taskNotCancellable";
inline constexpr const char* kTimeout = "timeout";

}  // namespace vidserve::api::runware::errc
