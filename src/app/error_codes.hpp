#pragma once
// Error codes (Error::code) of the app: options, engine configuration and the CLI commands.

namespace vidserve::app::errc {

// serve: options and engines.
inline constexpr const char* kInvalidListen = "invalidListen";
inline constexpr const char* kInvalidTls = "invalidTls";  // one of --tls-cert / --tls-key alone
inline constexpr const char* kInvalidRetention = "invalidRetention";
inline constexpr const char* kInvalidEngineConfig = "invalidEngineConfig";
inline constexpr const char* kInvalidEngineRoutes = "invalidEngineRoutes";
inline constexpr const char* kEngineNotConfigured = "engineNotConfigured";
// Another process holds the data directory (its lock file, DATA/vidserve.lock).
inline constexpr const char* kDataDirInUse = "dataDirInUse";
// --store / --media name something this build does not know, or S3 media with a SQLite store.
inline constexpr const char* kInvalidStore = "invalidStore";
inline constexpr const char* kInvalidMedia = "invalidMedia";
// `vidserve worker` on the SQLite store (only one process may work it), or with media in its own
// data directory (no API node could serve them).
inline constexpr const char* kWorkerNeedsSharedStore = "workerNeedsSharedStore";
inline constexpr const char* kInvalidLease = "invalidLease";

// The client commands (generate, the API client) and validate.
inline constexpr const char* kConnectionFailed = "connectionFailed";
inline constexpr const char* kDownloadFailed = "downloadFailed";
inline constexpr const char* kWriteFailed = "writeFailed";
inline constexpr const char* kUnreadable = "unreadable";
inline constexpr const char* kUnreadableInput = "unreadableInput";
inline constexpr const char* kNotAnImage = "notAnImage";
inline constexpr const char* kBadReply = "badReply";
inline constexpr const char* kTaskFailed = "taskFailed";
// generate: the results were not there within --timeout.
inline constexpr const char* kWaitTimeout = "waitTimeout";
// generate: a flag's value cannot be used (a --param without '=', a --shot without ":SECONDS", a
// --request that is not a task object), or -o's extension is not a format the model produces.
inline constexpr const char* kInvalidFlag = "invalidFlag";
inline constexpr const char* kOutputFormatMismatch = "outputFormatMismatch";

}  // namespace vidserve::app::errc
