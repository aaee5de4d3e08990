#pragma once
// MediaStore: the one owner of produced and uploaded media. Writers stage a media (a local scratch
// file they fill), then commit it (durable, indexed with its owner, task and expiry) or discard
// it; readers find, read (whole or a byte range) and locate it (where it can be served from);
// the store builds media URLs and deletes media (a task's, expired ones, stale scratch files).
// Nothing outside an implementation touches media files or builds a media URL.
// Implementations: LocalMediaStore (a directory + store::MediaIndex) and S3MediaStore (an S3
// bucket + store::MediaIndex: commit uploads the scratch file, locate answers a presigned URL).
// The contract suite: tests/unit/delivery/media_store_contract_test.cpp.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <variant>

#include "common/result.hpp"
#include "store/media_index.hpp"

namespace vidserve::delivery {

namespace errc {
// A media id that cannot be a file or object name (empty, too long, other than [A-Za-z0-9_-]).
inline constexpr const char* kInvalidMediaId = "invalidMediaId";
// A read range that is empty or does not lie within the media.
inline constexpr const char* kRangeNotSatisfiable = "rangeNotSatisfiable";
// A read larger than the store's read limit (read a range instead, or serve it from locate()).
inline constexpr const char* kMediaTooLarge = "mediaTooLarge";
// A result could not be PUT to the task's uploadEndpoint (media_upload.hpp).
inline constexpr const char* kUploadFailed = "uploadFailed";
// An s3:// media URL that cannot be read (s3_location.hpp).
inline constexpr const char* kInvalidS3Url = "invalidS3Url";
}  // namespace errc

// A media being written: the writer fills `path`, a local scratch file, then hands it back to
// commit() or discard(). A staged media is in no index and is never served; a process killed
// before commit leaves its scratch file for remove_stale_scratch().
struct StagedMedia {
  std::string uuid;
  std::string content_type;
  std::filesystem::path path;  // the scratch file; its name ends with the media's extension
};

// Bytes [offset, offset + length) of a media.
struct ByteRange {
  std::uint64_t offset = 0;
  std::uint64_t length = 0;
};

// Where a media can be served from.
struct LocalFile {
  std::filesystem::path path;  // this server sends the file itself (Range, ETag)
};
struct RemoteUrl {
  std::string url;  // somewhere else (an object store, a presigned URL): a redirect target
};
using MediaLocation = std::variant<LocalFile, RemoteUrl>;

class MediaStore {
 public:
  virtual ~MediaStore() = default;

  // A scratch file for the media `uuid` of this content type. The uuid must be 1 to 64 of
  // [A-Za-z0-9_-] (errc::kInvalidMediaId otherwise).
  virtual Result<StagedMedia> stage(const std::string& uuid, const std::string& content_type) = 0;
  // Makes the staged file the media `staged.uuid`, durably (on disk before the index names it),
  // replacing an earlier media with that uuid (a re-run task writes its stable uuids again), and
  // indexes it for `owner` and `task_uuid`, expiring `ttl_s` seconds from now (never without).
  // The scratch file is consumed either way. A full disk or quota is io_errc::kStorageFull,
  // any other failure io_errc::kStorage; messages name no path.
  virtual Result<store::MediaRecord> commit(const StagedMedia& staged, const std::string& owner,
                                            const std::string& task_uuid,
                                            std::optional<std::int64_t> ttl_s) = 0;
  // Deletes the scratch file; nothing of the media remains.
  virtual void discard(const StagedMedia& staged) = 0;
  // stage + write `bytes` + commit.
  Result<store::MediaRecord> save(const std::string& owner, const std::string& task_uuid,
                                  const std::string& uuid, const std::string& bytes,
                                  const std::string& content_type,
                                  std::optional<std::int64_t> ttl_s);

  // The media's record; "notFound" (store::errc::kNotFound) when unknown or expired.
  virtual Result<store::MediaRecord> find(const std::string& uuid) const = 0;
  // The media's bytes, or those of `range` (errc::kRangeNotSatisfiable unless it lies within the
  // media). A read of more bytes than the store's read limit is errc::kMediaTooLarge.
  virtual Result<std::string> read(const std::string& uuid,
                                   std::optional<ByteRange> range = std::nullopt) const = 0;
  // Where a found media can be served from.
  virtual Result<MediaLocation> locate(const store::MediaRecord& record) const = 0;

  // The public base URL media URLs start with ("http://127.0.0.1:8080"), set once at start-up,
  // when the HTTP server has bound its port; later calls change nothing.
  virtual void set_public_base_url(std::string base) = 0;
  // Whether url() can build URLs (the base URL is set); front-ends answer 503 until then.
  virtual bool ready() const = 0;
  // The public URL of a media: the one place media URLs are built.
  virtual std::string url(const std::string& uuid, const std::string& content_type) const = 0;

  // Deletes every media (expired or not) a task of `owner` produced; returns how many.
  virtual Result<std::size_t> remove_task_media(const std::string& owner,
                                                const std::string& task_uuid) = 0;
  // Deletes expired media; returns how many.
  virtual std::size_t sweep_expired() = 0;
  // Deletes the scratch files of media never committed (a killed process); call at start-up of
  // the only process using this store. Returns how many.
  virtual std::size_t remove_stale_scratch() = 0;
  // Bytes the store can still take (the free space of its file system).
  virtual Result<std::uint64_t> free_bytes() const = 0;
};

// Whether `uuid` can name a media (see MediaStore::stage).
bool valid_media_id(const std::string& uuid);

}  // namespace vidserve::delivery
