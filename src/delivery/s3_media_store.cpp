#include "delivery/s3_media_store.hpp"

#include <algorithm>

#include "common/error_codes.hpp"
#include "common/io_error.hpp"
#include "common/log.hpp"
#include "common/log_throttle.hpp"
#include "delivery/media_types.hpp"
#include "delivery/scratch_files.hpp"
#include "store/task_store.hpp"

namespace vidserve::delivery {

namespace fs = std::filesystem;

namespace {

// Expired media deleted per index query of a sweep.
constexpr std::size_t kSweepBatch = 100;

// A failure of the object store as a storage error whose message names no key or endpoint (it can
// reach a client as a task's error); the details go to the log, at most one line every 10 s.
Error store_error(const std::string& what, const Error& cause, const Clock& clock) {
  static LogThrottle throttle(10'000);
  if (auto left_out = throttle.admit(clock.monotonic_ms())) {
    log::get(log::kMedia)
        .error("{}: {}{}", what, cause.message,
               *left_out ? " (" + std::to_string(*left_out) + " similar lines left out)" : "");
  }
  return Error{io_errc::kStorage, what};
}

void remove_file(const fs::path& path) {
  std::error_code ec;
  fs::remove(path, ec);
}

}  // namespace

Result<std::unique_ptr<S3MediaStore>> S3MediaStore::open(const S3Location& location,
                                                         store::MediaIndex& index,
                                                         fs::path scratch_dir, const Clock& clock,
                                                         S3MediaOptions options) {
  fetch::S3Credentials credentials;
  if (options.credentials) {
    credentials = *options.credentials;
  } else {
    auto from_env = fetch::S3Credentials::from_env();
    if (!from_env) return from_env.error();
    credentials = std::move(*from_env);
  }
  std::error_code ec;
  fs::create_directories(scratch_dir, ec);
  if (ec || !fs::is_directory(scratch_dir, ec)) {
    return Error{io_errc::kStorage, "cannot create the S3 media store's scratch directory " +
                                        scratch_dir.string() + ": " + ec.message()};
  }
  options.client.clock = &clock;
  fetch::S3Client client(location.bucket, std::move(credentials), options.client);
  if (auto reachable = client.head_bucket(); !reachable) {
    return Error{reachable.error().code, "the S3 media store " + location.describe() +
                                             " cannot be used: " + reachable.error().message};
  }
  return std::unique_ptr<S3MediaStore>(
      new S3MediaStore(location, std::move(client), index, std::move(scratch_dir), clock, options));
}

S3MediaStore::S3MediaStore(S3Location location, fetch::S3Client client, store::MediaIndex& index,
                           fs::path scratch_dir, const Clock& clock, S3MediaOptions options)
    : location_(std::move(location)),
      client_(std::move(client)),
      index_(index),
      scratch_dir_(std::move(scratch_dir)),
      clock_(clock),
      options_(std::move(options)) {}

std::string S3MediaStore::key_for(const std::string& uuid, const std::string& content_type) const {
  const auto name = uuid + "." + extension_for(content_type);
  return location_.prefix.empty() ? name : location_.prefix + "/" + name;
}

Result<StagedMedia> S3MediaStore::stage(const std::string& uuid, const std::string& content_type) {
  return detail::stage_in(scratch_dir_, uuid, content_type);
}

void S3MediaStore::discard(const StagedMedia& staged) {
  if (detail::is_scratch(scratch_dir_, staged.path)) remove_file(staged.path);
}

Result<store::MediaRecord> S3MediaStore::commit(const StagedMedia& staged, const std::string& owner,
                                                const std::string& task_uuid,
                                                std::optional<std::int64_t> ttl_s) {
  if (!detail::is_scratch(scratch_dir_, staged.path) || !valid_media_id(staged.uuid)) {
    return Error{io_errc::kStorage, "not a media staged by this store"};
  }
  std::error_code ec;
  const auto size = fs::file_size(staged.path, ec);
  if (ec) {
    discard(staged);
    return Error{io_errc::kStorage, "the media file to store is missing"};
  }
  auto record =
      detail::committed_record(staged, owner, task_uuid, ttl_s,
                               key_for(staged.uuid, staged.content_type), size, clock_.now_ms());
  return publish(staged, size, std::move(record));
}

Result<store::MediaRecord> S3MediaStore::publish(const StagedMedia& staged, std::uint64_t size,
                                                 store::MediaRecord record) {
  auto previous = index_.get(record.media_uuid);  // a re-run task replacing its media
  auto uploaded = client_.put_file(record.path, staged.path, staged.content_type);
  remove_file(staged.path);
  if (!uploaded) {
    if (uploaded.error().code == io_errc::kStorage) return uploaded.error();  // the scratch file
    return store_error(
        "cannot store a media of " + std::to_string(size) + " bytes in the object store",
        uploaded.error(), clock_);
  }
  if (auto put = index_.put(record); !put) {
    (void)client_.remove(record.path);  // no object the index does not name
    return put.error();
  }
  if (previous && previous->path != record.path) {
    if (auto removed = client_.remove(previous->path); !removed) {
      (void)store_error("cannot delete a replaced media", removed.error(), clock_);
    }
  }
  return record;
}

Result<store::MediaRecord> S3MediaStore::find(const std::string& uuid) const {
  return index_.get(uuid);
}

Result<std::string> S3MediaStore::read(const std::string& uuid,
                                       std::optional<ByteRange> range) const {
  auto record = find(uuid);
  if (!record) return record.error();
  const auto size = static_cast<std::uint64_t>(std::max<std::int64_t>(0, record->size_bytes));
  auto span = detail::bounded_read(range, size, options_.max_read_bytes);
  if (!span) return span.error();
  auto bytes = range ? client_.get_range(record->path, span->offset, span->length)
                     : client_.get(record->path, span->length);
  if (!bytes) {
    if (bytes.error().code == vidserve::errc::kNotFound) {
      return Error{io_errc::kStorage, "media object missing for " + uuid};
    }
    return store_error("cannot read the media " + uuid + " from the object store", bytes.error(),
                       clock_);
  }
  if (bytes->size() != span->length) {
    return Error{io_errc::kStorage, "the object of the media " + uuid + " is not " +
                                        std::to_string(span->length) + " bytes long"};
  }
  return bytes;
}

Result<MediaLocation> S3MediaStore::locate(const store::MediaRecord& record) const {
  const auto now = clock_.now_ms();
  auto life_s = options_.max_url_life_s;
  if (record.expires_ms > 0) {
    const auto remaining_s = (record.expires_ms - now + 999) / 1000;  // rounded up
    life_s = std::min(life_s, std::max<std::int64_t>(1, remaining_s));
  }
  return MediaLocation{RemoteUrl{client_.presign_get(record.path, life_s, now)}};
}

Result<std::size_t> S3MediaStore::remove_task_media(const std::string& owner,
                                                    const std::string& task_uuid) {
  auto records = index_.for_task(owner, task_uuid);
  if (!records) return records.error();
  for (const auto& record : *records) {
    if (auto removed = client_.remove(record.path); !removed) {
      return store_error("cannot delete the media of a task from the object store", removed.error(),
                         clock_);
    }
    if (auto removed = index_.remove(record.media_uuid);
        !removed && removed.error().code != store::errc::kNotFound) {
      return removed.error();
    }
  }
  return records->size();
}

std::size_t S3MediaStore::sweep_expired() {
  std::size_t removed = 0;
  for (;;) {
    auto batch = index_.expired(clock_.now_ms(), kSweepBatch);
    if (!batch || batch->empty()) return removed;
    for (const auto& record : *batch) {
      if (auto gone = client_.remove(record.path); !gone) {
        (void)store_error("cannot delete expired media from the object store", gone.error(),
                          clock_);
        return removed;
      }
      if (auto unindexed = index_.remove(record.media_uuid);
          !unindexed && unindexed.error().code != store::errc::kNotFound) {
        return removed;  // the index fails: the next sweep tries again
      }
      ++removed;
    }
  }
}

std::size_t S3MediaStore::remove_stale_scratch() {
  return detail::remove_hidden_files(scratch_dir_);
}

Result<std::uint64_t> S3MediaStore::free_bytes() const {
  return detail::free_space(scratch_dir_, "the S3 media store's scratch directory");
}

Status S3MediaStore::check_reachable() const { return client_.head_bucket(); }

}  // namespace vidserve::delivery
