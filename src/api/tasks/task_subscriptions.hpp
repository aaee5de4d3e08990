#pragma once
// TaskSubscriptions: the connections that push task events (the Runware WebSocket) subscribe here
// to single tasks. It listens to the workers' store::TaskEvents and hands each event to the
// subscribers of that owner's task, so one key can never hear about another key's task.
// Subscribers are called on the publishing thread, outside the lock, and must not block (they
// queue frames, nothing more).
#include <condition_variable>
#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "store/task_events.hpp"

namespace vidserve::api::tasks {

using store::TaskEvent;

class TaskEventSink {
 public:
  virtual ~TaskEventSink() = default;
  virtual void on_task_event(const TaskEvent& event) = 0;
};

class TaskSubscriptions final : public store::TaskEventListener {
 public:
  // The sink is held weakly: a sink that is gone is forgotten.
  void subscribe(const std::string& owner, const std::string& task_uuid,
                 std::weak_ptr<TaskEventSink> sink);
  void unsubscribe(const std::string& owner, const std::string& task_uuid,
                   const TaskEventSink* sink);
  // Calls every sink of the task; Finished also ends the task's subscriptions. No-op after close().
  void on_task_event(const TaskEvent& event) override;
  // Stops delivery and waits for the deliveries in progress: afterwards no sink is called, so
  // the connections they write to may go away (the server stops its io threads after this).
  void close();
  std::size_t subscriptions() const;

 private:
  using Key = std::pair<std::string, std::string>;  // (owner, task uuid)
  mutable std::mutex mutex_;
  std::condition_variable idle_;
  std::multimap<Key, std::weak_ptr<TaskEventSink>> sinks_;
  int publishing_ = 0;
  bool closed_ = false;
};

}  // namespace vidserve::api::tasks
