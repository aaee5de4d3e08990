#include "api/kling/native_auth.hpp"

#include <algorithm>
#include <charconv>
#include <cstring>

#include "api/kling/error_codes.hpp"
#include "auth/jwt.hpp"

namespace vidserve::api::kling {

using auth::JwtCheck;

Result<NativeAuth::KeyPairs> NativeAuth::parse_key_pairs(std::string_view text) {
  KeyPairs pairs;
  for (const auto& entry : Authenticator::parse_key_list(text)) {
    const auto colon = entry.find(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == entry.size()) {
      return Error{errc::kInvalidConfig,
                   "VIDSERVE_KLING_KEYS entries are access:secret; got '" +
                       entry.substr(0, std::min<std::size_t>(entry.size(), 8)) + "...'"};
    }
    pairs[entry.substr(0, colon)] = entry.substr(colon + 1);
  }
  return pairs;
}

Result<std::int64_t> NativeAuth::parse_max_lifetime(const char* text) {
  if (text == nullptr || *text == '\0') return kDefaultMaxLifetimeSeconds;
  const char* end = text + std::strlen(text);
  std::int64_t seconds = 0;
  const auto [ptr, ec] = std::from_chars(text, end, seconds);
  if (ec != std::errc() || ptr != end || seconds < 1 || seconds > kMaxMaxLifetimeSeconds) {
    return Error{errc::kInvalidConfig,
                 "VIDSERVE_KLING_JWT_MAX_LIFETIME is whole seconds from 1 to " +
                     std::to_string(kMaxMaxLifetimeSeconds) + " (10 years)"};
  }
  return seconds;
}

namespace {

// "24 h" for whole hours, else "90 s".
std::string duration_text(std::int64_t seconds) {
  return seconds % 3600 == 0 ? std::to_string(seconds / 3600) + " h" : std::to_string(seconds) + " s";
}

}  // namespace

NativeAuthOutcome NativeAuth::authenticate(std::string_view authorization) const {
  const auto token = Authenticator::bearer_token(authorization);
  if (token.empty())
    return {std::nullopt, errc::kAuthEmpty,
            "Authorization is empty: send Authorization: Bearer <token>"};
  if (std::count(token.begin(), token.end(), '.') != 2) {
    if (auto owner = keys_.owner_for(token)) return {owner, 0, {}};
    return {std::nullopt, errc::kAuthFailed,
            "authentication failed: the API key is not valid or was revoked"};
  }
  auth::JwtLimits limits;
  limits.max_lifetime_s = max_lifetime_s_;
  const auto verdict = auth::verify_kling_jwt(
      token,
      [this](std::string_view access) {
        auto it = pairs_.find(access);
        return it == pairs_.end() ? std::string() : it->second;
      },
      clock_.now_ms() / 1000, limits);
  switch (verdict.check) {
    case JwtCheck::Valid: return {owner_for_access_key(verdict.issuer), 0, {}};
    case JwtCheck::Malformed:
      return {std::nullopt, errc::kAuthInvalid,
              "Authorization is invalid: not an HS256 JWT (three canonical unpadded base64url "
              "parts; string iss, numeric exp and nbf)"};
    case JwtCheck::NoExpiry:
      return {std::nullopt, errc::kAuthInvalid, "Authorization is invalid: token has no exp claim"};
    case JwtCheck::UnknownIssuer:
      return {std::nullopt, errc::kAuthFailed, "authentication failed: unknown access key (iss)"};
    case JwtCheck::BadSignature:
      return {std::nullopt, errc::kAuthFailed,
              "authentication failed: the signature does not match the access key's secret"};
    case JwtCheck::NotYetValid:
      return {std::nullopt, errc::kAuthNotYetValid,
              "Authorization is not yet valid (nbf is in the future)"};
    case JwtCheck::Expired:
      return {std::nullopt, errc::kAuthExpired, "Authorization has expired (exp has passed)"};
    case JwtCheck::TooLong:
      return {std::nullopt, errc::kAuthInvalid,
              "Authorization is invalid: token lifetime over " + duration_text(max_lifetime_s_) +
                  ": exp is " + std::to_string(verdict.exp_in_s) + " s away"};
  }
  return {std::nullopt, errc::kAuthFailed, "authentication failed"};
}

}  // namespace vidserve::api::kling
