#pragma once
// KeyStore on SQLite (table api_keys): id, label, SHA-256 hash of the key, created_ms, revoked.
#include <memory>
#include <string>

#include "common/clock.hpp"
#include "store/key_store.hpp"

namespace vidserve::store {

class SqliteDatabase;

class SqliteKeyStore final : public KeyStore {
 public:
  // `clock` must outlive the store.
  static Result<std::unique_ptr<SqliteKeyStore>> open(const std::string& path, const Clock& clock);
  SqliteKeyStore(std::shared_ptr<SqliteDatabase> db, const Clock& clock);

  Result<CreatedApiKey> create(std::string_view label) override;
  Result<std::optional<std::string>> verify(std::string_view plaintext) override;
  Result<std::vector<ApiKeyInfo>> list() override;
  Status revoke(std::string_view id) override;
  Result<KeyLimits> limits(std::string_view id) override;
  Status set_limits(std::string_view id, const KeyLimits& limits) override;
  Result<std::string> webhook_secret(std::string_view id) override;
  Result<std::string> rotate_webhook_secret(std::string_view id) override;

 private:
  std::shared_ptr<SqliteDatabase> db_;
  const Clock& clock_;
};

}  // namespace vidserve::store
