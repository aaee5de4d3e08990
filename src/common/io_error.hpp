#pragma once
// Errors of file writes as values. A full disk or an exhausted quota has its own code,
// "storageFull", so a worker can wait for space instead of failing the task for good; every other
// I/O failure is "storage". Messages name the operation and the errno text, never a file path:
// they can reach clients (a task's error). Callers that want the path log it themselves.
#include <cerrno>
#include <cstring>
#include <string>

#include "common/error_codes.hpp"
#include "common/result.hpp"

namespace vidserve {

inline bool is_disk_full(int errnum) {
  return errnum == ENOSPC || errnum == EDQUOT;
}

// "cannot write the media file: No space left on device".
inline Error io_error(int errnum, const std::string& what) {
  const char* code = is_disk_full(errnum) ? io_errc::kStorageFull : io_errc::kStorage;
  return Error{code, errnum != 0 ? what + ": " + std::strerror(errnum) : what};
}

}  // namespace vidserve
