#pragma once
// TaskEvents: what workers tell the rest of the system about tasks — progress and completion —
// without knowing who listens. In one process it is LocalTaskEvents, which calls the listeners
// registered at start-up; a shared store (PostgreSQL LISTEN/NOTIFY) can carry the same events to
// API nodes in other processes. An event names its task by owner and uuid only (small enough for
// a NOTIFY payload); a listener reads whatever else it needs from the store.
#include <functional>
#include <mutex>
#include <string>
#include <vector>

namespace vidserve::store {

struct TaskEvent {
  enum class Kind { Progress, Finished };
  Kind kind = Kind::Progress;
  std::string owner;
  std::string task_uuid;
  int progress = 0;  // 0-99 for Progress (stored before it is published); 100 for Finished
  // The stored task may name a webhook (a cheap test on its text, see core::may_name_webhook),
  // so the webhook notifier reads only those tasks back.
  bool may_have_webhook = false;
};

class TaskEventListener {
 public:
  virtual ~TaskEventListener() = default;
  // Called on the publishing thread (a worker's): must not block; queue and return.
  virtual void on_task_event(const TaskEvent& event) = 0;
};

class TaskEvents {
 public:
  virtual ~TaskEvents() = default;
  // Tells every listener. Never blocks on I/O; an event nobody listens to is dropped.
  virtual void publish(const TaskEvent& event) = 0;
  // Adds a listener for every task's events. Listeners are added while the process assembles
  // itself, before the first publish, and outlive the publishers.
  virtual void listen(TaskEventListener& listener) = 0;

  // Queue wakes: a task was stored, or handed back to the queue, so idle workers look now instead
  // of at their next poll. publish_queued() calls every wake added here with on_queued(), then
  // send_queued() to reach the other processes on a shared store (one that overrides it; in one
  // process there is nobody else). A wake is a hint: workers also poll at a bounded period, so a
  // lost wake delays a task, never strands it. Neither blocks on I/O.
  void publish_queued();
  // Adds a wake, called on the publishing thread or the one that heard another process; it must
  // not block (Scheduler::wake). Added while the process assembles itself, before start().
  void on_queued(std::function<void()> wake);

  // Delivery from other processes: start() once every listener and wake was added, stop() before
  // any of them goes away (no listener or wake is called after stop() returns). In one process
  // there is nothing to deliver: both do nothing.
  virtual void start() {}
  virtual void stop() {}

 protected:
  // Tells the other processes that a task was queued (a shared store's NOTIFY); they call
  // wake_workers() when they hear it. The default: no other process.
  virtual void send_queued() {}
  // Calls this process's wakes: for a task queued here, or one another process queued.
  void wake_workers();

 private:
  std::mutex wakes_mutex_;
  std::vector<std::function<void()>> wakes_;
};

// In-process: publish calls each listener in the order they were added, on the caller's thread;
// publish_queued calls the wakes the same way.
class LocalTaskEvents final : public TaskEvents {
 public:
  void publish(const TaskEvent& event) override;
  void listen(TaskEventListener& listener) override;

 private:
  std::mutex mutex_;
  std::vector<TaskEventListener*> listeners_;
};

}  // namespace vidserve::store
