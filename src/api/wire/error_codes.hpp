#pragma once
// Wire error codes shared by the front-ends and what they share (api/tasks, api/webhooks).

namespace vidserve::api::wire::errc {

// The server cannot take the request now (starting or stopping).
inline constexpr const char* kServiceUnavailable = "serviceUnavailable";

// Every record of a commit fails with this code while the space check says the disk is too full
// (each front-end answers 507 with Retry-After); nothing is stored then (tasks/submitter.cpp).
inline constexpr const char* kInsufficientStorage = "insufficientStorage";

// Reading a request body.
inline constexpr const char* kUnknownParameter = "unknownParameter";
inline constexpr const char* kTooManyItems = "tooManyItems";

// A webhook asked for a shape that is not wired in.
inline constexpr const char* kNoWebhookShape = "noWebhookShape";
// A webhook signing secret that is not "whsec_" + base64 (VIDSERVE_WEBHOOK_SECRET).
// A webhook could not be rendered or sent (an exception from a formatter or sender).
inline constexpr const char* kWebhookFailed = "webhookFailed";
inline constexpr const char* kInvalidWebhookSecret = "invalidWebhookSecret";

}  // namespace vidserve::api::wire::errc
