#pragma once
// The S3 media store: media as objects PREFIX/<uuid>.<ext> in a bucket of any S3-compatible
// store (AWS, MinIO, s3rver), indexed with their owner and expiry in a store::MediaIndex
// (MediaRecord::path holds the object key), so every API node and worker that shares the bucket
// and the index sees the same media.
//
// Writers stage into a local scratch directory (hidden files ".tmp-...", as LocalMediaStore);
// commit() uploads the scratch file, then indexes it (object first, index second: never an index
// row without its object; an object whose indexing failed is deleted again), then deletes the
// scratch file. read() GETs the object or a range of it; locate() answers a presigned GET URL
// (valid for the record's remaining life, at most max_url_life_s), which the API node's media
// route redirects to; url() builds the same /media/ URLs as LocalMediaStore. Deletions
// (remove_task_media, sweep_expired) delete the objects first and then their index rows, so a
// failed delete leaves the row for the next attempt instead of an orphan object.
//
// Calls that reach the store (commit, read, the deletions) may wait for retries: workers and the
// sweeper call them, never an io thread. find, locate, url and stage do not touch the network.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "common/clock.hpp"
#include "common/result.hpp"
#include "delivery/media_store.hpp"
#include "delivery/media_urls.hpp"
#include "delivery/s3_location.hpp"
#include "fetch/s3_client.hpp"
#include "store/media_index.hpp"

namespace vidserve::delivery {

struct S3MediaOptions {
  // The largest read() (whole media or range), as LocalMediaOptions::max_read_bytes.
  std::uint64_t max_read_bytes = std::uint64_t{2} << 30;
  // The longest life of a URL locate() answers.
  std::int64_t max_url_life_s = 3600;
  // nullopt: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN.
  std::optional<fetch::S3Credentials> credentials;
  // Timeouts and retries; its clock is replaced by the store's.
  fetch::S3ClientOptions client;
};

class S3MediaStore final : public MediaStore {
 public:
  // Creates `scratch_dir` when missing and checks that the bucket exists and the credentials may
  // use it (HEAD bucket); the error says which of these failed, and where.
  static Result<std::unique_ptr<S3MediaStore>> open(const S3Location& location,
                                                    store::MediaIndex& index,
                                                    std::filesystem::path scratch_dir,
                                                    const Clock& clock,
                                                    S3MediaOptions options = {});

  Result<StagedMedia> stage(const std::string& uuid, const std::string& content_type) override;
  Result<store::MediaRecord> commit(const StagedMedia& staged, const std::string& owner,
                                    const std::string& task_uuid,
                                    std::optional<std::int64_t> ttl_s) override;
  void discard(const StagedMedia& staged) override;

  Result<store::MediaRecord> find(const std::string& uuid) const override;
  Result<std::string> read(const std::string& uuid,
                           std::optional<ByteRange> range = std::nullopt) const override;
  // Always a RemoteUrl: a presigned GET of the record's object.
  Result<MediaLocation> locate(const store::MediaRecord& record) const override;

  void set_public_base_url(std::string base) override { urls_.set_base(std::move(base)); }
  bool ready() const override { return urls_.ready(); }
  std::string url(const std::string& uuid, const std::string& content_type) const override {
    return urls_.url(uuid, content_type);
  }

  Result<std::size_t> remove_task_media(const std::string& owner,
                                        const std::string& task_uuid) override;
  // Stops at the first object the store fails to delete (the rest waits for the next sweep).
  std::size_t sweep_expired() override;
  // Deletes every file of the scratch directory whose name starts with ".".
  std::size_t remove_stale_scratch() override;
  // The free space of the scratch directory's file system (media are written there first).
  Result<std::uint64_t> free_bytes() const override;
  // Whether the bucket answers (a HEAD of it, bounded by the client's timeouts): readiness.
  Status check_reachable() const;

  const S3Location& location() const { return location_; }
  // The object key of a media: "PREFIX/<uuid>.<ext>".
  std::string key_for(const std::string& uuid, const std::string& content_type) const;

 private:
  S3MediaStore(S3Location location, fetch::S3Client client, store::MediaIndex& index,
               std::filesystem::path scratch_dir, const Clock& clock, S3MediaOptions options);

  // Uploads and indexes a staged media whose scratch file holds `size` bytes.
  Result<store::MediaRecord> publish(const StagedMedia& staged, std::uint64_t size,
                                     store::MediaRecord record);

  S3Location location_;
  fetch::S3Client client_;
  store::MediaIndex& index_;
  std::filesystem::path scratch_dir_;
  const Clock& clock_;
  S3MediaOptions options_;
  MediaUrls urls_;
};

}  // namespace vidserve::delivery
