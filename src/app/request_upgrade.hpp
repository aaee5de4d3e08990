#pragma once
// Start-up step: every stored request older than the task spec is converted to one, before this
// process's workers claim a task or its clients read one.
//
// Safe with several processes on one shared store at once: the conversion is a function of the
// stored request alone, so two processes converting the same task write the same request and
// version (rewrite_requests replaces by key; the later write changes nothing), and each process
// starts its workers only once it saw no older request left. Not covered: a process of an earlier
// release still storing requests in the old form beside new workers (upgrade every process of a
// deployment together, or the API nodes first).
#include <cstdint>

#include "common/result.hpp"
#include "store/task_store.hpp"

namespace vidserve::app {

// Converts in batches, each in one transaction; returns how many tasks were converted. A request
// that cannot be read is kept as it is and marked current: its worker fails it with
// "invalidStoredTask".
Result<std::int64_t> upgrade_stored_requests(store::TaskStore& tasks);

}  // namespace vidserve::app
