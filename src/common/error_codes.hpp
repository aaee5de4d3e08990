#pragma once
// Error codes (Error::code) that more than one layer produces. Each layer keeps its own codes in
// its own error_codes.hpp; a layer above reuses a lower layer's constant instead of repeating the
// literal, so a code is spelled once in src/.
namespace vidserve {

namespace errc {
// Something asked for does not exist (a task, a file, a key).
inline constexpr const char* kNotFound = "notFound";
// The task was cancelled while it ran (renderers, engines, the worker).
inline constexpr const char* kTaskCancelled = "taskCancelled";
// A failure of the program itself (a library that could not start or allocate).
inline constexpr const char* kInternal = "internal";
// VIDSERVE_LOG_LEVEL names no level (common/log.hpp).
inline constexpr const char* kInvalidLogLevel = "invalidLogLevel";
}  // namespace errc

// Errors of file writes (common/io_error.hpp) and of the stores.
namespace io_errc {
// The disk or the quota is full: a worker waits for space instead of failing the task for good.
inline constexpr const char* kStorageFull = "storageFull";
// Any other I/O failure.
inline constexpr const char* kStorage = "storage";
}  // namespace io_errc

}  // namespace vidserve
