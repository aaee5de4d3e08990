#pragma once
// What the media stores share about local files (internal to delivery): scratch files, hidden
// files ".tmp-<random>-<uuid>.<ext>" in one directory that stage() hands out and commit()
// consumes; the removal of those a killed process left; free space; and the bounds of a read.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "common/result.hpp"
#include "delivery/media_store.hpp"
#include "store/media_index.hpp"

namespace vidserve::delivery::detail {

// A new scratch file name in `dir` for the media `uuid` of this type (the file is not created).
// errc::kInvalidMediaId unless valid_media_id(uuid).
Result<StagedMedia> stage_in(const std::filesystem::path& dir, const std::string& uuid,
                             const std::string& content_type);
// The index record of a media committed now (`now_ms`): stored at `path` (a file or an object
// key), `size` bytes, expiring `ttl_s` seconds later (never without).
store::MediaRecord committed_record(const StagedMedia& staged, const std::string& owner,
                                    const std::string& task_uuid, std::optional<std::int64_t> ttl_s,
                                    std::string path, std::uint64_t size, std::int64_t now_ms);
// Whether `path` is a scratch file stage_in(dir, ...) hands out.
bool is_scratch(const std::filesystem::path& dir, const std::filesystem::path& path);
// Deletes every file of `dir` whose name starts with "."; returns how many.
std::size_t remove_hidden_files(const std::filesystem::path& dir);
// What an unprivileged writer can still add to the file system of `dir`; `what` names it in an
// error ("the media directory").
Result<std::uint64_t> free_space(const std::filesystem::path& dir, const std::string& what);
// The bytes a read returns: `range` when it lies within a media of `size` bytes
// (errc::kRangeNotSatisfiable otherwise), the whole media without one; never more than `limit`
// (errc::kMediaTooLarge).
Result<ByteRange> bounded_read(const std::optional<ByteRange>& range, std::uint64_t size,
                               std::uint64_t limit);

}  // namespace vidserve::delivery::detail
