#include "delivery/media_store.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "common/io_error.hpp"
#include "common/uuid.hpp"
#include "delivery/media_types.hpp"
#include "store/task_store.hpp"

namespace vidserve::delivery {

namespace fs = std::filesystem;

namespace {

// A failed write as a path-free error (it can reach a client as the task's error); the path goes
// to the log.
Error write_error(int errnum, const char* what, const fs::path& path) {
  auto error = io_error(errnum, what);
  std::fprintf(stderr, "vidserve media: %s (%s)\n", error.message.c_str(), path.c_str());
  return error;
}

Status write_durably(const fs::path& tmp, const fs::path& final_path, const std::string& bytes) {
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return write_error(errno, "cannot create a media file", tmp);
  std::size_t written = 0;
  while (written < bytes.size()) {
    const auto n = ::write(fd, bytes.data() + written, bytes.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int errnum = n < 0 ? errno : ENOSPC;  // write(2) returning 0 for a regular file: no room
      ::close(fd);
      ::unlink(tmp.c_str());
      return write_error(errnum, "cannot write a media file", tmp);
    }
    written += static_cast<std::size_t>(n);
  }
  const int synced = ::fsync(fd) == 0 ? 0 : errno;
  ::close(fd);
  if (synced != 0) {
    ::unlink(tmp.c_str());
    return write_error(synced, "cannot write a media file", tmp);
  }
  std::error_code ec;
  if (fs::rename(tmp, final_path, ec); ec) {
    ::unlink(tmp.c_str());
    return write_error(ec.value(), "cannot store a media file", final_path);
  }
  return Ok{};
}

}  // namespace

MediaStore::MediaStore(fs::path dir, store::MediaIndex& index, const Clock& clock)
    : dir_(std::move(dir)), index_(index), clock_(clock) {
  std::error_code ec;
  fs::create_directories(dir_, ec);
}

fs::path MediaStore::path_for(const std::string& uuid, const std::string& content_type) const {
  return dir_ / (uuid + "." + extension_for(content_type));
}

fs::path MediaStore::temp_path(const std::string& name) const {
  return dir_ / (".tmp-" + uuid::generate_v4() + "-" + name);
}

Result<store::MediaRecord> MediaStore::adopt(const std::string& owner, const std::string& task_uuid,
                                             const std::string& uuid, const std::string& content_type,
                                             std::optional<std::int64_t> ttl_s) {
  const auto path = path_for(uuid, content_type);
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  if (ec) return write_error(ec.value(), "the rendered media file is missing", path);
  store::MediaRecord record;
  record.media_uuid = uuid;
  record.owner = owner;
  record.task_uuid = task_uuid;
  record.path = path.string();
  record.content_type = content_type;
  record.size_bytes = static_cast<std::int64_t>(size);
  record.created_ms = clock_.now_ms();
  record.expires_ms = ttl_s ? record.created_ms + *ttl_s * 1000 : 0;
  if (auto put = index_.put(record); !put) return put.error();
  return record;
}

Result<store::MediaRecord> MediaStore::save(const std::string& owner, const std::string& task_uuid,
                                            const std::string& uuid, const std::string& bytes,
                                            const std::string& content_type,
                                            std::optional<std::int64_t> ttl_s) {
  if (auto written = write_durably(temp_path(uuid), path_for(uuid, content_type), bytes); !written) {
    return written.error();
  }
  return adopt(owner, task_uuid, uuid, content_type, ttl_s);
}

Result<store::MediaRecord> MediaStore::find(const std::string& uuid) const { return index_.get(uuid); }

Result<std::string> MediaStore::read(const std::string& uuid) const {
  auto record = find(uuid);
  if (!record) return record.error();
  std::ifstream in(record->path, std::ios::binary);
  if (!in) return Error{io_errc::kStorage, "media file missing for " + uuid};
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

std::size_t MediaStore::remove_stale_scratch() {
  std::size_t removed = 0;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir_, ec)) {
    if (entry.path().filename().string().rfind('.', 0) != 0) continue;
    std::error_code remove_ec;
    if (fs::remove(entry.path(), remove_ec)) ++removed;
  }
  return removed;
}

Result<std::uint64_t> MediaStore::free_bytes() const {
  std::error_code ec;
  const auto space = std::filesystem::space(dir_, ec);
  if (ec) return Error{io_errc::kStorage, "cannot read the free space of the media directory: " + ec.message()};
  return static_cast<std::uint64_t>(space.available);
}

Result<std::size_t> MediaStore::remove_task_media(const std::string& owner, const std::string& task_uuid) {
  auto records = index_.for_task(owner, task_uuid);
  if (!records) return records.error();
  for (const auto& record : *records) {
    std::error_code ec;
    fs::remove(record.path, ec);  // already gone (ttl) is fine
    if (auto removed = index_.remove(record.media_uuid); !removed && removed.error().code != store::errc::kNotFound) {
      return removed.error();
    }
  }
  return records->size();
}

std::size_t MediaStore::sweep_expired() {
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
