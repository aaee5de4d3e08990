#pragma once
// The local media store: produced and uploaded media as files in one directory, indexed with
// their owner and expiry (ttl) in a MediaIndex. Media is served by uuid at /media/<uuid>.<ext>.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "common/clock.hpp"
#include "common/result.hpp"
#include "store/media_index.hpp"

namespace vidserve::delivery {

class MediaStore {
 public:
  MediaStore(std::filesystem::path dir, store::MediaIndex& index, const Clock& clock);

  // Where a media file with this uuid and content type lives (the engine renders into it).
  std::filesystem::path path_for(const std::string& uuid, const std::string& content_type) const;
  // A scratch path in the same directory (renames into place are atomic).
  std::filesystem::path temp_path(const std::string& name) const;

  // Writes bytes durably (temp file, fsync, rename) and indexes them.
  Result<store::MediaRecord> save(const std::string& owner, const std::string& task_uuid,
                                  const std::string& uuid, const std::string& bytes,
                                  const std::string& content_type, std::optional<std::int64_t> ttl_s);
  // Indexes a file the engine wrote at path_for(uuid, content_type).
  Result<store::MediaRecord> adopt(const std::string& owner, const std::string& task_uuid,
                                   const std::string& uuid, const std::string& content_type,
                                   std::optional<std::int64_t> ttl_s);

  // Unexpired media; "notFound" otherwise.
  Result<store::MediaRecord> find(const std::string& uuid) const;
  Result<std::string> read(const std::string& uuid) const;

  // Deletes scratch files a killed process left behind (names starting with "."); call at start-up
  // of the only process using this directory.
  std::size_t remove_stale_scratch();

  // Deletes the files and records of every media a task produced (retention); returns how many.
  Result<std::size_t> remove_task_media(const std::string& owner, const std::string& task_uuid);

  // Deletes expired files and their records; returns how many.
  std::size_t sweep_expired();

  // Bytes an unprivileged writer can still add to the media directory's file system.
  Result<std::uint64_t> free_bytes() const;

  const std::filesystem::path& dir() const { return dir_; }

 private:
  std::filesystem::path dir_;
  store::MediaIndex& index_;
  const Clock& clock_;
};

}  // namespace vidserve::delivery
