#include "store/key_crypto.hpp"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <array>
#include <cstdint>
#include <vector>

#include "store/task_store.hpp"

namespace vidserve::store::key_crypto {

namespace {

Result<std::vector<unsigned char>> random_bytes(std::size_t n) {
  std::vector<unsigned char> bytes(n);
  if (RAND_bytes(bytes.data(), static_cast<int>(n)) != 1) {
    return Error{errc::kStorage, "RAND_bytes failed: " + std::to_string(ERR_get_error())};
  }
  return bytes;
}

std::string hex(const unsigned char* data, std::size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * n);
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back(kDigits[data[i] >> 4]);
    out.push_back(kDigits[data[i] & 0x0f]);
  }
  return out;
}

std::string base64url(const std::vector<unsigned char>& bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (unsigned char b : bytes) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(kAlphabet[(acc >> bits) & 0x3f]);
    }
  }
  if (bits > 0) out.push_back(kAlphabet[(acc << (6 - bits)) & 0x3f]);
  return out;
}

}  // namespace

Result<std::string> new_webhook_secret() {
  constexpr int kBytes = 24;  // 32 base64 characters, no padding
  auto bytes = random_bytes(kBytes);
  if (!bytes) return bytes.error();
  std::array<unsigned char, 4 * kBytes / 3 + 1> text{};
  const int n = EVP_EncodeBlock(text.data(), bytes->data(), kBytes);
  return std::string(kWebhookSecretPrefix) + std::string(reinterpret_cast<const char*>(text.data()), static_cast<std::size_t>(n));
}

Error no_key(std::string_view id) {
  return Error{errc::kNotFound, "no API key with id '" + std::string(id) + "'"};
}

Result<std::string> new_api_key() {
  auto bytes = random_bytes(32);
  if (!bytes) return bytes.error();
  return std::string(kKeyPrefix) + base64url(*bytes);
}

Result<std::string> new_key_id() {
  auto bytes = random_bytes(8);
  if (!bytes) return bytes.error();
  return "key_" + hex(bytes->data(), bytes->size());
}

Result<std::string> sha256_hex(std::string_view text) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  if (EVP_Digest(text.data(), text.size(), digest.data(), &length, EVP_sha256(), nullptr) != 1) {
    return Error{errc::kStorage, "SHA-256 failed: " + std::to_string(ERR_get_error())};
  }
  return hex(digest.data(), length);
}

Result<NewKey> new_key() {
  auto key = new_api_key();
  if (!key) return key.error();
  auto id = new_key_id();
  if (!id) return id.error();
  auto hash = sha256_hex(*key);
  if (!hash) return hash.error();
  return NewKey{std::move(key).value(), std::move(id).value(), std::move(hash).value()};
}

bool looks_like_api_key(std::string_view text) {
  constexpr std::size_t kBodyLength = 43;  // base64url of 32 bytes, unpadded
  if (text.size() != kKeyPrefix.size() + kBodyLength || !text.starts_with(kKeyPrefix)) {
    return false;
  }
  for (char c : text.substr(kKeyPrefix.size())) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

}  // namespace vidserve::store::key_crypto
