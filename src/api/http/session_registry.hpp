#pragma once
// SessionRegistry: the open connections of one running server, so that stop() can close them.
// Sessions add themselves when they start and remove themselves when destroyed; after
// close_all() no session may be added (one accepted during shutdown closes at once).
#include <cstddef>
#include <memory>
#include <mutex>
#include <unordered_map>

namespace vidserve::api::http {

class Session;

class SessionRegistry {
 public:
  // False once close_all() has run.
  bool add(const std::shared_ptr<Session>& session);
  void remove(const Session* session);
  // Asks every registered session to close (asynchronously, on its strand).
  void close_all();
  std::size_t size() const;

 private:
  mutable std::mutex mutex_;
  bool closed_ = false;
  std::unordered_map<const Session*, std::weak_ptr<Session>> sessions_;
};

}  // namespace vidserve::api::http
