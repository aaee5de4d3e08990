#pragma once
// MediaIndex on SQLite (table media).
#include <memory>
#include <string>

#include "common/clock.hpp"
#include "store/media_index.hpp"

namespace vidserve::store {

class SqliteDatabase;

class SqliteMediaIndex final : public MediaIndex {
 public:
  // `clock` must outlive the index.
  static Result<std::unique_ptr<SqliteMediaIndex>> open(const std::string& path,
                                                        const Clock& clock);
  SqliteMediaIndex(std::shared_ptr<SqliteDatabase> db, const Clock& clock);

  Status put(MediaRecord record) override;
  Result<MediaRecord> get(std::string_view media_uuid) override;
  Result<std::vector<MediaRecord>> expired(std::int64_t now_ms, std::size_t limit) override;
  Result<std::vector<MediaRecord>> for_task(std::string_view owner, std::string_view task_uuid) override;
  Status remove(std::string_view media_uuid) override;

 private:
  std::shared_ptr<SqliteDatabase> db_;
  const Clock& clock_;
};

}  // namespace vidserve::store
