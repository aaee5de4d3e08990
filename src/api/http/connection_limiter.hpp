#pragma once
// ConnectionLimiter: how many connections the server keeps open, in all and per client address,
// so that idle or slowloris sockets from one address cannot take every slot (or every file
// descriptor) from the others. The listener takes a Slot per accepted connection and closes the
// connection at once when none is free; the Slot moves with the connection (HTTP session, then
// WebSocket session) and frees itself when the connection object goes.
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace vidserve::api::http {

class ConnectionLimiter {
 public:
  ConnectionLimiter(std::size_t max_total, std::size_t max_per_address)
      : max_total_(max_total), max_per_address_(max_per_address) {}
  ConnectionLimiter(const ConnectionLimiter&) = delete;
  ConnectionLimiter& operator=(const ConnectionLimiter&) = delete;

  class Slot {
   public:
    Slot() = default;
    Slot(Slot&& other) noexcept { swap(other); }
    Slot& operator=(Slot&& other) noexcept {
      Slot(std::move(other)).swap(*this);
      return *this;
    }
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;
    ~Slot() {
      if (owner_) owner_->release(address_);
    }

   private:
    friend class ConnectionLimiter;
    Slot(ConnectionLimiter* owner, std::string address) : owner_(owner), address_(std::move(address)) {}
    void swap(Slot& other) noexcept {
      std::swap(owner_, other.owner_);
      std::swap(address_, other.address_);
    }
    ConnectionLimiter* owner_ = nullptr;
    std::string address_;
  };

  // A slot for a connection from `address`, or nothing when the total or that address is full.
  std::optional<Slot> acquire(const std::string& address);
  std::size_t open() const;

 private:
  void release(const std::string& address);

  const std::size_t max_total_, max_per_address_;
  mutable std::mutex mutex_;
  std::size_t open_ = 0;
  std::unordered_map<std::string, std::size_t> per_address_;
};

}  // namespace vidserve::api::http
