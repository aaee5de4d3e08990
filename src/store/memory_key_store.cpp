#include "store/memory_key_store.hpp"

#include "store/key_crypto.hpp"
#include "store/task_store.hpp"

namespace vidserve::store {

using Lock = std::lock_guard<std::mutex>;

Result<CreatedApiKey> MemoryKeyStore::create(std::string_view label) {
  auto made = key_crypto::new_key();
  if (!made) return made.error();
  ApiKeyInfo info{made->id, std::string(label), clock_.now_ms(), false};
  Lock lock(mutex_);
  auto secret = key_crypto::new_webhook_secret();
  if (!secret) return secret.error();
  keys_.push_back(Entry{info, made->hash, {}, *secret});
  return CreatedApiKey{info, made->plaintext, *secret};
}

Result<std::optional<std::string>> MemoryKeyStore::verify(std::string_view plaintext) {
  if (!key_crypto::looks_like_api_key(plaintext)) return std::optional<std::string>{};
  auto hash = key_crypto::sha256_hex(plaintext);
  if (!hash) return hash.error();
  Lock lock(mutex_);
  for (const auto& e : keys_) {
    if (e.key_hash == *hash && !e.info.revoked) return std::optional<std::string>{e.info.id};
  }
  return std::optional<std::string>{};
}

Result<std::vector<ApiKeyInfo>> MemoryKeyStore::list() {
  Lock lock(mutex_);
  std::vector<ApiKeyInfo> out;
  for (const auto& e : keys_) out.push_back(e.info);
  return out;
}

Status MemoryKeyStore::revoke(std::string_view id) {
  Lock lock(mutex_);
  for (auto& e : keys_) {
    if (e.info.id == id) {
      e.info.revoked = true;
      return Ok{};
    }
  }
  return Error{errc::kNotFound, "no API key with id '" + std::string(id) + "'"};
}

Result<KeyLimits> MemoryKeyStore::limits(std::string_view id) {
  Lock lock(mutex_);
  for (const auto& e : keys_) {
    if (e.info.id == id) return e.limits;
  }
  return Error{errc::kNotFound, "no API key with id '" + std::string(id) + "'"};
}

Status MemoryKeyStore::set_limits(std::string_view id, const KeyLimits& limits) {
  Lock lock(mutex_);
  for (auto& e : keys_) {
    if (e.info.id == id) {
      e.limits = limits;
      return Ok{};
    }
  }
  return Error{errc::kNotFound, "no API key with id '" + std::string(id) + "'"};
}

Result<std::string> MemoryKeyStore::webhook_secret(std::string_view id) {
  Lock lock(mutex_);
  for (const auto& e : keys_) {
    if (e.info.id == id) return e.webhook_secret;
  }
  return key_crypto::no_key(id);
}

Result<std::string> MemoryKeyStore::rotate_webhook_secret(std::string_view id) {
  auto secret = key_crypto::new_webhook_secret();
  if (!secret) return secret.error();
  Lock lock(mutex_);
  for (auto& e : keys_) {
    if (e.info.id == id) return e.webhook_secret = *secret;
  }
  return key_crypto::no_key(id);
}

}  // namespace vidserve::store
