#include "api/runware/reply_cache.hpp"

namespace vidserve::api::runware {

std::optional<boost::json::array> ReplyCache::get(const std::string& owner, const std::string& task_uuid) const {
  std::lock_guard lock(mutex_);
  const auto it = items_.find(key(owner, task_uuid));
  if (it == items_.end()) return std::nullopt;
  return it->second;
}

void ReplyCache::put(const std::string& owner, const std::string& task_uuid, boost::json::array items) {
  std::lock_guard lock(mutex_);
  auto k = key(owner, task_uuid);
  if (items_.count(k)) return;
  if (items_.size() >= capacity_ && !order_.empty()) {
    items_.erase(order_.front());
    order_.pop_front();
  }
  order_.push_back(k);
  items_.emplace(std::move(k), std::move(items));
}

}  // namespace vidserve::api::runware
