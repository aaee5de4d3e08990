// Who may call the Kling-native endpoints: JWTs signed with VIDSERVE_KLING_KEYS pairs (checked
// against an injectable clock, so expiry is tested without sleeping) or plain vidserve keys.
#include <gtest/gtest.h>

#include "api/kling/native_auth.hpp"
#include "engine/kling/jwt.hpp"
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
  const auto outcome = call(engine::kling::make_kling_jwt("ak2", "sk2", now_s()));
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
  EXPECT_EQ(call(engine::kling::make_kling_jwt("ak1", "wrong", now_s())).code, 1000);
  EXPECT_EQ(call(engine::kling::make_kling_jwt("nobody", "sk1", now_s())).code, 1000);
  EXPECT_EQ(call("a.b.c").code, 1002);
  // alg "none" with the right claims must not pass.
  const auto good = engine::kling::make_kling_jwt("ak1", "sk1", now_s());
  const auto payload = good.substr(good.find('.') + 1, good.rfind('.') - good.find('.') - 1);
  EXPECT_EQ(call(engine::kling::base64url(R"({"alg":"none","typ":"JWT"})") + "." + payload + ".").code, 1002);
}

TEST_F(NativeAuthTest, ExpiryAndNotBeforeFollowTheClock) {
  const auto token = engine::kling::make_kling_jwt("ak1", "sk1", now_s());  // exp now+1800, nbf now-5
  EXPECT_TRUE(call(token).owner);
  clock.advance_ms(1800'000 + 4'000);  // within the 5 s leeway
  EXPECT_TRUE(call(token).owner);
  clock.advance_ms(2'000);
  EXPECT_EQ(call(token).code, 1004);
  const auto future = engine::kling::make_kling_jwt("ak1", "sk1", now_s() + 60);
  EXPECT_EQ(call(future).code, 1003);
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
