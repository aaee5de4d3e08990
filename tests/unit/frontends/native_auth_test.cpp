// Who may call the Kling-native endpoints: JWTs signed with VIDSERVE_KLING_KEYS pairs (checked
// against an injectable clock, so expiry is tested without sleeping) or plain vidserve keys.
#include <gtest/gtest.h>

#include "api/kling/native_auth.hpp"
#include "auth/jwt.hpp"
#include "store/memory_key_store.hpp"

namespace vidserve::api::kling {
namespace {

class NativeAuthTest : public ::testing::Test {
 protected:
  FakeClock clock{1'800'000'000'000};
  Authenticator keys{{"plain-key"}, nullptr};
  NativeAuth auth{NativeAuth::KeyPairs{{"ak1", "sk1"}, {"ak2", "sk2"}}, keys, clock};

  std::int64_t now_s() const { return clock.now_ms() / 1000; }
  NativeAuthOutcome call(const std::string& token) const { return auth.authenticate("Bearer " + token); }
};

TEST_F(NativeAuthTest, AcceptsATokenOfAConfiguredPairAsThatAccessKey) {
  const auto outcome = call(auth::make_kling_jwt("ak2", "sk2", now_s()));
  ASSERT_TRUE(outcome.owner) << outcome.message;
  EXPECT_EQ(*outcome.owner, "kling-ak:ak2");
}

TEST_F(NativeAuthTest, AcceptsAPlainApiKey) {
  const auto outcome = call("plain-key");
  ASSERT_TRUE(outcome.owner);
  EXPECT_NE(outcome.owner->find("env:"), std::string::npos);
  EXPECT_EQ(call("other-key").code, 1000);
}

TEST_F(NativeAuthTest, KlingCodesForEachFailure) {
  EXPECT_EQ(auth.authenticate("").code, 1001);
  EXPECT_EQ(auth.authenticate("Basic abc").code, 1001);
  EXPECT_EQ(call(auth::make_kling_jwt("ak1", "wrong", now_s())).code, 1000);
  EXPECT_EQ(call(auth::make_kling_jwt("nobody", "sk1", now_s())).code, 1000);
  EXPECT_EQ(call("a.b.c").code, 1002);
  // alg "none" with the right claims must not pass.
  const auto good = auth::make_kling_jwt("ak1", "sk1", now_s());
  const auto payload = good.substr(good.find('.') + 1, good.rfind('.') - good.find('.') - 1);
  EXPECT_EQ(call(auth::base64url(R"({"alg":"none","typ":"JWT"})") + "." + payload + ".").code, 1002);
}

TEST_F(NativeAuthTest, ExpiryAndNotBeforeFollowTheClock) {
  const auto token = auth::make_kling_jwt("ak1", "sk1", now_s());  // exp now+1800, nbf now-5
  EXPECT_TRUE(call(token).owner);
  clock.advance_ms(1800'000 + 4'000);  // within the 5 s leeway
  EXPECT_TRUE(call(token).owner);
  clock.advance_ms(2'000);
  EXPECT_EQ(call(token).code, 1004);
  const auto future = auth::make_kling_jwt("ak1", "sk1", now_s() + 60);
  EXPECT_EQ(call(future).code, 1003);
}

// Hardening (issue "Hardening" item 7): one spelling per token, exp required, bounded lifetime.
class NativeAuthEdgesTest : public NativeAuthTest {
 protected:
  static std::string sign(const std::string& header, const std::string& payload, const std::string& sk = "sk1") {
    const auto input = header + "." + payload;
    return input + "." + auth::base64url(auth::hmac_sha256(sk, input));
  }
  static std::string header() { return auth::base64url(R"({"alg":"HS256","typ":"JWT"})"); }
  std::string payload(const std::string& extra) const {
    return auth::base64url(R"({"iss":"ak1","nbf":)" + std::to_string(now_s() - 5) + extra + "}");
  }
  std::string lasting(std::int64_t seconds) const {
    return auth::make_kling_jwt("ak1", "sk1", now_s(), {.lifetime_s = seconds, .not_before_s = 5});
  }
};

TEST_F(NativeAuthEdgesTest, PaddedPartsAreMalformedEvenWhenSigned) {
  const auto good = auth::make_kling_jwt("ak1", "sk1", now_s());
  ASSERT_EQ(good.size() - good.rfind('.') - 1, 43u);  // 32 bytes: one '=' in padded base64
  EXPECT_EQ(call(good + "=").code, 1002);
  // A payload whose padded form is valid standard base64, signed as sent: still refused.
  std::string exp = R"(,"exp":)" + std::to_string(now_s() + 60);
  while (payload(exp).size() % 4 == 0) exp += ' ';  // so that padding is due
  auto body = payload(exp);
  ASSERT_TRUE(call(sign(header(), body)).owner);
  while (body.size() % 4 != 0) body += '=';
  const auto outcome = call(sign(header(), body));
  EXPECT_EQ(outcome.code, 1002);
  EXPECT_NE(outcome.message.find("base64url"), std::string::npos) << outcome.message;
}

TEST_F(NativeAuthEdgesTest, StandardAlphabetSignatureIsMalformed) {
  std::string token;
  for (int i = 0; token.find_first_of("-_", token.rfind('.')) == std::string::npos; ++i) {
    token = auth::make_kling_jwt("ak1", "sk1", now_s() - i);
  }
  ASSERT_TRUE(call(token).owner);
  for (auto at = token.rfind('.'); at < token.size(); ++at) {
    if (token[at] == '-') token[at] = '+';
    if (token[at] == '_') token[at] = '/';
  }
  EXPECT_EQ(call(token).code, 1002);
}

TEST_F(NativeAuthEdgesTest, NonZeroTrailingBitsInTheSignatureAreMalformed) {
  static const std::string kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  auto token = auth::make_kling_jwt("ak1", "sk1", now_s());
  ASSERT_TRUE(call(token).owner);
  // 43 characters carry 258 bits for 256: the last character's two low bits are padding.
  token.back() = kAlphabet[kAlphabet.find(token.back()) ^ 1];
  EXPECT_EQ(call(token).code, 1002);
}

TEST_F(NativeAuthEdgesTest, LifetimeIsAtMost24Hours) {
  const auto ten_years = call(lasting(10LL * 365 * 86400));
  EXPECT_EQ(ten_years.code, 1002);
  EXPECT_FALSE(ten_years.owner);
  EXPECT_NE(ten_years.message.find("token lifetime over 24 h: exp is 315360000 s away"), std::string::npos)
      << ten_years.message;
  const auto day_and_a_second = call(lasting(86400 + 1));
  EXPECT_EQ(day_and_a_second.code, 1002);
  EXPECT_NE(day_and_a_second.message.find("exp is 86401 s away"), std::string::npos) << day_and_a_second.message;
  EXPECT_TRUE(call(lasting(86400)).owner);
  EXPECT_TRUE(call(lasting(23 * 3600)).owner);
  // A long token becomes acceptable once it is within the limit of now.
  const auto token = lasting(86400 + 60);
  EXPECT_EQ(call(token).code, 1002);
  clock.advance_ms(60'000);
  EXPECT_TRUE(call(token).owner);
}

TEST_F(NativeAuthEdgesTest, LifetimeLimitIsConfigurable) {
  NativeAuth hourly{NativeAuth::KeyPairs{{"ak1", "sk1"}}, keys, clock, 3600};
  EXPECT_TRUE(hourly.authenticate("Bearer " + lasting(3600)).owner);
  const auto refused = hourly.authenticate("Bearer " + lasting(3601));
  EXPECT_EQ(refused.code, 1002);
  EXPECT_NE(refused.message.find("token lifetime over 1 h: exp is 3601 s away"), std::string::npos) << refused.message;
  NativeAuth odd{NativeAuth::KeyPairs{{"ak1", "sk1"}}, keys, clock, 90};
  EXPECT_NE(odd.authenticate("Bearer " + lasting(91)).message.find("over 90 s"), std::string::npos);
}

TEST_F(NativeAuthEdgesTest, MissingExpIsNotCalledExpired) {
  const auto outcome = call(sign(header(), payload("")));
  EXPECT_EQ(outcome.code, 1002);
  EXPECT_NE(outcome.message.find("token has no exp claim"), std::string::npos) << outcome.message;
  EXPECT_EQ(outcome.message.find("expired"), std::string::npos) << outcome.message;
  // exp that is not a number of seconds is malformed too, not expired.
  EXPECT_EQ(call(sign(header(), payload(R"(,"exp":"tomorrow")"))).code, 1002);
  EXPECT_EQ(call(sign(header(), payload(R"(,"exp":null)"))).code, 1002);
}

TEST(NativeAuthKeys, ParsesTheMaxLifetime) {
  EXPECT_EQ(*NativeAuth::parse_max_lifetime(nullptr), 86400);
  EXPECT_EQ(*NativeAuth::parse_max_lifetime(""), 86400);
  EXPECT_EQ(*NativeAuth::parse_max_lifetime("3600"), 3600);
  for (const char* bad : {"0", "-5", "1h", " 60", "abc", "315360001", "99999999999999999999"}) {
    auto parsed = NativeAuth::parse_max_lifetime(bad);
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_NE(parsed.error().message.find("VIDSERVE_KLING_JWT_MAX_LIFETIME"), std::string::npos);
  }
}

TEST(NativeAuthKeys, ParsesPairsAndNamesBadEntries) {
  auto pairs = NativeAuth::parse_key_pairs(" ak1:sk1 , ak2:s:k2 ,");
  ASSERT_TRUE(pairs.ok()) << pairs.error().message;
  EXPECT_EQ(pairs->size(), 2u);
  EXPECT_EQ(pairs->at("ak2"), "s:k2");
  for (const char* bad : {"ak1", ":sk", "ak:", "ak1:sk1,broken"}) {
    auto parsed = NativeAuth::parse_key_pairs(bad);
    EXPECT_FALSE(parsed.ok()) << bad;
  }
  EXPECT_TRUE(NativeAuth::parse_key_pairs("")->empty());
}

}  // namespace
}  // namespace vidserve::api::kling
