#include "api/http/connection_limiter.hpp"

namespace vidserve::api::http {

std::optional<ConnectionLimiter::Slot> ConnectionLimiter::acquire(const std::string& address) {
  const std::lock_guard lock(mutex_);
  auto& mine = per_address_[address];
  if (open_ >= max_total_ || mine >= max_per_address_) {
    if (mine == 0) per_address_.erase(address);
    return std::nullopt;
  }
  ++open_;
  ++mine;
  return Slot(this, address);
}

void ConnectionLimiter::release(const std::string& address) {
  const std::lock_guard lock(mutex_);
  --open_;
  auto it = per_address_.find(address);
  if (it != per_address_.end() && --it->second == 0) per_address_.erase(it);
}

std::size_t ConnectionLimiter::open() const {
  const std::lock_guard lock(mutex_);
  return open_;
}

}  // namespace vidserve::api::http
