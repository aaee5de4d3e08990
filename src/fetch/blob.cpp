#include "fetch/blob.hpp"

#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "common/io_error.hpp"

namespace vidserve::fetch {

SpoolFile::~SpoolFile() {
  std::error_code ignored;
  std::filesystem::remove(path_, ignored);
}

Result<std::string> Blob::load() const {
  if (!file) return bytes;
  errno = 0;
  std::ifstream in(file->path(), std::ios::binary);
  std::string out(file->size(), '\0');
  if (!in.read(out.data(), static_cast<std::streamsize>(out.size()))) {
    return io_error(errno ? errno : EIO, "cannot read a spooled input back");
  }
  return out;
}

}  // namespace vidserve::fetch
