#pragma once
// KeyStore: API keys for `vidserve keys create|list|revoke` and request authentication.
// Only the SHA-256 hash of a key is stored; the plaintext is returned once, by create().
// Implementations: SqliteKeyStore (can share the task database) and MemoryKeyStore (fake).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/money.hpp"
#include "common/result.hpp"

namespace vidserve::store {

struct ApiKeyInfo {
  std::string id;  // "key_" + 16 hex digits; the task/media owner id
  std::string label;
  std::int64_t created_ms = 0;
  bool revoked = false;

  bool operator==(const ApiKeyInfo&) const = default;
};

// A key's own limits; an absent one is the server's default (serve --rate-limit, --rate-burst,
// --spend-cap). A rate of 0 means no rate limit for that key, whatever the default.
struct KeyLimits {
  std::optional<double> rate_per_s;
  std::optional<int> burst;
  std::optional<money::Micros> spend_cap;  // kling-engine spend, in micro-dollars

  bool operator==(const KeyLimits&) const = default;
};

struct CreatedApiKey {
  ApiKeyInfo info;
  std::string plaintext;  // "vs_" + 43 base64url characters (32 random bytes); shown once
  std::string webhook_secret;  // see KeyStore::webhook_secret
};

class KeyStore {
 public:
  virtual ~KeyStore() = default;

  virtual Result<CreatedApiKey> create(std::string_view label) = 0;
  // The id of the key, or nullopt when the key is unknown or revoked.
  virtual Result<std::optional<std::string>> verify(std::string_view plaintext) = 0;
  // All keys, revoked ones included, oldest first.
  virtual Result<std::vector<ApiKeyInfo>> list() = 0;
  // "notFound" for an unknown id; revoking twice is not an error.
  virtual Status revoke(std::string_view id) = 0;

  // A key's limits ("notFound" for an unknown id); set_limits replaces all three.
  virtual Result<KeyLimits> limits(std::string_view id) = 0;
  virtual Status set_limits(std::string_view id, const KeyLimits& limits) = 0;
  // Webhook signing (Standard Webhooks): each key has a secret, "whsec_" + base64 of 24 random
  // bytes, made by create() and replaced by rotate_webhook_secret(), which returns the new one.
  // Stored as is (signing needs it); never logged. "" for a key created before secrets existed,
  // until rotated. "notFound" for an unknown id.
  virtual Result<std::string> webhook_secret(std::string_view id) = 0;
  virtual Result<std::string> rotate_webhook_secret(std::string_view id) = 0;
};

}  // namespace vidserve::store
