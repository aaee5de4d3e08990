#pragma once
// The local media store: media as files in one directory, <dir>/<uuid>.<ext>, indexed with their
// owner and expiry (ttl) in a store::MediaIndex, served by this server at /media/<uuid>.<ext>.
// Scratch files are hidden files in the same directory (".tmp-..."), so a commit is an atomic
// rename on one file system.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "common/clock.hpp"
#include "common/result.hpp"
#include "delivery/media_store.hpp"
#include "delivery/media_urls.hpp"
#include "store/media_index.hpp"

namespace vidserve::delivery {

struct LocalMediaOptions {
  // The largest read() (whole media or range). The default fits the largest media an engine
  // writes (the kling engine's download limit, 2 GiB).
  std::uint64_t max_read_bytes = std::uint64_t{2} << 30;
};

class LocalMediaStore final : public MediaStore {
 public:
  // Creates `dir` when missing.
  LocalMediaStore(std::filesystem::path dir, store::MediaIndex& index, const Clock& clock,
                  LocalMediaOptions options = {});

  Result<StagedMedia> stage(const std::string& uuid, const std::string& content_type) override;
  Result<store::MediaRecord> commit(const StagedMedia& staged, const std::string& owner,
                                    const std::string& task_uuid,
                                    std::optional<std::int64_t> ttl_s) override;
  void discard(const StagedMedia& staged) override;

  Result<store::MediaRecord> find(const std::string& uuid) const override;
  Result<std::string> read(const std::string& uuid,
                           std::optional<ByteRange> range = std::nullopt) const override;
  // Always a LocalFile: the record's file.
  Result<MediaLocation> locate(const store::MediaRecord& record) const override;

  void set_public_base_url(std::string base) override { urls_.set_base(std::move(base)); }
  bool ready() const override { return urls_.ready(); }
  std::string url(const std::string& uuid, const std::string& content_type) const override {
    return urls_.url(uuid, content_type);
  }

  Result<std::size_t> remove_task_media(const std::string& owner,
                                        const std::string& task_uuid) override;
  std::size_t sweep_expired() override;
  // Deletes every file whose name starts with ".".
  std::size_t remove_stale_scratch() override;
  // What an unprivileged writer can still add to the directory's file system.
  Result<std::uint64_t> free_bytes() const override;

  const std::filesystem::path& dir() const { return dir_; }

 private:
  std::filesystem::path path_for(const std::string& uuid, const std::string& content_type) const;
  // Whether `path` is a scratch file of this store (what stage() hands out).
  bool is_scratch(const std::filesystem::path& path) const;

  std::filesystem::path dir_;
  store::MediaIndex& index_;
  const Clock& clock_;
  LocalMediaOptions options_;
  MediaUrls urls_;
};

}  // namespace vidserve::delivery
