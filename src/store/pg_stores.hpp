#pragma once
// The small PostgreSQL stores over one PgDatabase (tables of migration 1, pg_schema.cpp):
// PgKeyStore (api_keys), PgMediaIndex (media) and PgSpendLedger (owner_spend, spend_charges).
// They behave as their SQLite counterparts (same contract suites in tests/unit/store); times
// come from the Clock, never from PostgreSQL.
#include <memory>
#include <string>

#include "common/clock.hpp"
#include "store/key_store.hpp"
#include "store/media_index.hpp"
#include "store/spend_ledger.hpp"

namespace vidserve::store {

class PgDatabase;

class PgKeyStore final : public KeyStore {
 public:
  // `clock` must outlive the store.
  PgKeyStore(std::shared_ptr<PgDatabase> db, const Clock& clock);

  Result<CreatedApiKey> create(std::string_view label) override;
  Result<std::optional<std::string>> verify(std::string_view plaintext) override;
  Result<std::vector<ApiKeyInfo>> list() override;
  Status revoke(std::string_view id) override;
  Result<KeyLimits> limits(std::string_view id) override;
  Status set_limits(std::string_view id, const KeyLimits& limits) override;
  Result<std::string> webhook_secret(std::string_view id) override;
  Result<std::string> rotate_webhook_secret(std::string_view id) override;

 private:
  std::shared_ptr<PgDatabase> db_;
  const Clock& clock_;
};

class PgMediaIndex final : public MediaIndex {
 public:
  // `clock` must outlive the index.
  PgMediaIndex(std::shared_ptr<PgDatabase> db, const Clock& clock);

  Status put(MediaRecord record) override;
  Result<MediaRecord> get(std::string_view media_uuid) override;
  Result<std::vector<MediaRecord>> expired(std::int64_t now_ms, std::size_t limit) override;
  Result<std::vector<MediaRecord>> for_task(std::string_view owner,
                                            std::string_view task_uuid) override;
  Status remove(std::string_view media_uuid) override;

 private:
  std::shared_ptr<PgDatabase> db_;
  const Clock& clock_;
};

class PgSpendLedger final : public SpendLedger {
 public:
  explicit PgSpendLedger(std::shared_ptr<PgDatabase> db) : db_(std::move(db)) {}
  // The owner's spend row is locked (SELECT ... FOR UPDATE) for the charge's transaction, so
  // concurrent charges from any number of processes never take a spend over its cap.
  Result<SpendCharge> charge(std::string_view owner, std::string_view task_key,
                             money::Micros micros, std::optional<money::Micros> cap) override;
  Result<money::Micros> spent(std::string_view owner) override;

 private:
  std::shared_ptr<PgDatabase> db_;
};

}  // namespace vidserve::store
