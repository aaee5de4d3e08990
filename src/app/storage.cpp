// open_storage and the start-up steps over it (server_parts.hpp): SQLite and the local media
// directory here; the shared store comes from shared_storage.cpp.
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>

#include "app/error_codes.hpp"
#include "app/request_upgrade.hpp"
#include "app/server_parts.hpp"
#include "app/storage_urls.hpp"
#include "common/io_error.hpp"
#include "common/log.hpp"
#include "delivery/local_media_store.hpp"
#include "store/sqlite_database.hpp"
#include "store/sqlite_key_store.hpp"
#include "store/sqlite_media_index.hpp"
#include "store/sqlite_task_store.hpp"

namespace vidserve::app {

namespace fs = std::filesystem;

Storage::~Storage() {
  if (lock_fd >= 0) ::close(lock_fd);  // releases the flock
}

namespace {

constexpr int kSqliteWorkers = 2;
constexpr std::int64_t kSqliteLeaseMs = 10 * 60 * 1000;
constexpr std::int64_t kSharedLeaseMs = 30 * 1000;

// The descriptor holding an exclusive flock on DATA/vidserve.lock. A second process on the same
// directory is refused before it touches anything; the lock goes with the process, even after
// kill -9, so a crash never leaves the directory locked.
Result<int> lock_data_dir(const fs::path& data_dir) {
  const auto path = data_dir / "vidserve.lock";
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return io_error(errno, "cannot open the lock file in " + data_dir.string());
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    ::close(fd);
    if (err == EWOULDBLOCK) {
      return Error{errc::kDataDirInUse, "another vidserve process uses the data directory " +
                                            data_dir.string() +
                                            "; give each process its own --data"};
    }
    return io_error(err, "cannot lock " + path.string());
  }
  return fd;
}

Result<std::unique_ptr<Storage>> open_sqlite_storage(const ServeOptions& options,
                                                     const Clock& clock) {
  auto s = std::make_unique<Storage>(clock);
  auto db = store::SqliteDatabase::open((options.data_dir / "vidserve.db").string());
  if (!db) return db.error();
  auto tasks = std::make_unique<store::SqliteTaskStore>(*db, clock);
  tasks->set_max_active_per_owner(options.max_queued_per_key);
  s->outbox = tasks.get();
  s->tasks = std::move(tasks);
  s->keys = std::make_unique<store::SqliteKeyStore>(*db, clock);
  s->spend = std::make_unique<store::SqliteSpendLedger>(*db);
  s->media_index = std::make_unique<store::SqliteMediaIndex>(*db, clock);
  s->db = std::move(db).value();
  s->media = std::make_unique<delivery::LocalMediaStore>(options.data_dir / "media",
                                                         *s->media_index, clock);
  s->events = std::make_unique<store::LocalTaskEvents>();
  return s;
}

}  // namespace

Result<std::unique_ptr<Storage>> open_storage(const ServeOptions& options, const Clock& clock) {
  auto kinds = storage_kinds(options.store_url, options.media_url);
  if (!kinds) return kinds.error();
  auto catalog = catalog::Catalog::load_default();
  if (!catalog) return catalog.error();
  std::error_code ec;
  fs::create_directories(options.data_dir / (kinds->media == MediaKind::S3 ? "scratch" : "media"),
                         ec);
  if (ec)
    return Error{io_errc::kStorage,
                 "cannot create " + options.data_dir.string() + ": " + ec.message()};
  auto locked = lock_data_dir(options.data_dir);
  if (!locked) return locked.error();
  auto storage =
      kinds->shared() ? open_shared_storage(options, clock) : open_sqlite_storage(options, clock);
  if (!storage) {
    ::close(*locked);
    return storage.error();
  }
  auto& s = **storage;
  s.lock_fd = *locked;
  s.shared = kinds->shared();
  s.catalog = std::move(catalog).value();
  s.store_shown = shown_store(options.store_url, options.data_dir.string());
  s.media_shown = shown_media(options.media_url, options.data_dir.string());
  return storage;
}

Result<KeyStorage> open_key_storage(const std::string& store_url, const fs::path& data_dir,
                                    const Clock& clock) {
  auto kinds = storage_kinds(store_url, "");
  if (!kinds) return kinds.error();
  if (kinds->shared()) return open_shared_key_storage(store_url, clock);
  std::error_code ec;
  fs::create_directories(data_dir, ec);
  auto db = store::SqliteDatabase::open((data_dir / "vidserve.db").string());
  if (!db) return db.error();
  KeyStorage s;
  s.keys = std::make_unique<store::SqliteKeyStore>(*db, clock);
  s.spend = std::make_unique<store::SqliteSpendLedger>(*db);
  s.db = std::move(db).value();
  return s;
}

Status resume_stored_tasks(Storage& storage) {
  // This process's own scratch files: the data directory is locked.
  storage.media->remove_stale_scratch();
  // Right only for the one process working this database (the SQLite store, locked with the data
  // directory); other processes' workers would lose their tasks.
  if (!storage.shared) {
    if (auto requeued = storage.tasks->requeue_interrupted(); requeued && *requeued > 0) {
      log::get().info("resuming {} interrupted task(s)", *requeued);
    }
  }
  auto upgraded = upgrade_stored_requests(*storage.tasks);
  if (!upgraded) return upgraded.error();
  if (*upgraded > 0) {
    log::get().info("converted {} stored task(s) to the current format", *upgraded);
  }
  return Ok{};
}

int worker_count(const ServeOptions& options, const Storage& storage) {
  if (options.workers >= 0) return options.workers;
  return storage.shared ? 0 : kSqliteWorkers;
}

std::int64_t lease_ms(const ServeOptions& options, const Storage& storage) {
  if (options.lease_ms > 0) return options.lease_ms;
  return storage.shared ? kSharedLeaseMs : kSqliteLeaseMs;
}

}  // namespace vidserve::app
