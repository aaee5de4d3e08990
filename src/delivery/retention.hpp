#pragma once
// Retention: finished tasks (success, error, cancelled) are deleted with their results, media
// files and media index rows once they were last updated more than a retention period ago.
// `ttl` may have deleted a task's media earlier; that is fine.
#include <cstddef>
#include <cstdint>

#include "common/clock.hpp"
#include "common/result.hpp"
#include "delivery/media_store.hpp"
#include "store/task_store.hpp"

namespace vidserve::delivery {

// One bounded pass: up to `batch` tasks finished before clock.now_ms() - retention_ms, media
// first (so a crash between the two leaves a task without files, never files without a task
// that would delete them). Returns how many tasks were deleted; call again while it returns
// `batch`. retention_ms <= 0 deletes nothing.
Result<std::size_t> sweep_retention(store::TaskRepository& tasks, MediaStore& media, const Clock& clock,
                                    std::int64_t retention_ms, std::size_t batch);

}  // namespace vidserve::delivery
