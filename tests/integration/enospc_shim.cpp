// LD_PRELOAD fault injection for the disk-full test (queue_test.py): the first
// VIDSERVE_ENOSPC_WRITES calls of write/writev/pwrite/pwrite64 on files whose path starts with
// VIDSERVE_ENOSPC_DIR fail with ENOSPC, as on a full disk; everything else is untouched. No mount
// or privilege needed. Test code only: never linked into vidserve.
#include <dlfcn.h>
#include <sys/uio.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {

std::atomic<long> remaining{-1};  // -1: not read from the environment yet

bool under_dir(int fd) {
  const char* dir = std::getenv("VIDSERVE_ENOSPC_DIR");
  if (dir == nullptr || *dir == '\0') return false;
  char link[64];
  char path[4096];
  std::snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  const ssize_t n = ::readlink(link, path, sizeof path - 1);
  if (n <= 0) return false;
  path[n] = '\0';
  return std::strncmp(path, dir, std::strlen(dir)) == 0;
}

bool should_fail(int fd) {
  if (remaining.load() == 0 || !under_dir(fd)) return false;
  long left = remaining.load();
  if (left < 0) {
    const char* n = std::getenv("VIDSERVE_ENOSPC_WRITES");
    long expected = -1;
    remaining.compare_exchange_strong(expected, n ? std::atol(n) : 0);
    left = remaining.load();
  }
  while (left > 0) {
    if (remaining.compare_exchange_weak(left, left - 1)) return true;
  }
  return false;
}

template <class F>
F real(const char* name) {
  return reinterpret_cast<F>(::dlsym(RTLD_NEXT, name));
}

}  // namespace

extern "C" {

ssize_t write(int fd, const void* buf, size_t count) {
  static const auto next = real<ssize_t (*)(int, const void*, size_t)>("write");
  if (should_fail(fd)) return errno = ENOSPC, -1;
  return next(fd, buf, count);
}

ssize_t writev(int fd, const struct iovec* iov, int iovcnt) {
  static const auto next = real<ssize_t (*)(int, const struct iovec*, int)>("writev");
  if (should_fail(fd)) return errno = ENOSPC, -1;
  return next(fd, iov, iovcnt);
}

ssize_t pwrite(int fd, const void* buf, size_t count, off_t offset) {
  static const auto next = real<ssize_t (*)(int, const void*, size_t, off_t)>("pwrite");
  if (should_fail(fd)) return errno = ENOSPC, -1;
  return next(fd, buf, count, offset);
}

ssize_t pwrite64(int fd, const void* buf, size_t count, off64_t offset) {
  static const auto next = real<ssize_t (*)(int, const void*, size_t, off64_t)>("pwrite64");
  if (should_fail(fd)) return errno = ENOSPC, -1;
  return next(fd, buf, count, offset);
}

}  // extern "C"
