#include "store/task_events.hpp"

namespace vidserve::store {

void TaskEvents::publish_queued() {
  wake_workers();
  send_queued();
}

void TaskEvents::on_queued(std::function<void()> wake) {
  const std::lock_guard lock(wakes_mutex_);
  wakes_.push_back(std::move(wake));
}

void TaskEvents::wake_workers() {
  std::vector<std::function<void()>> wakes;
  {
    const std::lock_guard lock(wakes_mutex_);
    wakes = wakes_;
  }
  for (const auto& wake : wakes) wake();
}

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
