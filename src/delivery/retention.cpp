#include "delivery/retention.hpp"

namespace vidserve::delivery {

Result<std::size_t> sweep_retention(store::TaskRepository& tasks, MediaStore& media, const Clock& clock,
                                    std::int64_t retention_ms, std::size_t batch) {
  if (retention_ms <= 0 || batch == 0) return std::size_t{0};
  auto old = tasks.finished_before(clock.now_ms() - retention_ms, batch);
  if (!old) return old.error();
  for (const auto& task : *old) {
    if (auto removed = media.remove_task_media(task.owner, task.task_uuid); !removed)
      return removed.error();
  }
  auto removed = tasks.remove_finished(*old);
  if (!removed) return removed.error();
  return static_cast<std::size_t>(*removed);
}

}  // namespace vidserve::delivery
