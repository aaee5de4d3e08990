#pragma once
// The getResponse items of finished tasks. A successful task never changes again, so its items are
// served from memory instead of the store: polling clients (every SDK polls) cost no database
// work once their task is done. Bounded; the oldest entries go first.
#include <boost/json.hpp>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace vidserve::api::runware {

class ReplyCache {
 public:
  explicit ReplyCache(std::size_t capacity = 20000) : capacity_(capacity) {}

  std::optional<boost::json::array> get(const std::string& owner, const std::string& task_uuid) const;
  void put(const std::string& owner, const std::string& task_uuid, boost::json::array items);

 private:
  static std::string key(const std::string& owner, const std::string& task_uuid) {
    return owner + '\n' + task_uuid;
  }
  std::size_t capacity_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, boost::json::array> items_;
  std::deque<std::string> order_;
};

}  // namespace vidserve::api::runware
