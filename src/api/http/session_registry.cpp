#include "api/http/session_registry.hpp"

#include <vector>


namespace vidserve::api::http {

bool SessionRegistry::add(const std::shared_ptr<Closable>& session) {
  const std::lock_guard lock(mutex_);
  if (closed_) return false;
  sessions_.emplace(session.get(), session);
  return true;
}

void SessionRegistry::remove(const Closable* session) {
  const std::lock_guard lock(mutex_);
  sessions_.erase(session);
}

void SessionRegistry::close_all() {
  std::vector<std::shared_ptr<Closable>> open;
  {
    const std::lock_guard lock(mutex_);
    closed_ = true;
    for (const auto& [key, weak] : sessions_) {
      if (auto session = weak.lock()) open.push_back(std::move(session));
    }
  }
  // Outside the lock: releasing the last reference runs ~Session, which calls remove().
  for (const auto& session : open) session->close();
}

std::size_t SessionRegistry::size() const {
  const std::lock_guard lock(mutex_);
  return sessions_.size();
}

}  // namespace vidserve::api::http
