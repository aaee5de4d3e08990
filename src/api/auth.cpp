#include "api/auth.hpp"

#include "common/text.hpp"
#include "store/key_crypto.hpp"

namespace vidserve::api {

Authenticator::Authenticator(const std::vector<std::string>& env_keys, store::KeyStore* key_store)
    : key_store_(key_store) {
  for (const auto& key : env_keys) {
    auto hash = store::key_crypto::sha256_hex(key);
    if (hash) env_hashes_.emplace_back(*hash, "env:" + hash->substr(0, 16));
  }
}

std::optional<std::string> Authenticator::owner_for(std::string_view api_key) const {
  if (api_key.empty()) return std::nullopt;
  auto hash = store::key_crypto::sha256_hex(api_key);
  if (!hash) return std::nullopt;
  for (const auto& [known, owner] : env_hashes_) {
    // Comparing hashes, not keys: timing reveals nothing about a key.
    if (known == *hash) return owner;
  }
  if (!key_store_) return std::nullopt;
  auto id = key_store_->verify(api_key);
  return id ? *id : std::nullopt;
}

std::string_view Authenticator::bearer_token(std::string_view authorization) {
  constexpr std::string_view kBearer = "Bearer ";
  if (authorization.size() <= kBearer.size() || !text::istarts_with(authorization, kBearer)) return {};
  auto token = authorization.substr(kBearer.size());
  while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
  return token;
}

std::vector<std::string> Authenticator::parse_key_list(std::string_view text) {
  std::vector<std::string> keys;
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto comma = text.find(',', start);
    auto item = text.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (!item.empty()) keys.emplace_back(item);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return keys;
}

}  // namespace vidserve::api
