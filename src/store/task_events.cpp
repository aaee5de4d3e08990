#include "store/task_events.hpp"

namespace vidserve::store {

void LocalTaskEvents::publish(const TaskEvent& event) {
  std::vector<TaskEventListener*> listeners;
  {
    const std::lock_guard lock(mutex_);
    listeners = listeners_;
  }
  for (auto* listener : listeners) listener->on_task_event(event);
}

void LocalTaskEvents::listen(TaskEventListener& listener) {
  const std::lock_guard lock(mutex_);
  listeners_.push_back(&listener);
}

}  // namespace vidserve::store
