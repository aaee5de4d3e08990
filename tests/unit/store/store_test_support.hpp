#pragma once
// Helpers shared by the store tests: a temporary directory removed at the end of the test, a
// task to enqueue.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "common/uuid.hpp"
#include "store/task_store.hpp"

namespace vidserve::store::testing {

class TempDir {
 public:
  TempDir()
      : path_(std::filesystem::path(::testing::TempDir()) /
              ("vidserve-store-" + uuid::generate_v4())) {
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// A task to enqueue with one "processing" result placeholder, as the front-ends store them.
inline TaskRecord make_task(const std::string& uuid, const std::string& owner) {
  TaskRecord t;
  t.task_uuid = uuid;
  t.owner = owner;
  t.task_type = "videoInference";
  t.model = "klingai:5@3";
  t.request = "{}";
  t.results = {{0, "m-" + uuid, "processing", ""}};
  return t;
}

// Everything SQLite wrote for `db_path`: the main file and its write-ahead log.
inline std::string read_database_bytes(const std::string& db_path) {
  std::string all;
  for (const std::string& p : {db_path, db_path + "-wal"}) {
    std::ifstream in(p, std::ios::binary);
    all.append(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  return all;
}

}  // namespace vidserve::store::testing
