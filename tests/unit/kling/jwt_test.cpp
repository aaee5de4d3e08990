// The Kling JWT: base64url (RFC 4648 vectors), HMAC-SHA256 (RFC 4231), a known token computed
// with Python's hmac module, the signature re-checked with OpenSSL's EVP_MAC, and token reuse.
#include "engine/kling/jwt.hpp"

#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <boost/json.hpp>
#include <string>
#include <vector>

#include "fetch/base64.hpp"

namespace vidserve::engine::kling {
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
}  // namespace vidserve::engine::kling
