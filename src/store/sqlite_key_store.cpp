#include "store/sqlite_key_store.hpp"

#include <utility>

#include "store/key_crypto.hpp"
#include "store/sqlite_database.hpp"
#include "store/task_store.hpp"

namespace vidserve::store {

Result<std::unique_ptr<SqliteKeyStore>> SqliteKeyStore::open(const std::string& path,
                                                             const Clock& clock) {
  auto db = SqliteDatabase::open(path);
  if (!db) return db.error();
  return std::make_unique<SqliteKeyStore>(std::move(db).value(), clock);
}

SqliteKeyStore::SqliteKeyStore(std::shared_ptr<SqliteDatabase> db, const Clock& clock)
    : db_(std::move(db)), clock_(clock) {}

Result<CreatedApiKey> SqliteKeyStore::create(std::string_view label) {
  auto made = key_crypto::new_key();
  if (!made) return made.error();
  ApiKeyInfo info{made->id, std::string(label), clock_.now_ms(), false};
  {
    auto s = db_->session();
    auto stmt = s.prepare(
        "INSERT INTO api_keys (id, label, key_hash, created_ms, revoked) VALUES (?1, ?2, ?3, ?4, 0)");
    if (!stmt) return stmt.error();
    stmt->text(1, info.id).text(2, info.label).text(3, made->hash).integer(4, info.created_ms);
    if (auto ok = stmt->run(); !ok) return Error{errc::kStorage, ok.error().message};
  }  // the session ends: rotate_webhook_secret takes its own
  auto secret = rotate_webhook_secret(info.id);
  if (!secret) return secret.error();
  return CreatedApiKey{std::move(info), std::move(made->plaintext), std::move(secret).value()};
}

Result<std::optional<std::string>> SqliteKeyStore::verify(std::string_view plaintext) {
  if (!key_crypto::looks_like_api_key(plaintext)) return std::optional<std::string>{};
  auto hash = key_crypto::sha256_hex(plaintext);
  if (!hash) return hash.error();
  auto s = db_->session();
  auto stmt = s.prepare("SELECT id FROM api_keys WHERE key_hash = ?1 AND revoked = 0");
  if (!stmt) return stmt.error();
  stmt->text(1, *hash);
  auto row = stmt->step();
  if (!row) return row.error();
  if (!*row) return std::optional<std::string>{};
  return std::optional<std::string>{stmt->column_text(0)};
}

Result<std::vector<ApiKeyInfo>> SqliteKeyStore::list() {
  auto s = db_->session();
  auto stmt =
      s.prepare("SELECT id, label, created_ms, revoked FROM api_keys ORDER BY created_ms, rowid");
  if (!stmt) return stmt.error();
  std::vector<ApiKeyInfo> out;
  for (;;) {
    auto row = stmt->step();
    if (!row) return row.error();
    if (!*row) return out;
    out.push_back(ApiKeyInfo{stmt->column_text(0), stmt->column_text(1), stmt->column_int(2),
                             stmt->column_int(3) != 0});
  }
}

Status SqliteKeyStore::revoke(std::string_view id) {
  auto s = db_->session();
  auto stmt = s.prepare("UPDATE api_keys SET revoked = 1 WHERE id = ?1");
  if (!stmt) return stmt.error();
  stmt->text(1, id);
  if (auto ok = stmt->run(); !ok) return ok;
  if (s.changes() == 0) return key_crypto::no_key(id);
  return Ok{};
}

Result<KeyLimits> SqliteKeyStore::limits(std::string_view id) {
  auto s = db_->session();
  auto stmt = s.prepare("SELECT rate_per_s, rate_burst, spend_cap_micros FROM api_keys WHERE id = ?1");
  if (!stmt) return stmt.error();
  stmt->text(1, id);
  auto row = stmt->step();
  if (!row) return row.error();
  if (!*row) return Error{errc::kNotFound, "no API key with id '" + std::string(id) + "'"};
  KeyLimits out;
  if (!stmt->column_null(0)) out.rate_per_s = stmt->column_real(0);
  if (!stmt->column_null(1)) out.burst = static_cast<int>(stmt->column_int(1));
  if (!stmt->column_null(2)) out.spend_cap = stmt->column_int(2);
  return out;
}

Status SqliteKeyStore::set_limits(std::string_view id, const KeyLimits& limits) {
  auto s = db_->session();
  auto stmt = s.prepare(
      "UPDATE api_keys SET rate_per_s = ?2, rate_burst = ?3, spend_cap_micros = ?4 WHERE id = ?1");
  if (!stmt) return stmt.error();
  stmt->text(1, id);
  limits.rate_per_s ? stmt->real(2, *limits.rate_per_s) : stmt->null(2);
  limits.burst ? stmt->integer(3, *limits.burst) : stmt->null(3);
  limits.spend_cap ? stmt->integer(4, *limits.spend_cap) : stmt->null(4);
  if (auto ok = stmt->run(); !ok) return ok;
  if (s.changes() == 0) return Error{errc::kNotFound, "no API key with id '" + std::string(id) + "'"};
  return Ok{};
}

Result<std::string> SqliteKeyStore::webhook_secret(std::string_view id) {
  auto s = db_->session();
  auto stmt = s.prepare("SELECT webhook_secret FROM api_keys WHERE id = ?1");
  if (!stmt) return stmt.error();
  stmt->text(1, id);
  auto row = stmt->step();
  if (!row) return row.error();
  if (!*row) return key_crypto::no_key(id);
  return stmt->column_text(0);
}

Result<std::string> SqliteKeyStore::rotate_webhook_secret(std::string_view id) {
  auto secret = key_crypto::new_webhook_secret();
  if (!secret) return secret.error();
  auto s = db_->session();
  auto stmt = s.prepare("UPDATE api_keys SET webhook_secret = ?1 WHERE id = ?2");
  if (!stmt) return stmt.error();
  stmt->text(1, *secret).text(2, id);
  if (auto ok = stmt->run(); !ok) return ok.error();
  if (s.changes() == 0) return key_crypto::no_key(id);
  return secret;
}

}  // namespace vidserve::store
