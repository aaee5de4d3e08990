#pragma once
// PgTaskEvents: TaskEvents across processes over PostgreSQL LISTEN/NOTIFY, so an API node hears
// of a task a worker in another process finished (a WebSocket push, a synchronous imageInference,
// a webhook) and idle workers hear of new tasks.
//
// publish() calls this process's listeners at once (as LocalTaskEvents does) and queues the event
// for the other processes; a sender thread sends the queue as NOTIFYs on the channel
// `vidserve_task_events:<schema>`, in batches. A listener thread holds one connection that LISTENs
// and calls this process's listeners for every event another process published (each event carries
// its process's random origin id, so a process never hears its own events twice). Queue wakes
// (TaskEvents::publish_queued) go the same way: another process that hears one wakes its workers.
//
// Events are hints: the store holds the truth. The queue is bounded (the oldest events are
// dropped when PostgreSQL is away for long), and events published while the listening connection
// was being re-made are missed; every reader of events has its own bound (worker polls, waiter
// deadlines, the webhook outbox's due times), so a missed event delays, never loses, anything.
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/background_loop.hpp"
#include "store/task_events.hpp"

struct pg_conn;

namespace vidserve::store {

class PgDatabase;

// The NOTIFY payload of an event, and back; nullopt for a payload that is not one.
std::string encode_task_event(const std::string& origin, const TaskEvent& event);
struct DecodedTaskEvent {
  std::string origin;
  TaskEvent event;
};
std::optional<DecodedTaskEvent> decode_task_event(std::string_view payload);

class PgTaskEvents final : public TaskEvents {
 public:
  static constexpr std::size_t kMaxQueued = 10000;
  explicit PgTaskEvents(std::shared_ptr<PgDatabase> db);
  ~PgTaskEvents() override;

  // Starts the sender and the listener; listeners and wakes are added before.
  void start() override;
  void stop() override;

  void publish(const TaskEvent& event) override;
  void listen(TaskEventListener& listener) override;

  // Events received from other processes so far (for tests and metrics).
  std::uint64_t received() const;

 private:
  BackgroundLoop::Next send_step();
  BackgroundLoop::Next listen_step();
  void deliver(const TaskEvent& event);
  void send_queued() override;  // a queue wake for the other processes
  void enqueue_payload(std::string payload);

  std::shared_ptr<PgDatabase> db_;
  const std::string origin_;
  std::string channel_;  // set by start(), before the threads
  LocalTaskEvents local_;
  mutable std::mutex mutex_;
  std::deque<std::string> outgoing_;  // encoded payloads
  std::uint64_t received_ = 0;
  std::uint64_t dropped_ = 0;
  std::shared_ptr<pg_conn> listening_;  // the listener thread's own
  BackgroundLoop sender_;
  BackgroundLoop listener_;
};

}  // namespace vidserve::store
