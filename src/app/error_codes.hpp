#pragma once
// Error codes (Error::code) of the app: options, engine configuration and the CLI commands.

namespace vidserve::app::errc {

// serve: options and engines.
inline constexpr const char* kInvalidListen = "invalidListen";
inline constexpr const char* kInvalidRetention = "invalidRetention";
inline constexpr const char* kInvalidEngineConfig = "invalidEngineConfig";
inline constexpr const char* kInvalidEngineRoutes = "invalidEngineRoutes";
inline constexpr const char* kEngineNotConfigured = "engineNotConfigured";
// Another process holds the data directory (its lock file, DATA/vidserve.lock).
inline constexpr const char* kDataDirInUse = "dataDirInUse";

// The client commands (generate, the API client) and validate.
inline constexpr const char* kConnectionFailed = "connectionFailed";
inline constexpr const char* kDownloadFailed = "downloadFailed";
inline constexpr const char* kWriteFailed = "writeFailed";
inline constexpr const char* kUnreadable = "unreadable";
inline constexpr const char* kUnreadableInput = "unreadableInput";
inline constexpr const char* kNotAnImage = "notAnImage";
inline constexpr const char* kBadReply = "badReply";
inline constexpr const char* kTaskFailed = "taskFailed";

}  // namespace vidserve::app::errc
