// The Kling JWT: base64url (RFC 4648 vectors), HMAC-SHA256 (RFC 4231), a known token computed
// with Python's hmac module, the signature re-checked with OpenSSL's EVP_MAC, and token reuse.
#include "auth/jwt.hpp"

#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <boost/json.hpp>
#include <string>
#include <vector>

#include "fetch/base64.hpp"

namespace vidserve::auth {
namespace {

std::string hex(const std::string& bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (auto at = s.find(sep); at != std::string::npos; at = s.find(sep, start)) {
    parts.push_back(s.substr(start, at - start));
    start = at + 1;
  }
  parts.push_back(s.substr(start));
  return parts;
}

// HMAC-SHA256 through the EVP_MAC API (a different OpenSSL path than the engine's HMAC()).
std::string evp_hmac_sha256(const std::string& key, const std::string& data) {
  EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(mac);
  char digest_name[] = "SHA256";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
                         OSSL_PARAM_construct_end()};
  EVP_MAC_init(ctx, reinterpret_cast<const unsigned char*>(key.data()), key.size(), params);
  EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(data.data()), data.size());
  unsigned char out[64];
  std::size_t length = 0;
  EVP_MAC_final(ctx, out, &length, sizeof out);
  EVP_MAC_CTX_free(ctx);
  EVP_MAC_free(mac);
  return std::string(reinterpret_cast<char*>(out), length);
}

std::string b64url_decode(std::string part) {
  auto decoded = fetch::decode_base64(part);
  return decoded ? *decoded : "<undecodable>";
}

