// Fuzz target: the Authorization header of a Kling-native call, through NativeAuth::authenticate
// (Bearer parsing, API key or HS256 JWT verification) and verify_kling_jwt. Random bytes rarely
// carry a valid HMAC, so the input's "<header>.<claims>" part is also signed with the configured
// secret and verified again: that reaches the claim checks (exp, nbf, lifetime) with any claims.
// Properties checked: canonical base64url decodes only what base64url() writes back unchanged,
// and a token minted for a printable access key verifies as valid for that key.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "api/auth.hpp"
#include "api/kling/native_auth.hpp"
#include "common/clock.hpp"
#include "auth/jwt.hpp"
#include "fuzz_world.hpp"

namespace {

using namespace vidserve;
namespace jwt = vidserve::auth;

constexpr std::int64_t kNowS = fuzz::kNowMs / 1000;

std::string secret_for(std::string_view access_key) {
  return access_key == fuzz::kKlingAccessKey ? std::string(fuzz::kKlingSecretKey) : std::string();
}

bool printable(std::string_view text) {
  for (const char c : text) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return !text.empty();
}

void check_canonical_parts(std::string_view token) {
  std::size_t start = 0;
  while (start <= token.size()) {
    const auto dot = token.find('.', start);
    const auto part =
        token.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (const auto bytes = jwt::decode_base64url_canonical(part);
        bytes && jwt::base64url(*bytes) != part) {
      __builtin_trap();
    }
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const FakeClock clock{fuzz::kNowMs};
  static const api::Authenticator keys{{std::string(fuzz::kApiKey)}, nullptr};
  static const api::kling::NativeAuth auth{
      {{std::string(fuzz::kKlingAccessKey), std::string(fuzz::kKlingSecretKey)}}, keys, clock};
  const std::string_view token(reinterpret_cast<const char*>(data), size);

  (void)auth.authenticate(token);
  (void)auth.authenticate("Bearer " + std::string(token));
  check_canonical_parts(token);

  // Signed by the configured secret: the claims decide.
  const auto last_dot = token.rfind('.');
  const std::string signing_input(token.substr(0, last_dot));
  const std::string resigned =
      signing_input + "." + jwt::base64url(jwt::hmac_sha256(fuzz::kKlingSecretKey, signing_input));
  const auto verdict = jwt::verify_kling_jwt(resigned, secret_for, kNowS);
  if (verdict.check == jwt::JwtCheck::Valid && verdict.issuer != fuzz::kKlingAccessKey)
    __builtin_trap();
  (void)auth.authenticate("Bearer " + resigned);

  // Minting and verifying agree for any printable access key.
  if (printable(token) && token.size() <= 256) {
    const auto minted = jwt::make_kling_jwt(token, "secret", kNowS);
    const auto check = jwt::verify_kling_jwt(
        minted,
        [&](std::string_view key) { return key == token ? std::string("secret") : std::string(); },
        kNowS);
    if (check.check != jwt::JwtCheck::Valid || check.issuer != token) __builtin_trap();
  }
  return 0;
}
