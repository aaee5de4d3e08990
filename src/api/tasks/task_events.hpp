#pragma once
// TaskEvents: in-process notifications about tasks, for connections that push them (the Runware
// WebSocket). Workers publish progress and completion; a subscriber names the task by owner and
// uuid, so one key can never hear about another key's task. Subscribers are called on the
// publishing thread, outside the lock, and must not block (they queue frames, nothing more).
#include <condition_variable>
#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

namespace vidserve::api::tasks {

struct TaskEvent {
  enum class Kind { Progress, Finished };
  Kind kind = Kind::Progress;
  std::string owner;
  std::string task_uuid;
  int progress = 0;  // 0-100, for Progress
};

class TaskEventSink {
 public:
  virtual ~TaskEventSink() = default;
  virtual void on_task_event(const TaskEvent& event) = 0;
};

class TaskEvents {
 public:
  // The sink is held weakly: a sink that is gone is forgotten.
  void subscribe(const std::string& owner, const std::string& task_uuid,
                 std::weak_ptr<TaskEventSink> sink);
  void unsubscribe(const std::string& owner, const std::string& task_uuid,
                   const TaskEventSink* sink);
  // Calls every sink of the task; Finished also ends the task's subscriptions. No-op after close().
  void publish(const TaskEvent& event);
  // Stops delivery and waits for the publications in progress: afterwards no sink is called, so
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