TEST(KlingJwt, Base64UrlMatchesRfc4648WithoutPadding) {
  EXPECT_EQ(base64url(""), "");
  EXPECT_EQ(base64url("f"), "Zg");
  EXPECT_EQ(base64url("fo"), "Zm8");
  EXPECT_EQ(base64url("foo"), "Zm9v");
  EXPECT_EQ(base64url("foob"), "Zm9vYg");
  EXPECT_EQ(base64url("fooba"), "Zm9vYmE");
  EXPECT_EQ(base64url("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64url(std::string("\xfb\xff\xbf", 3)), "-_-_");  // URL-safe alphabet
}

TEST(KlingJwt, CanonicalDecodeAcceptsOnlyWhatBase64UrlWrites) {
  EXPECT_EQ(decode_base64url_canonical(""), "");
  EXPECT_EQ(decode_base64url_canonical("Zm8"), "fo");
  EXPECT_EQ(decode_base64url_canonical("Zm9vYmFy"), "foobar");
  EXPECT_EQ(decode_base64url_canonical("-_-_"), std::string("\xfb\xff\xbf", 3));
  for (const char* bad : {"Zm8=", "Zg==", "Zm9vYmFy====", "+/+/", "Zm9", "Zh", "Zm 8", "Zm8\n", "Z"}) {
    EXPECT_FALSE(decode_base64url_canonical(bad)) << bad;
  }
}

TEST(KlingJwt, HmacSha256MatchesRfc4231) {
  EXPECT_EQ(hex(hmac_sha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(KlingJwt, KnownTokenComputedWithPython) {
  // python3: header/payload json (compact), hmac.new(sk, signing_input, sha256), urlsafe b64, no
  // '='.
  EXPECT_EQ(make_kling_jwt("AK-test-123", "SK-secret-456", 1700000000),
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
            "eyJpc3MiOiJBSy10ZXN0LTEyMyIsImV4cCI6MTcwMDAwMTgwMCwibmJmIjoxNjk5OTk5OTk1fQ."
            "ysqHTOiAFBce_v4YcvNPn9U5TL1FktTwiEO5hvYeizo");
}

TEST(KlingJwt, SignatureAndClaimsVerifyIndependently) {
  const std::string token = make_kling_jwt("ak \"quoted\"", "secret", 1750000000);
  const auto parts = split(token, '.');
  ASSERT_EQ(parts.size(), 3u);
  for (const auto& p : parts) EXPECT_EQ(p.find('='), std::string::npos);
  EXPECT_EQ(base64url(evp_hmac_sha256("secret", parts[0] + "." + parts[1])), parts[2]);
  EXPECT_NE(base64url(evp_hmac_sha256("other", parts[0] + "." + parts[1])), parts[2]);
  const auto header = boost::json::parse(b64url_decode(parts[0])).as_object();
  EXPECT_EQ(header.at("alg").as_string(), "HS256");
  EXPECT_EQ(header.at("typ").as_string(), "JWT");
  const auto claims = boost::json::parse(b64url_decode(parts[1])).as_object();
  EXPECT_EQ(claims.at("iss").as_string(), "ak \"quoted\"");  // escaped, not broken
  EXPECT_EQ(claims.at("exp").as_int64(), 1750000000 + 1800);
  EXPECT_EQ(claims.at("nbf").as_int64(), 1750000000 - 5);
  EXPECT_EQ(claims.size(), 3u);
}

std::string signed_claims(const std::string& claims_json) {
  const auto input = base64url(R"({"alg":"HS256","typ":"JWT"})") + "." + base64url(claims_json);
  return input + "." + base64url(hmac_sha256("sk", input));
}
JwtVerdict verify(const std::string& token, std::int64_t now_s, JwtLimits limits = {}) {
  return verify_kling_jwt(token, [](std::string_view ak) { return ak == "ak" ? "sk" : ""; }, now_s, limits);
}

TEST(KlingJwt, VerifyChecksExpPresenceAndLifetime) {
  const std::int64_t now = 1'800'000'000;
  EXPECT_EQ(verify(make_kling_jwt("ak", "sk", now), now).check, JwtCheck::Valid);
  EXPECT_EQ(verify(signed_claims(R"({"iss":"ak"})"), now).check, JwtCheck::NoExpiry);
  EXPECT_EQ(verify(signed_claims(R"({"iss":"ak","exp":"soon"})"), now).check, JwtCheck::Malformed);
  EXPECT_EQ(verify(signed_claims(R"({"iss":"ak","exp":1800003600,"nbf":"x"})"), now).check, JwtCheck::Malformed);
  const auto ten_years = verify(make_kling_jwt("ak", "sk", now, {.lifetime_s = 315360000, .not_before_s = 5}), now);
  EXPECT_EQ(ten_years.check, JwtCheck::TooLong);
  EXPECT_EQ(ten_years.exp_in_s, 315360000);
  EXPECT_EQ(ten_years.issuer, "ak");
  const auto day = make_kling_jwt("ak", "sk", now, {.lifetime_s = 86400, .not_before_s = 5});
  EXPECT_EQ(verify(day, now).check, JwtCheck::Valid);
  EXPECT_EQ(verify(day, now, {.leeway_s = 5, .max_lifetime_s = 86399}).check, JwtCheck::TooLong);
  // Extreme claims compare without overflow.
  EXPECT_EQ(verify(signed_claims(R"({"iss":"ak","exp":9223372036854775807})"), now).check, JwtCheck::TooLong);
  EXPECT_EQ(verify(signed_claims(R"({"iss":"ak","exp":-9223372036854775808})"), now).check, JwtCheck::Expired);
  EXPECT_EQ(verify(signed_claims(R"({"iss":"ak","exp":1800000060,"nbf":-9223372036854775808})"), now).check,
            JwtCheck::Valid);
  EXPECT_EQ(verify(signed_claims(R"({"iss":"ak","exp":1800000060,"nbf":9223372036854775807})"), now).check,
            JwtCheck::NotYetValid);
}

TEST(KlingJwt, VerifyRefusesNonCanonicalPartsBeforeTheSignature) {
  const std::int64_t now = 1'800'000'000;
  const auto token = make_kling_jwt("ak", "sk", now);
  EXPECT_EQ(verify(token + "=", now).check, JwtCheck::Malformed);
  EXPECT_EQ(verify(" " + token, now).check, JwtCheck::Malformed);
  const auto dot = token.find('.');
  EXPECT_EQ(verify(token.substr(0, dot) + "=" + token.substr(dot), now).check, JwtCheck::Malformed);
}

TEST(KlingJwt, TokenIsReusedFor25MinutesThenReminted) {
  std::int64_t now = 1'000'000;
  TokenCache cache("ak", "sk", [&] { return now; });
  const auto first = cache.token();
  now += 1499;
  EXPECT_EQ(cache.token(), first);
  now += 1;
  const auto second = cache.token();
  EXPECT_NE(second, first);
  EXPECT_EQ(second, make_kling_jwt("ak", "sk", now));
  cache.invalidate();
  now += 1;
  EXPECT_EQ(cache.token(), make_kling_jwt("ak", "sk", now));
}

}  // namespace
}  // namespace vidserve::auth
