// --store / --media: which kinds they name, what is refused, and how they are shown (never with
// a password).
#include "app/storage_urls.hpp"

#include <gtest/gtest.h>

#include "app/error_codes.hpp"

namespace vidserve::app {
namespace {

TEST(StorageKinds, SqliteAndLocalMediaByDefault) {
  for (const auto* store : {"", "sqlite:"}) {
    auto kinds = storage_kinds(store, "");
    ASSERT_TRUE(kinds) << store;
    EXPECT_EQ(kinds->store, StoreKind::Sqlite);
    EXPECT_EQ(kinds->media, MediaKind::Local);
    EXPECT_FALSE(kinds->shared());
  }
}

TEST(StorageKinds, PostgresIsSharedWithLocalOrS3Media) {
  for (const auto* store : {"postgresql://u@h/db", "postgres://u:p@h:5433/db?sslmode=disable"}) {
    auto kinds =
        storage_kinds(store, "s3://bucket/prefix?endpoint=http://127.0.0.1:9000&region=us-east-1");
    ASSERT_TRUE(kinds) << store;
    EXPECT_EQ(kinds->store, StoreKind::Postgres);
    EXPECT_EQ(kinds->media, MediaKind::S3);
    EXPECT_TRUE(kinds->shared());
    EXPECT_EQ(storage_kinds(store, "")->media, MediaKind::Local);
  }
}

TEST(StorageKinds, UnknownSchemesAreRefusedNamingTheFlag) {
  auto store = storage_kinds("mysql://root:hunter2@db/vs", "");
  ASSERT_FALSE(store);
  EXPECT_EQ(store.error().code, errc::kInvalidStore);
  EXPECT_NE(store.error().message.find("--store"), std::string::npos);
  EXPECT_EQ(store.error().message.find("hunter2"), std::string::npos);
  for (const auto* bad : {"sqlite:/tmp/other.db", "host=db password=hunter2"}) {
    EXPECT_EQ(storage_kinds(bad, "").error().code, errc::kInvalidStore) << bad;
    EXPECT_EQ(storage_kinds(bad, "").error().message.find("hunter2"), std::string::npos) << bad;
  }
  auto media = storage_kinds("postgresql://h/db", "gs://bucket");
  ASSERT_FALSE(media);
  EXPECT_EQ(media.error().code, errc::kInvalidMedia);
  EXPECT_NE(media.error().message.find("--media"), std::string::npos);
}

// The media index lives in the store: S3 media that only one SQLite process could index are
// refused.
TEST(StorageKinds, S3MediaNeedASharedStore) {
  auto kinds = storage_kinds("", "s3://bucket?endpoint=http://127.0.0.1:9000");
  ASSERT_FALSE(kinds);
  EXPECT_EQ(kinds.error().code, errc::kInvalidMedia);
  EXPECT_NE(kinds.error().message.find("--store postgresql://"), std::string::npos);
}

TEST(ShownUrl, LeavesOutPasswordsAndSecretParameters) {
  EXPECT_EQ(shown_url("postgresql://app:s3cret@db.internal:5432/vidserve"),
            "postgresql://app@db.internal:5432/vidserve");
  EXPECT_EQ(shown_url("postgres://app@db/vs?sslmode=require&password=s3cret&application_name=x"),
            "postgres://app@db/vs?sslmode=require&application_name=x");
  EXPECT_EQ(shown_url("postgresql://:s3cret@db"), "postgresql://@db");
  EXPECT_EQ(shown_url("postgresql://a:b:c@d@db/x#frag"), "postgresql://a@db/x");
  EXPECT_EQ(shown_url("s3://bucket/p?endpoint=http://"
                      "127.0.0.1:9000&region=us-east-1&secretKey=x&sessionToken=y"),
            "s3://bucket/p?endpoint=http://127.0.0.1:9000&region=us-east-1");
  EXPECT_EQ(shown_url("sqlite:"), "sqlite:");
  EXPECT_EQ(shown_url("host=db password=s3cret"), "host...");
  EXPECT_EQ(shown_url("sqlite:/x/y"), "sqlite:...");
}

TEST(ShownUrl, StoreAndMediaForTheBanner) {
  EXPECT_EQ(shown_store("", "/var/lib/vs"), "SQLite (/var/lib/vs/vidserve.db)");
  EXPECT_EQ(shown_store("postgresql://app:pw@db/vs", "/d"), "PostgreSQL (postgresql://app@db/vs)");
  EXPECT_EQ(shown_media("", "/d"), "/d/media");
  EXPECT_EQ(shown_media("s3://b/p?endpoint=http://127.0.0.1:9000", "/d"),
            "S3 (s3://b/p?endpoint=http://127.0.0.1:9000)");
}

}  // namespace
}  // namespace vidserve::app
