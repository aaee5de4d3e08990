#pragma once
// Key material for KeyStore implementations (OpenSSL): random keys and ids, SHA-256 hashing.
#include <cstddef>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace vidserve::store::key_crypto {

inline constexpr std::string_view kKeyPrefix = "vs_";

// "vs_" + base64url (no padding) of 32 bytes from RAND_bytes.
Result<std::string> new_api_key();
// "key_" + 16 hex digits from RAND_bytes.
Result<std::string> new_key_id();
// Lower-case hex SHA-256 of `text` (64 characters).
Result<std::string> sha256_hex(std::string_view text);
// A new key, its id and its hash, as every KeyStore::create needs them.
struct NewKey {
  std::string plaintext, id, hash;
};
Result<NewKey> new_key();

// A webhook signing secret: "whsec_" + standard base64 of 24 bytes from RAND_bytes.
inline constexpr std::string_view kWebhookSecretPrefix = "whsec_";
Result<std::string> new_webhook_secret();
// "notFound": no API key with this id.
Error no_key(std::string_view id);

// Whether `text` has the shape of a key from new_api_key(); anything else is rejected unhashed.
bool looks_like_api_key(std::string_view text);

}  // namespace vidserve::store::key_crypto
