#include "api/tasks/task_subscriptions.hpp"

#include <vector>

namespace vidserve::api::tasks {

void TaskSubscriptions::subscribe(const std::string& owner, const std::string& task_uuid,
                           std::weak_ptr<TaskEventSink> sink) {
  const std::lock_guard lock(mutex_);
  sinks_.emplace(Key{owner, task_uuid}, std::move(sink));
}

void TaskSubscriptions::unsubscribe(const std::string& owner, const std::string& task_uuid,
                             const TaskEventSink* sink) {
  const std::lock_guard lock(mutex_);
  auto [first, last] = sinks_.equal_range(Key{owner, task_uuid});
  for (auto it = first; it != last;) {
    auto held = it->second.lock();
    it = (!held || held.get() == sink) ? sinks_.erase(it) : std::next(it);
  }
}

void TaskSubscriptions::on_task_event(const TaskEvent& event) {
  std::vector<std::shared_ptr<TaskEventSink>> targets;
  {
    const std::lock_guard lock(mutex_);
    if (closed_) return;
    auto [first, last] = sinks_.equal_range(Key{event.owner, event.task_uuid});
    for (auto it = first; it != last;) {
      if (auto sink = it->second.lock()) {
        targets.push_back(std::move(sink));
        ++it;
      } else {
        it = sinks_.erase(it);
      }
    }
    if (event.kind == TaskEvent::Kind::Finished) sinks_.erase(Key{event.owner, event.task_uuid});
    ++publishing_;
  }
  // Outside the lock: a sink may subscribe or unsubscribe, and the last reference may go here.
  for (const auto& sink : targets) sink->on_task_event(event);
  targets.clear();
  const std::lock_guard lock(mutex_);
  if (--publishing_ == 0) idle_.notify_all();
}

void TaskSubscriptions::close() {
  std::unique_lock lock(mutex_);
  closed_ = true;
  idle_.wait(lock, [this] { return publishing_ == 0; });
}

std::size_t TaskSubscriptions::subscriptions() const {
  const std::lock_guard lock(mutex_);
  return sinks_.size();
}

}  // namespace vidserve::api::tasks
