#pragma once
// Requests stored before the task spec (TaskRecord::request_version 0): the Runware task as the
// client sent it (for Kling and APIMart tasks, its translation), with the caller's names of its
// inputs under "vidserveCallerNames". Read once, when the server converts them at start-up.
#include <string_view>

#include "common/result.hpp"
#include "core/task_spec.hpp"

namespace vidserve::api::runware {

// The spec of a stored Runware task; "invalidStoredTask" when it is not an inference task.
Result<core::TaskSpec> spec_from_legacy_request(std::string_view stored);

}  // namespace vidserve::api::runware
