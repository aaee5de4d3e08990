#pragma once
// A resolved media input: its bytes and MIME type. Small inputs (and every image) are held in
// memory; a large video or audio fetched from a URL stays in a spool file on disk (SpoolFile),
// so the tasks a worker holds never keep their media in RAM.
#include <cstddef>
#include <memory>
#include <string>

#include "common/result.hpp"

namespace vidserve::fetch {

// A file holding one input's bytes, removed when the last Blob holding it goes.
class SpoolFile {
 public:
  SpoolFile(std::string path, std::size_t size) : path_(std::move(path)), size_(size) {}
  ~SpoolFile();
  SpoolFile(const SpoolFile&) = delete;
  SpoolFile& operator=(const SpoolFile&) = delete;

  const std::string& path() const { return path_; }
  std::size_t size() const { return size_; }

 private:
  std::string path_;
  std::size_t size_;
};

struct Blob {
  std::string bytes;         // the bytes, unless `file` holds them
  std::string content_type;  // lower case; "application/octet-stream" when nothing better is known
  std::shared_ptr<const SpoolFile> file = nullptr;  // set: the bytes are in this file, `bytes` is empty

  std::size_t size() const { return file ? file->size() : bytes.size(); }
  // The bytes in memory, read from the file when they are in one ("storage" when it cannot be
  // read; no path in the message).
  Result<std::string> load() const;
};

}  // namespace vidserve::fetch
