// KeyStore contract for the SQLite store and the in-memory fake, plus hash-only storage on disk.
#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <type_traits>

#include "common/clock.hpp"
#include "store/key_crypto.hpp"
#include "store/memory_key_store.hpp"
#include "store/pg_stores.hpp"
#include "store/sqlite_key_store.hpp"
#include "pg_test_support.hpp"
#include "store_test_support.hpp"

namespace vidserve::store {
namespace {

using testing::TempDir;

struct MemoryKeys {
  std::unique_ptr<KeyStore> make(const Clock& clock) {
    return std::make_unique<MemoryKeyStore>(clock);
  }
};

struct SqliteKeys {
  TempDir dir;
  std::unique_ptr<KeyStore> make(const Clock& clock) {
    auto store = SqliteKeyStore::open(dir.file("keys.db"), clock);
    EXPECT_TRUE(store.ok()) << store.error().message;
    return std::move(store).value();
  }
};

struct PgKeys {
  testing::PgTestSchema schema;
  std::unique_ptr<KeyStore> make(const Clock& clock) {
    return std::make_unique<PgKeyStore>(schema.open(), clock);
  }
};

struct KeyImplNames {
  template <class T>
  static std::string GetName(int) {
    if (std::is_same_v<T, PgKeys>) return "Postgres";
    return std::is_same_v<T, MemoryKeys> ? "Memory" : "Sqlite";
  }
};

template <class Impl>
class KeyStoreContract : public ::testing::Test {
 protected:
  FakeClock clock;
  Impl impl;
  std::unique_ptr<KeyStore> keys = impl.make(clock);
};

using KeyImpls = ::testing::Types<MemoryKeys, SqliteKeys, PgKeys>;
TYPED_TEST_SUITE(KeyStoreContract, KeyImpls, KeyImplNames);

TYPED_TEST(KeyStoreContract, CreatedKeyVerifiesToItsId) {
  auto created = this->keys->create("ci pipeline");
  ASSERT_TRUE(created.ok()) << created.error().message;
  EXPECT_TRUE(created->plaintext.starts_with("vs_"));
  EXPECT_EQ(created->plaintext.size(), 46u);
  EXPECT_TRUE(key_crypto::looks_like_api_key(created->plaintext));
  EXPECT_TRUE(created->info.id.starts_with("key_"));
  EXPECT_EQ(created->info.label, "ci pipeline");
  EXPECT_EQ(created->info.created_ms, this->clock.now_ms());
  EXPECT_FALSE(created->info.revoked);
  auto id = this->keys->verify(created->plaintext);
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(*id, created->info.id);
  auto listed = this->keys->list();
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(*listed, std::vector<ApiKeyInfo>{created->info});
}

TYPED_TEST(KeyStoreContract, KeysAreDistinct) {
  std::set<std::string> plaintexts, ids;
  for (int i = 0; i < 20; ++i) {
    auto k = this->keys->create("k" + std::to_string(i));
    ASSERT_TRUE(k.ok());
    plaintexts.insert(k->plaintext);
    ids.insert(k->info.id);
  }
  EXPECT_EQ(plaintexts.size(), 20u);
  EXPECT_EQ(ids.size(), 20u);
  EXPECT_EQ(this->keys->list()->size(), 20u);
}

TYPED_TEST(KeyStoreContract, UnknownAndMalformedKeysDoNotVerify) {
  auto created = this->keys->create("a");
  ASSERT_TRUE(created.ok());
  std::string altered = created->plaintext;
  altered.back() = altered.back() == 'A' ? 'B' : 'A';
  const std::string other = *key_crypto::new_api_key();
  for (const std::string& k :
       {altered, other, std::string(), std::string("vs_"), std::string("Bearer x"),
        created->plaintext + "x", created->plaintext.substr(3)}) {
    auto id = this->keys->verify(k);
    ASSERT_TRUE(id.ok());
    EXPECT_EQ(*id, std::nullopt) << k;
  }
}

TYPED_TEST(KeyStoreContract, LimitsAreStoredWithTheKey) {
  auto created = this->keys->create("limited");
  ASSERT_TRUE(created.ok());
  const auto& id = created->info.id;
  EXPECT_EQ(*this->keys->limits(id), KeyLimits{});  // the server's defaults until set
  const KeyLimits set{2.5, 10, 20'000'000};
  ASSERT_TRUE(this->keys->set_limits(id, set).ok());
  EXPECT_EQ(*this->keys->limits(id), set);
  ASSERT_TRUE(this->keys->set_limits(id, KeyLimits{0.0, std::nullopt, std::nullopt}).ok());
  EXPECT_EQ(*this->keys->limits(id), (KeyLimits{0.0, std::nullopt, std::nullopt}));
  EXPECT_EQ(this->keys->limits("key_0000000000000000").error().code, "notFound");
  EXPECT_EQ(this->keys->set_limits("key_0000000000000000", set).error().code, "notFound");
}

TYPED_TEST(KeyStoreContract, RevokedKeysStopVerifying) {
  auto a = this->keys->create("a");
  auto b = this->keys->create("b");
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_TRUE(this->keys->revoke(a->info.id).ok());
  ASSERT_TRUE(this->keys->revoke(a->info.id).ok());  // twice is fine
  EXPECT_EQ(*this->keys->verify(a->plaintext), std::nullopt);
  EXPECT_EQ(*this->keys->verify(b->plaintext), b->info.id);
  EXPECT_EQ(this->keys->revoke("key_0000000000000000").error().code, "notFound");
  auto listed = this->keys->list();
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].id, a->info.id);
  EXPECT_TRUE((*listed)[0].revoked);
  EXPECT_FALSE((*listed)[1].revoked);
}

