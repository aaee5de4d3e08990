// The stores of a shared deployment (server_parts.hpp): PostgreSQL for tasks, the webhook outbox,
// keys, spend and the media index; media in an S3-compatible object store (or this process's
// media directory, for a PostgreSQL store on one machine); task events and queue wakes over
// LISTEN/NOTIFY.
#include "app/server_parts.hpp"
#include "app/storage_urls.hpp"
#include "delivery/local_media_store.hpp"
#include "delivery/s3_location.hpp"
#include "delivery/s3_media_store.hpp"
#include "store/pg_database.hpp"
#include "store/pg_stores.hpp"
#include "store/pg_task_events.hpp"
#include "store/pg_task_store.hpp"

namespace vidserve::app {

namespace {

// The error with the URL as shown (libpq's messages never carry the password, but the URL may).
Error opening(const std::string& store_url, const Error& error) {
  return Error{error.code, "cannot open --store " + shown_url(store_url) + ": " + error.message};
}

Result<std::unique_ptr<delivery::MediaStore>> open_media(const ServeOptions& options,
                                                         store::MediaIndex& index,
                                                         const Clock& clock) {
  if (options.media_url.empty()) {
    return std::unique_ptr<delivery::MediaStore>(
        std::make_unique<delivery::LocalMediaStore>(options.data_dir / "media", index, clock));
  }
  auto location = delivery::parse_s3_url(options.media_url);
  if (!location) return location.error();
  auto media = delivery::S3MediaStore::open(*location, index, options.data_dir / "scratch", clock);
  if (!media) return media.error();
  return std::unique_ptr<delivery::MediaStore>(std::move(media).value());
}

}  // namespace

Result<std::unique_ptr<Storage>> open_shared_storage(const ServeOptions& options,
                                                     const Clock& clock) {
  auto db = store::PgDatabase::open(options.store_url);
  if (!db) return opening(options.store_url, db.error());
  auto tasks = store::PgTaskStore::open(*db, clock);
  if (!tasks) return opening(options.store_url, tasks.error());
  auto s = std::make_unique<Storage>(clock);
  s->db = *db;
  s->tasks = std::move(tasks).value();
  s->outbox = dynamic_cast<store::WebhookOutbox*>(s->tasks.get());
  s->tasks->set_max_active_per_owner(options.max_queued_per_key);
  s->keys = std::make_unique<store::PgKeyStore>(*db, clock);
  s->spend = std::make_unique<store::PgSpendLedger>(*db);
  s->media_index = std::make_unique<store::PgMediaIndex>(*db, clock);
  auto media = open_media(options, *s->media_index, clock);
  if (!media) return media.error();
  s->media = std::move(media).value();
  s->events = std::make_unique<store::PgTaskEvents>(*db);
  return s;
}

Result<KeyStorage> open_shared_key_storage(const std::string& store_url, const Clock& clock) {
  auto db = store::PgDatabase::open(store_url);
  if (!db) return opening(store_url, db.error());
  KeyStorage out;
  out.db = *db;
  out.keys = std::make_unique<store::PgKeyStore>(*db, clock);
  out.spend = std::make_unique<store::PgSpendLedger>(*db);
  return out;
}

}  // namespace vidserve::app
