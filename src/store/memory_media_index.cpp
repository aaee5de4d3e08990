#include "store/memory_media_index.hpp"

#include <algorithm>
#include <tuple>

#include "store/task_store.hpp"

namespace vidserve::store {

namespace {
using Lock = std::lock_guard<std::mutex>;

Error media_not_found(std::string_view media_uuid) {
  return Error{errc::kNotFound, "no media with uuid '" + std::string(media_uuid) + "'"};
}

bool is_expired(const MediaRecord& m, std::int64_t now_ms) {
  return m.expires_ms > 0 && m.expires_ms <= now_ms;
}
}  // namespace

Status MemoryMediaIndex::put(MediaRecord record) {
  if (record.media_uuid.empty()) return Error{errc::kInvalidArgument, "media_uuid is empty"};
  if (record.created_ms == 0) record.created_ms = clock_.now_ms();
  Lock lock(mutex_);
  media_[record.media_uuid] = std::move(record);
  return Ok{};
}

Result<MediaRecord> MemoryMediaIndex::get(std::string_view media_uuid) {
  Lock lock(mutex_);
  auto it = media_.find(media_uuid);
  if (it == media_.end() || is_expired(it->second, clock_.now_ms())) {
    return media_not_found(media_uuid);
  }
  return it->second;
}

Result<std::vector<MediaRecord>> MemoryMediaIndex::expired(std::int64_t now_ms, std::size_t limit) {
  Lock lock(mutex_);
  std::vector<MediaRecord> out;
  for (const auto& [uuid, m] : media_) {
    if (is_expired(m, now_ms)) out.push_back(m);
  }
  std::sort(out.begin(), out.end(), [](const MediaRecord& a, const MediaRecord& b) {
    return std::tie(a.expires_ms, a.media_uuid) < std::tie(b.expires_ms, b.media_uuid);
  });
  if (out.size() > limit) out.resize(limit);
  return out;
}

Result<std::vector<MediaRecord>> MemoryMediaIndex::for_task(std::string_view owner, std::string_view task_uuid) {
  Lock lock(mutex_);
  std::vector<MediaRecord> out;
  for (const auto& [uuid, m] : media_) {
    if (m.owner == owner && m.task_uuid == task_uuid) out.push_back(m);
  }
  return out;
}

Status MemoryMediaIndex::remove(std::string_view media_uuid) {
  Lock lock(mutex_);
  auto it = media_.find(media_uuid);
  if (it == media_.end()) return media_not_found(media_uuid);
  media_.erase(it);
  return Ok{};
}

}  // namespace vidserve::store
