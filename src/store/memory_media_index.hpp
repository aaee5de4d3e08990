#pragma once
// In-memory MediaIndex: the fake for unit tests of the delivery module.
#include <map>
#include <mutex>
#include <string>

#include "common/clock.hpp"
#include "store/media_index.hpp"

namespace vidserve::store {

class MemoryMediaIndex final : public MediaIndex {
 public:
  // `clock` must outlive the index.
  explicit MemoryMediaIndex(const Clock& clock) : clock_(clock) {}

  Status put(MediaRecord record) override;
  Result<MediaRecord> get(std::string_view media_uuid) override;
  Result<std::vector<MediaRecord>> expired(std::int64_t now_ms, std::size_t limit) override;
  Result<std::vector<MediaRecord>> for_task(std::string_view owner, std::string_view task_uuid) override;
  Status remove(std::string_view media_uuid) override;

 private:
  const Clock& clock_;
  std::mutex mutex_;
  std::map<std::string, MediaRecord, std::less<>> media_;
};

}  // namespace vidserve::store
