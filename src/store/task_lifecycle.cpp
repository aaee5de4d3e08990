#include "store/task_lifecycle.hpp"

#include "common/log_event.hpp"
#include "common/metrics.hpp"

namespace vidserve::store {

void note_transition(std::string_view transition, const TaskRecord& task, std::string_view detail) {
  metrics::record_transition(transition, task.model);
  static auto& logger = log::get(log::kTasks);
  namespace t = metrics::transition;
  const std::string msg = "task " + std::string(transition);
  if (transition == t::kClaimed) {
    return log::event(logger, spdlog::level::info, msg,
                      {{"task_uuid", task.task_uuid},
                       {"model", task.model},
                       {"key_id", task.owner},
                       {"api", task.api},
                       {"attempt", task.attempts},
                       {"worker", detail}});
  }
  if (transition == t::kFailed) {
    return log::event(logger, spdlog::level::warn, msg,
                      {{"task_uuid", task.task_uuid},
                       {"model", task.model},
                       {"key_id", task.owner},
                       {"api", task.api},
                       {"attempt", task.attempts},
                       {"code", detail}});
  }
  log::event(logger, spdlog::level::info, msg,
             {{"task_uuid", task.task_uuid},
              {"model", task.model},
              {"key_id", task.owner},
              {"api", task.api}});
}

}  // namespace vidserve::store