TYPED_TEST(KeyStoreContract, WebhookSecretIsMadeWithTheKeyAndRotates) {
  auto created = this->keys->create("hooks");
  ASSERT_TRUE(created.ok()) << created.error().message;
  const auto& secret = created->webhook_secret;
  EXPECT_TRUE(secret.starts_with("whsec_"));
  EXPECT_EQ(secret.size(), 6u + 32u);  // 24 bytes in base64, no padding
  EXPECT_EQ(secret.find_first_not_of(
                "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", 6),
            std::string::npos);
  EXPECT_EQ(this->keys->webhook_secret(created->info.id).value(), secret);
  auto rotated = this->keys->rotate_webhook_secret(created->info.id);
  ASSERT_TRUE(rotated.ok());
  EXPECT_NE(*rotated, secret);
  EXPECT_TRUE(rotated->starts_with("whsec_"));
  EXPECT_EQ(this->keys->webhook_secret(created->info.id).value(), *rotated);
  auto other = this->keys->create("other");
  ASSERT_TRUE(other.ok());
  EXPECT_NE(other->webhook_secret, *rotated);
  EXPECT_EQ(this->keys->webhook_secret(created->info.id).value(), *rotated);  // others untouched
  EXPECT_FALSE(this->keys->webhook_secret("key_missing").ok());
  EXPECT_FALSE(this->keys->rotate_webhook_secret("key_missing").ok());
}

TEST(SqliteKeyStore, StoresOnlyTheHash) {
  TempDir dir;
  FakeClock clock;
  const std::string path = dir.file("keys.db");
  CreatedApiKey created;
  {
    auto keys = SqliteKeyStore::open(path, clock);
    ASSERT_TRUE(keys.ok());
    auto k = (*keys)->create("label-marker");
    ASSERT_TRUE(k.ok());
    created = *k;
  }
  const std::string bytes = testing::read_database_bytes(path);
  ASSERT_NE(bytes.find("label-marker"), std::string::npos) << "the check must see stored rows";
  EXPECT_NE(bytes.find(*key_crypto::sha256_hex(created.plaintext)), std::string::npos);
  EXPECT_EQ(bytes.find(created.plaintext), std::string::npos);
  EXPECT_EQ(bytes.find(created.plaintext.substr(3)), std::string::npos);

  auto reopened = SqliteKeyStore::open(path, clock);
  ASSERT_TRUE(reopened.ok());
  EXPECT_EQ(*(*reopened)->verify(created.plaintext), created.info.id);
}

TEST(KeyCrypto, Sha256MatchesKnownVector) {
  EXPECT_EQ(*key_crypto::sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

}  // namespace
}  // namespace vidserve::store
