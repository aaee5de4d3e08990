#include "delivery/scratch_files.hpp"

#include <string_view>

#include "common/error_codes.hpp"
#include "common/uuid.hpp"
#include "delivery/media_types.hpp"

namespace vidserve::delivery::detail {

namespace fs = std::filesystem;

namespace {
constexpr std::string_view kScratchPrefix = ".tmp-";
}  // namespace

Result<StagedMedia> stage_in(const fs::path& dir, const std::string& uuid,
                             const std::string& content_type) {
  if (!valid_media_id(uuid)) {
    return Error{errc::kInvalidMediaId, "a media id is 1 to 64 letters, digits, '-' or '_'"};
  }
  const auto name = std::string(kScratchPrefix) + uuid::generate_v4() + "-" + uuid + "." +
                    extension_for(content_type);
  return StagedMedia{uuid, content_type, dir / name};
}

store::MediaRecord committed_record(const StagedMedia& staged, const std::string& owner,
                                    const std::string& task_uuid, std::optional<std::int64_t> ttl_s,
                                    std::string path, std::uint64_t size, std::int64_t now_ms) {
  store::MediaRecord record;
  record.media_uuid = staged.uuid;
  record.owner = owner;
  record.task_uuid = task_uuid;
  record.path = std::move(path);
  record.content_type = staged.content_type;
  record.size_bytes = static_cast<std::int64_t>(size);
  record.created_ms = now_ms;
  record.expires_ms = ttl_s ? now_ms + *ttl_s * 1000 : 0;
  return record;
}

bool is_scratch(const fs::path& dir, const fs::path& path) {
  return path.parent_path() == dir && path.filename().string().rfind(kScratchPrefix, 0) == 0;
}

std::size_t remove_hidden_files(const fs::path& dir) {
  std::size_t removed = 0;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.path().filename().string().rfind('.', 0) != 0) continue;
    std::error_code remove_ec;
    if (fs::remove(entry.path(), remove_ec)) ++removed;
  }
  return removed;
}

Result<std::uint64_t> free_space(const fs::path& dir, const std::string& what) {
  std::error_code ec;
  const auto space = fs::space(dir, ec);
  if (ec) {
    return Error{io_errc::kStorage, "cannot read the free space of " + what + ": " + ec.message()};
  }
  return static_cast<std::uint64_t>(space.available);
}

Result<ByteRange> bounded_read(const std::optional<ByteRange>& range, std::uint64_t size,
                               std::uint64_t limit) {
  const ByteRange r = range.value_or(ByteRange{0, size});
  if (range && (r.length == 0 || r.offset >= size || r.length > size - r.offset)) {
    return Error{errc::kRangeNotSatisfiable,
                 "bytes " + std::to_string(r.offset) + " + " + std::to_string(r.length) +
                     " are not within the media (" + std::to_string(size) + " bytes)"};
  }
  if (r.length > limit) {
    return Error{errc::kMediaTooLarge, "a read of " + std::to_string(r.length) +
                                           " bytes is over the limit of " + std::to_string(limit) +
                                           "; read a range"};
  }
  return r;
}

}  // namespace vidserve::delivery::detail
