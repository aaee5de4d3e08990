#pragma once
// In-memory KeyStore: the fake for unit tests of modules that authenticate requests.
// Hashes keys exactly like SqliteKeyStore; nothing survives the object.
#include <mutex>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "store/key_store.hpp"

namespace vidserve::store {

class MemoryKeyStore final : public KeyStore {
 public:
  // `clock` must outlive the store.
  explicit MemoryKeyStore(const Clock& clock) : clock_(clock) {}

  Result<CreatedApiKey> create(std::string_view label) override;
  Result<std::optional<std::string>> verify(std::string_view plaintext) override;
  Result<std::vector<ApiKeyInfo>> list() override;
  Status revoke(std::string_view id) override;
  Result<KeyLimits> limits(std::string_view id) override;
  Status set_limits(std::string_view id, const KeyLimits& limits) override;
  Result<std::string> webhook_secret(std::string_view id) override;
  Result<std::string> rotate_webhook_secret(std::string_view id) override;

 private:
  struct Entry {
    ApiKeyInfo info;
    std::string key_hash;
    KeyLimits limits;
    std::string webhook_secret;
  };
  const Clock& clock_;
  std::mutex mutex_;
  std::vector<Entry> keys_;  // creation order
};

}  // namespace vidserve::store
