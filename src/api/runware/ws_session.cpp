#include "api/runware/ws_session.hpp"

#include <algorithm>

#include "api/http/server_log.hpp"
#include "api/runware/handlers.hpp"
#include "api/wire/json_text.hpp"
#include "common/uuid.hpp"

namespace vidserve::api::runware {

namespace json = boost::json;

namespace {

std::string item_uuid(const json::value& item) {
  return item.is_object() ? handlers::string_field(item.get_object(), "taskUUID") : std::string();
}

std::string progress_frame(const std::string& task_type, const std::string& task_uuid,
                           int percent) {
  json::object item{{"taskType", task_type},
                    {"taskUUID", task_uuid},
                    {"status", "processing"},
                    {"progress", percent}};
  return wire::to_text(json::object{{"data", json::array{std::move(item)}}});
}

// A finished task as pushed frames: one per result item, one per error.
std::vector<std::string> result_frames(const Services& s, const store::TaskRecord& record) {
  Envelope out;
  handlers::task_items(s.context, record, out);
  std::vector<std::string> frames;
  for (auto& item : out.data) {
    Envelope one;
    one.data.push_back(std::move(item));
    frames.push_back(one.body());
  }
  for (auto& error : out.errors) {
    Envelope one;
    one.errors.push_back(std::move(error));
    frames.push_back(one.body());
  }
  return frames;
}

}  // namespace

std::vector<std::string> frames_by_task(const Envelope& out) {
  std::map<std::string, Envelope> by_task;
  std::vector<std::string> order;  // first appearance
  const auto piece = [&](const std::string& uuid) -> Envelope& {
    auto [it, added] = by_task.try_emplace(uuid);
    if (added) order.push_back(uuid);
    return it->second;
  };
  for (const auto& item : out.data) piece(item_uuid(item)).data.push_back(item);
  for (const auto& error : out.errors) piece(item_uuid(error)).errors.push_back(error);
  std::vector<std::string> frames;
  for (const auto& uuid : order) frames.push_back(by_task[uuid].body());
  return frames;  // none when there is nothing to answer (a synchronous imageInference alone)
}

SocketSession::SocketSession(std::string uuid, std::string owner, const Service& service,
                             tasks::TaskSubscriptions& events, SessionLimits limits)
    : uuid_(std::move(uuid)),
      owner_(std::move(owner)),
      service_(service),
      events_(events),
      limits_(limits) {}

SocketSession::~SocketSession() {
  for (const auto& [task_uuid, t] : tracked_) events_.unsubscribe(owner_, task_uuid, this);
}

void SocketSession::attach(std::weak_ptr<http::WsConnection> connection) {
  const std::lock_guard lock(mutex_);
  auto previous = connection_.lock();
  auto live = connection.lock();
  if (previous && previous != live) previous->close();
  connection_ = std::move(connection);
  detached_since_ms_ = 0;
  overflow_logged_ = false;
  if (!live) return;
  for (auto& frame : buffered_) live->send(std::move(frame));
  buffered_.clear();
  buffered_bytes_ = 0;
}

void SocketSession::detach(const http::WsConnection* connection, std::int64_t now_ms) {
  const std::lock_guard lock(mutex_);
  auto live = connection_.lock();
  if (live && live.get() != connection) return;  // taken over by a newer connection
  connection_.reset();
  detached_since_ms_ = std::max<std::int64_t>(now_ms, 1);
}

std::int64_t SocketSession::detached_since_ms() const {
  const std::lock_guard lock(mutex_);
  return detached_since_ms_;
}

std::size_t SocketSession::tracked() const {
  const std::lock_guard lock(mutex_);
  return tracked_.size();
}

void SocketSession::track(const store::TaskRecord& record, bool push_only) {
  {
    const std::lock_guard lock(mutex_);
    auto& t = tracked_[record.task_uuid];
    t.task_type = record.task_type;
    t.push_only = push_only;
    t.acked = push_only;  // nothing to wait for
  }
  events_.subscribe(owner_, record.task_uuid, weak_from_this());
  // A worker may have claimed and finished it between the commit and now.
  auto now = service_.services().context.tasks.get_brief(owner_, record.task_uuid);
  if (now && store::is_terminal(now->status)) {
    events_.unsubscribe(owner_, record.task_uuid, this);  // its Finished event went out already
    finished(record.task_uuid);
  }
}

void SocketSession::reply(const Envelope& out,
                          const std::weak_ptr<http::WsConnection>& connection) {
  const auto frames = frames_by_task(out);
  const std::lock_guard lock(mutex_);
  if (auto live = connection.lock()) {
    for (const auto& frame : frames) live->send(frame);
  }
  for (const auto& item : out.data) {
    auto it = tracked_.find(item_uuid(item));
    if (it == tracked_.end() || it->second.acked) continue;
    it->second.acked = true;
    if (!it->second.finished) continue;
    for (auto& frame : it->second.held) deliver_locked(std::move(frame));
    tracked_.erase(it);
  }
}

void SocketSession::on_task_event(const tasks::TaskEvent& event) {
  if (event.kind == tasks::TaskEvent::Kind::Finished) return finished(event.task_uuid);
  const std::lock_guard lock(mutex_);
  auto it = tracked_.find(event.task_uuid);
  if (it == tracked_.end() || it->second.push_only || !it->second.acked || it->second.finished)
    return;
  if (auto live = connection_.lock())
    live->send(progress_frame(it->second.task_type, event.task_uuid, event.progress));
}

// Builds the frames outside the lock (a store read, maybe base64 media), then delivers them once.
void SocketSession::finished(const std::string& task_uuid) {
  {
    const std::lock_guard lock(mutex_);
    auto it = tracked_.find(task_uuid);
    if (it == tracked_.end() || it->second.finished) return;
  }
  auto record = service_.services().context.tasks.get(owner_, task_uuid);
  if (!record || !store::is_terminal(record->status)) return;
  auto frames = result_frames(service_.services(), *record);
  const std::lock_guard lock(mutex_);
  auto it = tracked_.find(task_uuid);
  if (it == tracked_.end() || it->second.finished) return;  // another thread delivered them
  if (!it->second.acked) {
    it->second.finished = true;
    it->second.held = std::move(frames);
    return;
  }
  for (auto& frame : frames) deliver_locked(std::move(frame));
  tracked_.erase(it);
}

void SocketSession::deliver_locked(std::string frame) {
  if (auto live = connection_.lock()) return live->send(std::move(frame));
  if (buffered_bytes_ + frame.size() > limits_.buffer_limit_bytes) {
    if (!overflow_logged_) {
      http::log_error("websocket session " + uuid_,
                      "result buffer full while detached; further results are left to getResponse");
      overflow_logged_ = true;
    }
    return;
  }
  buffered_bytes_ += frame.size();
  buffered_.push_back(std::move(frame));
}

SessionDirectory::SessionDirectory(const Service& service, tasks::TaskSubscriptions& events,
                                   SessionLimits limits)
    : service_(service), events_(events), limits_(limits) {}

std::shared_ptr<SocketSession> SessionDirectory::open(const std::string& owner,
                                                      const std::string& requested) {
  sweep();
  const std::lock_guard lock(mutex_);
  if (!requested.empty()) {
    auto it = sessions_.find(requested);
    if (it != sessions_.end() && it->second->owner() == owner) return it->second;
  }
  auto session =
      std::make_shared<SocketSession>(uuid::generate_v4(), owner, service_, events_, limits_);
  sessions_.emplace(session->uuid(), session);
  return session;
}

// Forgets detached sessions past the resume window, then the oldest detached ones of any key
// over max_sessions_per_owner.
void SessionDirectory::sweep() {
  std::vector<std::shared_ptr<SocketSession>> gone;  // destroyed outside the lock
  const auto now = service_.services().context.clock->now_ms();
  const std::lock_guard lock(mutex_);
  std::map<std::string, std::vector<std::pair<std::int64_t, std::string>>> detached;  // by owner
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    const auto since = it->second->detached_since_ms();
    if (since != 0 && now - since > limits_.resume_window_ms) {
      gone.push_back(std::move(it->second));
      it = sessions_.erase(it);
      continue;
    }
    if (since != 0) detached[it->second->owner()].emplace_back(since, it->first);
    ++it;
  }
  for (auto& [owner, list] : detached) {
    if (list.size() <= limits_.max_sessions_per_owner) continue;
    std::sort(list.begin(), list.end());
    for (std::size_t i = 0; i < list.size() - limits_.max_sessions_per_owner; ++i) {
      auto it = sessions_.find(list[i].second);
      gone.push_back(std::move(it->second));
      sessions_.erase(it);
    }
  }
}

std::size_t SessionDirectory::size() const {
  const std::lock_guard lock(mutex_);
  return sessions_.size();
}

}  // namespace vidserve::api::runware
