#include "delivery/local_media_store.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>

#include "common/io_error.hpp"
#include "common/log.hpp"
#include "delivery/media_types.hpp"
#include "delivery/scratch_files.hpp"
#include "store/task_store.hpp"

namespace vidserve::delivery {

namespace fs = std::filesystem;

namespace {

// A failed write as a path-free error (it can reach a client as the task's error); the path goes
// to the log.
// A full disk is a warning (the task waits for space), anything else an error.
Error write_error(int errnum, const char* what, const fs::path& path) {
  auto error = io_error(errnum, what);
  const auto level = error.code == io_errc::kStorageFull ? spdlog::level::warn : spdlog::level::err;
  log::get(log::kMedia).log(level, "{} ({})", error.message, path.string());
  return error;
}

// Flushes the scratch file to disk, renames it into place and syncs the directory, so the media
// is on disk under its name before the index names it. The scratch file is gone afterwards.
Status publish(const fs::path& tmp, const fs::path& final_path) {
  const int fd = ::open(tmp.c_str(), O_RDONLY | O_CLOEXEC);
  const int synced = fd < 0 ? errno : (::fsync(fd) == 0 ? 0 : errno);
  if (fd >= 0) ::close(fd);
  if (synced != 0) {
    ::unlink(tmp.c_str());
    return write_error(synced, "cannot write a media file", tmp);
  }
  std::error_code ec;
  if (fs::rename(tmp, final_path, ec); ec) {
    ::unlink(tmp.c_str());
    return write_error(ec.value(), "cannot store a media file", final_path);
  }
  const auto dir = final_path.parent_path();
  const int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  const int dir_synced = dir_fd < 0 ? errno : (::fsync(dir_fd) == 0 || errno == EINVAL ? 0 : errno);
  if (dir_fd >= 0) ::close(dir_fd);
  if (dir_synced != 0) {
    ::unlink(final_path.c_str());  // not durable, so not the media: nothing unindexed stays behind
    return write_error(dir_synced, "cannot store a media file", dir);
  }
  return Ok{};
}

}  // namespace

LocalMediaStore::LocalMediaStore(fs::path dir, store::MediaIndex& index, const Clock& clock,
                                 LocalMediaOptions options)
    : dir_(std::move(dir)), index_(index), clock_(clock), options_(options) {
  std::error_code ec;
  fs::create_directories(dir_, ec);
}

fs::path LocalMediaStore::path_for(const std::string& uuid, const std::string& content_type) const {
  return dir_ / (uuid + "." + extension_for(content_type));
}

bool LocalMediaStore::is_scratch(const fs::path& path) const {
  return detail::is_scratch(dir_, path);
}

Result<StagedMedia> LocalMediaStore::stage(const std::string& uuid,
                                           const std::string& content_type) {
  return detail::stage_in(dir_, uuid, content_type);
}

void LocalMediaStore::discard(const StagedMedia& staged) {
  if (!is_scratch(staged.path)) return;  // not a file this store handed out
  std::error_code ec;
  fs::remove(staged.path, ec);
}

Result<store::MediaRecord> LocalMediaStore::commit(const StagedMedia& staged,
                                                   const std::string& owner,
                                                   const std::string& task_uuid,
                                                   std::optional<std::int64_t> ttl_s) {
  if (!is_scratch(staged.path) || !valid_media_id(staged.uuid)) {
    return Error{io_errc::kStorage, "not a media staged by this store"};
  }
  std::error_code ec;
  const auto size = fs::file_size(staged.path, ec);
  if (ec) {
    discard(staged);
    return write_error(ec.value(), "the media file to store is missing", staged.path);
  }
  const auto path = path_for(staged.uuid, staged.content_type);
  if (auto published = publish(staged.path, path); !published) return published.error();
  const auto record = detail::committed_record(staged, owner, task_uuid, ttl_s, path.string(),
                                               size, clock_.now_ms());
  if (auto put = index_.put(record); !put) {
    ::unlink(path.c_str());  // no file the index does not name (no sweep would ever find it)
    return put.error();
  }
  return record;
}

Result<store::MediaRecord> LocalMediaStore::find(const std::string& uuid) const {
  return index_.get(uuid);
}

Result<std::string> LocalMediaStore::read(const std::string& uuid,
                                          std::optional<ByteRange> range) const {
  auto record = find(uuid);
  if (!record) return record.error();
  std::ifstream in(record->path, std::ios::binary | std::ios::ate);
  if (!in) return Error{io_errc::kStorage, "media file missing for " + uuid};
  const auto size = static_cast<std::uint64_t>(in.tellg());
  auto span = detail::bounded_read(range, size, options_.max_read_bytes);
  if (!span) return span.error();
  std::string bytes(static_cast<std::size_t>(span->length), '\0');
  in.seekg(static_cast<std::streamoff>(span->offset));
  in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (static_cast<std::uint64_t>(in.gcount()) != span->length) {
    return Error{io_errc::kStorage, "cannot read the media file of " + uuid};
  }
  return bytes;
}

Result<MediaLocation> LocalMediaStore::locate(const store::MediaRecord& record) const {
  return MediaLocation{LocalFile{record.path}};
}

std::size_t LocalMediaStore::remove_stale_scratch() { return detail::remove_hidden_files(dir_); }

Result<std::uint64_t> LocalMediaStore::free_bytes() const {
  return detail::free_space(dir_, "the media directory");
}

Result<std::size_t> LocalMediaStore::remove_task_media(const std::string& owner,
                                                       const std::string& task_uuid) {
  auto records = index_.for_task(owner, task_uuid);
  if (!records) return records.error();
  for (const auto& record : *records) {
    std::error_code ec;
    fs::remove(record.path, ec);  // already gone (ttl) is fine
    if (auto removed = index_.remove(record.media_uuid);
        !removed && removed.error().code != store::errc::kNotFound) {
      return removed.error();
    }
  }
  return records->size();
}

std::size_t LocalMediaStore::sweep_expired() {
  std::size_t removed = 0;
  for (;;) {
    auto batch = index_.expired(clock_.now_ms(), 100);
    if (!batch || batch->empty()) return removed;
    for (const auto& record : *batch) {
      std::error_code ec;
      fs::remove(record.path, ec);
      (void)index_.remove(record.media_uuid);
      ++removed;
    }
  }
}

}  // namespace vidserve::delivery
