#pragma once
// MediaIndex: which produced media file backs a media uuid, for delivery with a TTL.
// The files themselves live in the delivery module's media directory; this is the index.
// Implementations: SqliteMediaIndex (can share the task database) and MemoryMediaIndex (fake).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace vidserve::store {

struct MediaRecord {
  std::string media_uuid;
  std::string owner;  // API key id
  std::string task_uuid;
  std::string path;  // file on disk
  std::string content_type;
  std::int64_t size_bytes = 0;
  std::int64_t created_ms = 0;  // 0 on put(): stamped from the store's clock
  std::int64_t expires_ms = 0;  // 0 = never expires

  bool operator==(const MediaRecord&) const = default;
};

class MediaIndex {
 public:
  virtual ~MediaIndex() = default;

  // Inserts or replaces the record with the same media_uuid (a re-run task writes its stable
  // media uuids again).
  virtual Status put(MediaRecord record) = 0;
  // "notFound" when unknown or expired (now >= expires_ms) by the store's clock.
  virtual Result<MediaRecord> get(std::string_view media_uuid) = 0;
  // Up to `limit` records with 0 < expires_ms <= now_ms, soonest expiry first, for a sweeper
  // that deletes the files and then remove()s the records.
  virtual Result<std::vector<MediaRecord>> expired(std::int64_t now_ms, std::size_t limit) = 0;
  // Every record (expired or not) of the media a task of this owner produced, for deleting the
  // task with its files.
  virtual Result<std::vector<MediaRecord>> for_task(std::string_view owner, std::string_view task_uuid) = 0;
  // "notFound" when there is no such record.
  virtual Status remove(std::string_view media_uuid) = 0;
};

}  // namespace vidserve::store
