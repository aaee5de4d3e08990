#pragma once
// The HS256 JSON Web Token Kling's legacy API wants in `Authorization: Bearer <token>`:
// header {"alg":"HS256","typ":"JWT"}, payload {"iss": access key, "exp": now+1800, "nbf": now-5},
// each part base64url without padding, signed with HMAC-SHA256 under the secret key.
// Shared below both users: the kling engine signs tokens, the Kling native API
// (api/kling/native_auth.cpp) verifies them.
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace vidserve::auth {

// RFC 4648 section 5 alphabet ("-_"), no "=" padding.
std::string base64url(std::string_view bytes);

// The raw 32-byte HMAC-SHA256 of `data` under `key`.
std::string hmac_sha256(std::string_view key, std::string_view data);

struct JwtTimes {
  std::int64_t lifetime_s = 1800;  // exp = now + lifetime
  std::int64_t not_before_s = 5;   // nbf = now - this (clock skew)
};

// "<header>.<payload>.<signature>" for `now_s` (Unix seconds).
std::string make_kling_jwt(std::string_view access_key, std::string_view secret_key,
                           std::int64_t now_s, JwtTimes times = {});

// Checking a token the other way round, for vidserve's own Kling-compatible endpoint.
enum class JwtCheck {
  Valid,
  Malformed,      // not three canonical base64url parts of JSON, alg is not HS256, no iss, or a
                  // non-numeric exp/nbf
  UnknownIssuer,  // `iss` names no configured access key
  BadSignature,
  NoExpiry,       // no exp claim at all
  NotYetValid,    // now < nbf - leeway
  Expired,        // now >= exp + leeway
  TooLong,        // exp - now > max_lifetime_s
};
struct JwtVerdict {
  JwtCheck check = JwtCheck::Malformed;
  std::string issuer;      // the access key, when the token named one
  std::int64_t exp_in_s = 0;  // exp - now, set with TooLong
};
// Kling's own tokens live 30 minutes; a day is plenty, and bounds what a leaked token is worth.
inline constexpr std::int64_t kDefaultMaxJwtLifetimeSeconds = 24 * 3600;
struct JwtLimits {
  std::int64_t leeway_s = 5;
  std::int64_t max_lifetime_s = kDefaultMaxJwtLifetimeSeconds;
};
// The bytes of `part` when it is canonical unpadded base64url, i.e. exactly what base64url() writes
// for them: no '=', no "+/", no whitespace, zero trailing bits. So one token has one spelling.
std::optional<std::string> decode_base64url_canonical(std::string_view part);
// `secret_for` maps an access key to its secret key ("" = unknown). Times in Unix seconds.
JwtVerdict verify_kling_jwt(std::string_view token,
                            const std::function<std::string(std::string_view access_key)>& secret_for,
                            std::int64_t now_s, JwtLimits limits = {});

// Hands out one token until it is 25 minutes old (5 minutes before it expires), then mints the
// next. Thread-safe.
class TokenCache {
 public:
  using Now = std::function<std::int64_t()>;  // Unix seconds
  static constexpr std::int64_t kReuseSeconds = 1500;

  TokenCache(std::string access_key, std::string secret_key, Now now = {});
  std::string token();
  void invalidate();  // the next token() mints a fresh one (after Kling said 1004 "expired")

 private:
  std::string access_key_, secret_key_;
  Now now_;
  std::mutex mutex_;
  std::string token_;
  std::int64_t minted_at_ = 0;
};

}  // namespace vidserve::auth
