#pragma once
// Who calls the Kling-native endpoints: an HS256 JWT signed with one of the key pairs in
// VIDSERVE_KLING_KEYS (iss = access key, exp, nbf), or a plain vidserve API key as Bearer.
// Tokens are canonical unpadded base64url, carry exp, and expire within max_lifetime_s
// (VIDSERVE_KLING_JWT_MAX_LIFETIME, default 24 h).
#include <cstdint>
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
  static constexpr std::int64_t kDefaultMaxLifetimeSeconds = 24 * 3600;
  static constexpr std::int64_t kMaxMaxLifetimeSeconds = 10LL * 365 * 24 * 3600;
  // VIDSERVE_KLING_JWT_MAX_LIFETIME: unset or "" = the default; else whole seconds, 1 to 10 years.
  static Result<std::int64_t> parse_max_lifetime(const char* text);

  NativeAuth(KeyPairs pairs, const Authenticator& keys, const Clock& clock,
             std::int64_t max_lifetime_s = kDefaultMaxLifetimeSeconds)
      : pairs_(std::move(pairs)), keys_(keys), clock_(clock), max_lifetime_s_(max_lifetime_s) {}

  NativeAuthOutcome authenticate(std::string_view authorization) const;
  // The owner id of tasks created with a JWT of this access key.
  static std::string owner_for_access_key(std::string_view access_key) { return "kling-ak:" + std::string(access_key); }

 private:
  KeyPairs pairs_;
  const Authenticator& keys_;
  const Clock& clock_;
  std::int64_t max_lifetime_s_;
};

}  // namespace vidserve::api::kling
