#pragma once
// What --store and --media name, checked before anything is opened, and how they are shown (the
// start banner, the log, error messages) without the password a URL may carry.
//   --store ""  or "sqlite:"             SQLite in DATA/vidserve.db (one process; the default)
//   --store postgresql://... postgres://  PostgreSQL, shared by API nodes and `vidserve worker`s
//   --media ""                           DATA/media (the default)
//   --media s3://BUCKET[/PREFIX]?...      an S3-compatible object store (with a shared store only)
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace vidserve::app {

enum class StoreKind { Sqlite, Postgres };
enum class MediaKind { Local, S3 };

struct StorageKinds {
  StoreKind store = StoreKind::Sqlite;
  MediaKind media = MediaKind::Local;
  // Other processes may work the same store: no start-up step may assume this one is alone.
  bool shared() const { return store == StoreKind::Postgres; }
};

// Refused, naming the flag: an unknown scheme (errc::kInvalidStore, errc::kInvalidMedia), and S3
// media with a SQLite store (kInvalidMedia: the media index lives in the store, which the
// processes serving the media must share).
Result<StorageKinds> storage_kinds(std::string_view store_url, std::string_view media_url);
// Each URL alone (the flags' checks while parsing): the scheme only.
Result<StoreKind> store_kind(std::string_view store_url);
Result<MediaKind> media_kind(std::string_view media_url);

// The URL without its password: "postgresql://app:secret@db:5432/vs" ->
// "postgresql://app@db:5432/vs"; query parameters that may carry a secret (password, secret, token,
// key in their name) are left out. Anything that is not a URL comes back with everything after its
// scheme hidden.
std::string shown_url(std::string_view url);

// For the banner: "SQLite (DATA/vidserve.db)", "PostgreSQL (postgresql://app@db/vs)",
// "DATA/media", "S3 (s3://bucket/prefix?endpoint=...)".
std::string shown_store(std::string_view store_url, const std::string& data_dir);
std::string shown_media(std::string_view media_url, const std::string& data_dir);

}  // namespace vidserve::app
