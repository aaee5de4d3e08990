#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "common/io_error.hpp"
#include "delivery/media_store.hpp"

namespace vidserve::delivery {

namespace {

constexpr std::size_t kMaxMediaIdLength = 64;

// Writes `bytes` to a new file at `path` (commit makes it durable).
Status write_file(const std::filesystem::path& path, const std::string& bytes) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return io_error(errno, "cannot create a media file");
  std::size_t written = 0;
  while (written < bytes.size()) {
    const auto n = ::write(fd, bytes.data() + written, bytes.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int errnum =
          n < 0 ? errno : ENOSPC;  // write(2) returning 0 for a regular file: no room
      ::close(fd);
      return io_error(errnum, "cannot write a media file");
    }
    written += static_cast<std::size_t>(n);
  }
  if (::close(fd) != 0) return io_error(errno, "cannot write a media file");
  return Ok{};
}

}  // namespace

bool valid_media_id(const std::string& uuid) {
  if (uuid.empty() || uuid.size() > kMaxMediaIdLength) return false;
  for (const char c : uuid) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

Result<store::MediaRecord> MediaStore::save(const std::string& owner, const std::string& task_uuid,
                                            const std::string& uuid, const std::string& bytes,
                                            const std::string& content_type,
                                            std::optional<std::int64_t> ttl_s) {
  auto staged = stage(uuid, content_type);
  if (!staged) return staged.error();
  if (auto written = write_file(staged->path, bytes); !written) {
    discard(*staged);
    return written.error();
  }
  return commit(*staged, owner, task_uuid, ttl_s);
}

}  // namespace vidserve::delivery
