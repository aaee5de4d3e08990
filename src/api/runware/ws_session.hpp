#pragma once
// The state of a Runware WebSocket session (connectionSessionUUID), which outlives the
// connection: the tasks it submitted and, while no connection is attached, the results that
// finished meanwhile. Reconnecting with the same connectionSessionUUID and the same API key
// delivers those results once; another key presenting the uuid gets a new session.
//
// Frames, in the order a client sees them:
//   reply to a message      → one frame per taskUUID it answers ({"data":[…]} / {"errors":[…]})
//   result of a task        → one frame per result item, pushed when the task finished, never
//                             before the task's acknowledgement
//   progress of a task      → {"data":[{"taskType","taskUUID","status":"processing","progress"}]}
//                             while attached, for tasks that were acknowledged (not for
//                             synchronous imageInference, whose clients count every item)
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "api/http/websocket.hpp"
#include "api/runware/service.hpp"
#include "api/tasks/task_subscriptions.hpp"

namespace vidserve::api::runware {

struct SessionLimits {
  std::int64_t resume_window_ms = 120'000;            // a detached session is kept this long
  std::size_t buffer_limit_bytes = 16 * 1024 * 1024;  // results kept for a detached session
  std::size_t max_sessions_per_owner = 32;  // detached sessions kept per key; the oldest go first
};

class SocketSession final : public tasks::TaskEventSink,
                            public std::enable_shared_from_this<SocketSession> {
 public:
  SocketSession(std::string uuid, std::string owner, const Service& service,
                tasks::TaskSubscriptions& events, SessionLimits limits);
  ~SocketSession() override;

  const std::string& uuid() const { return uuid_; }
  const std::string& owner() const { return owner_; }

  // Results buffered while detached are sent on `connection`, once. A connection still attached
  // (the client reconnected before the server noticed the old one died) is closed.
  void attach(std::weak_ptr<http::WsConnection> connection);
  // `connection` ended; no-op when another connection took the session over meanwhile.
  void detach(const http::WsConnection* connection, std::int64_t now_ms);
  // 0 while attached.
  std::int64_t detached_since_ms() const;

  // SocketCall::on_stored: subscribe to the task's events (committer thread).
  void track(const store::TaskRecord& record, bool push_only);
  // The reply to a message that came on `connection` (any thread).
  void reply(const Envelope& out, const std::weak_ptr<http::WsConnection>& connection);

  void on_task_event(const tasks::TaskEvent& event) override;

  std::size_t tracked() const;

 private:
  struct Tracked {
    std::string task_type;
    bool push_only = false;
    bool acked = false;
    bool finished = false;  // results held until the acknowledgement is sent
    std::vector<std::string> held;
  };
  void finished(const std::string& task_uuid);
  void deliver_locked(std::string frame);

  const std::string uuid_, owner_;
  const Service& service_;
  tasks::TaskSubscriptions& events_;
  const SessionLimits limits_;
  mutable std::mutex mutex_;
  std::weak_ptr<http::WsConnection> connection_;
  std::int64_t detached_since_ms_ = 0;
  std::map<std::string, Tracked> tracked_;
  std::deque<std::string> buffered_;
  std::size_t buffered_bytes_ = 0;
  bool overflow_logged_ = false;
};

// The sessions of one server, by connectionSessionUUID.
class SessionDirectory {
 public:
  SessionDirectory(const Service& service, tasks::TaskSubscriptions& events, SessionLimits limits = {});
  // After an authentication: the owner's session `requested` when it is still kept, else a new one.
  std::shared_ptr<SocketSession> open(const std::string& owner, const std::string& requested);
  // Forgets sessions detached for longer than the resume window.
  void sweep();
  std::size_t size() const;

 private:
  const Service& service_;
  tasks::TaskSubscriptions& events_;
  const SessionLimits limits_;
  mutable std::mutex mutex_;
  std::map<std::string, std::shared_ptr<SocketSession>> sessions_;
};

// One frame per task uuid of a reply (items without a uuid, e.g. pong, share one frame), so that
// a client never sees errors of two tasks in one frame. None for an empty reply.
std::vector<std::string> frames_by_task(const Envelope& out);

}  // namespace vidserve::api::runware
