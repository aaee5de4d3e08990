#include <cstdio>
#include <utility>

#include "store/error_codes.hpp"
#include "store/key_crypto.hpp"
#include "store/pg_database.hpp"
#include "store/pg_stores.hpp"

namespace vidserve::store {

namespace {

Error key_not_found(std::string_view id) {
  return Error{errc::kNotFound, "no API key with id '" + std::string(id) + "'"};
}

// A double as text that PostgreSQL reads back exactly.
PgParam real(double v) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.17g", v);
  return PgParam::text(buffer);
}

}  // namespace

PgKeyStore::PgKeyStore(std::shared_ptr<PgDatabase> db, const Clock& clock)
    : db_(std::move(db)), clock_(clock) {}

Result<CreatedApiKey> PgKeyStore::create(std::string_view label) {
  auto made = key_crypto::new_key();
  if (!made) return made.error();
  auto secret = key_crypto::new_webhook_secret();
  if (!secret) return secret.error();
  ApiKeyInfo info{made->id, std::string(label), clock_.now_ms(), false};
  auto inserted = db_->exec(
      "INSERT INTO api_keys (id, label, key_hash, created_ms, webhook_secret) "
      "VALUES ($1, $2, $3, $4, $5)",
      {PgParam::text(info.id), PgParam::text(info.label), PgParam::text(made->hash),
       PgParam::int64(info.created_ms), PgParam::text(*secret)});
  if (!inserted) return Error{errc::kStorage, inserted.error().message};
  return CreatedApiKey{std::move(info), std::move(made->plaintext), std::move(secret).value()};
}

Result<std::optional<std::string>> PgKeyStore::verify(std::string_view plaintext) {
  if (!key_crypto::looks_like_api_key(plaintext)) return std::optional<std::string>{};
  auto hash = key_crypto::sha256_hex(plaintext);
  if (!hash) return hash.error();
  auto row = db_->exec("SELECT id FROM api_keys WHERE key_hash = $1 AND NOT revoked",
                       {PgParam::text(*hash)});
  if (!row) return row.error();
  if (row->rows() == 0) return std::optional<std::string>{};
  return std::optional<std::string>{row->text(0, 0)};
}

Result<std::vector<ApiKeyInfo>> PgKeyStore::list() {
  auto rows = db_->exec(
      "SELECT id, label, created_ms, revoked::int FROM api_keys ORDER BY created_ms, seq");
  if (!rows) return rows.error();
  std::vector<ApiKeyInfo> out;
  for (int i = 0; i < rows->rows(); ++i) {
    out.push_back(
        ApiKeyInfo{rows->text(i, 0), rows->text(i, 1), rows->int64(i, 2), rows->int64(i, 3) != 0});
  }
  return out;
}

Status PgKeyStore::revoke(std::string_view id) {
  auto done = db_->exec("UPDATE api_keys SET revoked = true WHERE id = $1", {PgParam::text(id)});
  if (!done) return done.error();
  if (done->affected() == 0) return key_crypto::no_key(id);
  return Ok{};
}

Result<KeyLimits> PgKeyStore::limits(std::string_view id) {
  auto row =
      db_->exec("SELECT rate_per_s, rate_burst, spend_cap_micros FROM api_keys WHERE id = $1",
                {PgParam::text(id)});
  if (!row) return row.error();
  if (row->rows() == 0) return key_not_found(id);
  KeyLimits out;
  if (!row->is_null(0, 0)) out.rate_per_s = std::strtod(row->text(0, 0).c_str(), nullptr);
  if (!row->is_null(0, 1)) out.burst = static_cast<int>(row->int64(0, 1));
  if (!row->is_null(0, 2)) out.spend_cap = row->int64(0, 2);
  return out;
}

Status PgKeyStore::set_limits(std::string_view id, const KeyLimits& limits) {
  auto done = db_->exec(
      "UPDATE api_keys SET rate_per_s = $2::double precision, rate_burst = $3::integer, "
      "spend_cap_micros = $4::bigint WHERE id = $1",
      {PgParam::text(id), limits.rate_per_s ? real(*limits.rate_per_s) : PgParam::null(),
       limits.burst ? PgParam::int64(*limits.burst) : PgParam::null(),
       limits.spend_cap ? PgParam::int64(*limits.spend_cap) : PgParam::null()});
  if (!done) return done.error();
  if (done->affected() == 0) return key_not_found(id);
  return Ok{};
}

Result<std::string> PgKeyStore::webhook_secret(std::string_view id) {
  auto row = db_->exec("SELECT webhook_secret FROM api_keys WHERE id = $1", {PgParam::text(id)});
  if (!row) return row.error();
  if (row->rows() == 0) return key_crypto::no_key(id);
  return row->text(0, 0);
}

Result<std::string> PgKeyStore::rotate_webhook_secret(std::string_view id) {
  auto secret = key_crypto::new_webhook_secret();
  if (!secret) return secret.error();
  auto done = db_->exec("UPDATE api_keys SET webhook_secret = $1 WHERE id = $2",
                        {PgParam::text(*secret), PgParam::text(id)});
  if (!done) return done.error();
  if (done->affected() == 0) return key_crypto::no_key(id);
  return secret;
}

}  // namespace vidserve::store
