#pragma once
// Who calls the Kling-native endpoints: an HS256 JWT signed with one of the key pairs in
// VIDSERVE_KLING_KEYS (iss = access key, exp, nbf), or a plain vidserve API key as Bearer.
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "api/auth.hpp"
#include "common/clock.hpp"
#include "common/result.hpp"

namespace vidserve::api::kling {

struct NativeAuthOutcome {
  std::optional<std::string> owner;  // set when authenticated
  int code = 0;                      // Kling's code otherwise: 1000-1004
  std::string message;
};

class NativeAuth {
 public:
  // access key -> secret key.
  using KeyPairs = std::map<std::string, std::string, std::less<>>;
  // "access1:secret1,access2:secret2"; blanks dropped; errors name the malformed entry.
  static Result<KeyPairs> parse_key_pairs(std::string_view text);

  NativeAuth(KeyPairs pairs, const Authenticator& keys, const Clock& clock)
      : pairs_(std::move(pairs)), keys_(keys), clock_(clock) {}

  NativeAuthOutcome authenticate(std::string_view authorization) const;
  // The owner id of tasks created with a JWT of this access key.
  static std::string owner_for_access_key(std::string_view access_key) { return "kling-ak:" + std::string(access_key); }

 private:
  KeyPairs pairs_;
  const Authenticator& keys_;
  const Clock& clock_;
};

}  // namespace vidserve::api::kling
