#pragma once
// Start-up step: every stored request older than the task spec is converted to one, before any
// worker claims a task or any client reads one (single process, like requeue_interrupted).
#include <cstdint>

#include "common/result.hpp"
#include "store/task_store.hpp"

namespace vidserve::app {

// Converts in batches, each in one transaction; returns how many tasks were converted. A request
// that cannot be read is kept as it is and marked current: its worker fails it with
// "invalidStoredTask".
Result<std::int64_t> upgrade_stored_requests(store::TaskStore& tasks);

}  // namespace vidserve::app
