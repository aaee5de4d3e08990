#pragma once
// Error codes (Error::code) of the task store, the key store and the media index.
#include "common/error_codes.hpp"

namespace vidserve::store {

// Stable error codes (Error::code) produced by the stores.
namespace errc {
inline constexpr const char* kNotFound = vidserve::errc::kNotFound;
inline constexpr const char* kDuplicateTaskUUID = "duplicateTaskUUID";
// enqueue: the owner already has a task with this external_id.
inline constexpr const char* kDuplicateExternalId = "duplicateExternalId";
inline constexpr const char* kStorage = io_errc::kStorage;
// The database could not grow: the disk (or the quota) is full.
inline constexpr const char* kStorageFull = io_errc::kStorageFull;
// The operation is not allowed in the task's current status, e.g. completing a cancelled task.
inline constexpr const char* kInvalidState = "invalidState";
// A TaskQueue write: the task is no longer processing under this claim (expired and claimed
// again, deferred or requeued).
inline constexpr const char* kLeaseLost = "leaseLost";
// A TaskQueue write: the task was cancelled while the worker held it; it should stop.
inline constexpr const char* kCancelled = "cancelled";
inline constexpr const char* kInvalidArgument = "invalidArgument";
// A PostgreSQL statement broke a unique constraint (SQLSTATE 23505).
inline constexpr const char* kConflict = "conflict";
// enqueue: the owner already has max_active_per_owner() tasks Queued or Processing.
inline constexpr const char* kTooManyQueuedTasks = "tooManyQueuedTasks";
}  // namespace errc

}  // namespace vidserve::store
