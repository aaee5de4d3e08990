#pragma once
// Who is calling: maps an API key to its owner id. Keys come from VIDSERVE_API_KEYS (for scripts
// and tests) and from the key store (`vidserve keys create`), where only hashes are kept.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/key_store.hpp"

namespace vidserve::api {

class Authenticator {
 public:
  Authenticator(const std::vector<std::string>& env_keys, store::KeyStore* key_store);
  // The owner id for a key ("env:<hash prefix>" or the key store's id), or nullopt.
  std::optional<std::string> owner_for(std::string_view api_key) const;

  // "Bearer KEY" -> "KEY"; anything else -> "".
  static std::string_view bearer_token(std::string_view authorization);
  // Comma-separated list, blanks dropped.
  static std::vector<std::string> parse_key_list(std::string_view text);

 private:
  std::vector<std::pair<std::string, std::string>> env_hashes_;  // (sha256 hex, owner id)
  store::KeyStore* key_store_;
};

}  // namespace vidserve::api
