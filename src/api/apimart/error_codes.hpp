#pragma once
// Error codes of the APIMart front-end: the "type" and "code" of its error bodies
// ({"code": <status>, "error": {"message", "type", "code", "param"}}), in APIMart's spelling.

namespace vidserve::api::apimart::errc {

// error.type
inline constexpr const char* kInvalidRequestError = "invalid_request_error";
inline constexpr const char* kAuthenticationError = "authentication_error";
inline constexpr const char* kRateLimitError = "rate_limit_error";
inline constexpr const char* kServerError = "server_error";
// A failed task's error.type in the task view.
inline constexpr const char* kTaskFailed = "task_failed";

// error.code
inline constexpr const char* kInvalidParameter = "invalid_parameter";
inline constexpr const char* kInvalidJson = "invalid_json";
inline constexpr const char* kMissingApiKey = "missing_api_key";
inline constexpr const char* kInvalidApiKey = "invalid_api_key";
inline constexpr const char* kTaskNotFound = "task_not_found";
inline constexpr const char* kTaskNotCancellable = "task_not_cancellable";  // already completed or failed
inline constexpr const char* kTooManyQueuedTasks = "too_many_queued_tasks";
inline constexpr const char* kRateLimitExceeded = "rate_limit_exceeded";  // the key's request rate
inline constexpr const char* kSpendCapExceeded = "spend_cap_exceeded";    // its kling-engine spend cap
inline constexpr const char* kInsufficientStorage = "insufficient_storage";
inline constexpr const char* kServiceUnavailable = "service_unavailable";
inline constexpr const char* kInternalError = "internal_error";

}  // namespace vidserve::api::apimart::errc
