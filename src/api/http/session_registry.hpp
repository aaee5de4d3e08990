#pragma once
// SessionRegistry: the open connections of one running server (HTTP sessions and upgraded
// WebSockets), so that stop() can close them. Connections add themselves when they start and
// remove themselves when destroyed; after close_all() none may be added (one accepted during
// shutdown closes at once).
#include <cstddef>
#include <memory>
#include <mutex>
#include <unordered_map>

namespace vidserve::api::http {

// A connection the registry can ask to close (asynchronously, on its own strand).
class Closable {
 public:
  virtual ~Closable() = default;
  virtual void close() = 0;
};

class SessionRegistry {
 public:
  // False once close_all() has run.
  bool add(const std::shared_ptr<Closable>& session);
  void remove(const Closable* session);
  // Asks every registered session to close (asynchronously, on its strand).
  void close_all();
  std::size_t size() const;

 private:
  mutable std::mutex mutex_;
  bool closed_ = false;
  std::unordered_map<const Closable*, std::weak_ptr<Closable>> sessions_;
};

}  // namespace vidserve::api::http
