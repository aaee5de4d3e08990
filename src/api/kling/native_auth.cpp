#include "api/kling/native_auth.hpp"

#include <algorithm>

#include "engine/kling/jwt.hpp"

namespace vidserve::api::kling {

using engine::kling::JwtCheck;

Result<NativeAuth::KeyPairs> NativeAuth::parse_key_pairs(std::string_view text) {
  KeyPairs pairs;
  for (const auto& entry : Authenticator::parse_key_list(text)) {
    const auto colon = entry.find(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == entry.size()) {
      return Error{"invalidConfig", "VIDSERVE_KLING_KEYS entries are access:secret; got '" +
                                        entry.substr(0, std::min<std::size_t>(entry.size(), 8)) + "...'"};
    }
    pairs[entry.substr(0, colon)] = entry.substr(colon + 1);
  }
  return pairs;
}

NativeAuthOutcome NativeAuth::authenticate(std::string_view authorization) const {
  const auto token = Authenticator::bearer_token(authorization);
  if (token.empty()) return {std::nullopt, 1001, "Authorization is empty: send Authorization: Bearer <token>"};
  if (std::count(token.begin(), token.end(), '.') != 2) {
    if (auto owner = keys_.owner_for(token)) return {owner, 0, {}};
    return {std::nullopt, 1000, "authentication failed: the API key is not valid or was revoked"};
  }
  const auto verdict = engine::kling::verify_kling_jwt(
      token,
      [this](std::string_view access) {
        auto it = pairs_.find(access);
        return it == pairs_.end() ? std::string() : it->second;
      },
      clock_.now_ms() / 1000);
  switch (verdict.check) {
    case JwtCheck::Valid: return {owner_for_access_key(verdict.issuer), 0, {}};
    case JwtCheck::Malformed: return {std::nullopt, 1002, "Authorization is invalid: not an HS256 JWT with iss, exp and nbf"};
    case JwtCheck::UnknownIssuer: return {std::nullopt, 1000, "authentication failed: unknown access key (iss)"};
    case JwtCheck::BadSignature: return {std::nullopt, 1000, "authentication failed: the signature does not match the access key's secret"};
    case JwtCheck::NotYetValid: return {std::nullopt, 1003, "Authorization is not yet valid (nbf is in the future)"};
    case JwtCheck::Expired: return {std::nullopt, 1004, "Authorization has expired (exp has passed)"};
  }
  return {std::nullopt, 1000, "authentication failed"};
}

}  // namespace vidserve::api::kling
