#pragma once
// The parts `vidserve serve` assembles, each built by one function, so that another process (a
// worker without front-ends, say) can assemble only the parts it needs from the same builders:
//   storage   (database, task/key stores, media)   open_storage, resume_stored_tasks
//             SQLite here; PostgreSQL + S3 in shared_storage.cpp
//   engines   (engine router, input fetcher)        build_engines
//   front-ends (tasks::Context, the three APIs,     build_front_ends
//              submitter, completion waiter, webhooks, WebSocket subscriptions)
//   workers   (the scheduler)                       build_workers
// Later parts keep references into earlier ones: destroy them in reverse order.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "api/apimart/apimart_service.hpp"
#include "api/auth.hpp"
#include "api/kling/native_auth.hpp"
#include "api/kling/native_service.hpp"
#include "api/runware/completion_waiter.hpp"
#include "api/runware/service.hpp"
#include "api/tasks/context.hpp"
#include "api/tasks/submitter.hpp"
#include "api/tasks/task_subscriptions.hpp"
#include "api/webhooks/webhook_notifier.hpp"
#include "app/input_fetcher.hpp"
#include "app/server_app.hpp"
#include "catalog/catalog.hpp"
#include "common/clock.hpp"
#include "delivery/media_store.hpp"
#include "engine/engine.hpp"
#include "store/key_store.hpp"
#include "store/media_index.hpp"
#include "store/spend_ledger.hpp"
#include "store/task_events.hpp"
#include "store/task_store.hpp"
#include "store/webhook_outbox.hpp"
#include "worker/scheduler.hpp"

namespace vidserve::app {

// The stores of one process, over interfaces: SQLite in the data directory (one process), or a
// shared store (PostgreSQL, see shared_storage.cpp) that API nodes and workers work together.
struct Storage {
  explicit Storage(const Clock& clock_) : clock(clock_) {}
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;
  const Clock& clock;
  // An exclusive flock on DATA/vidserve.lock, held while this process uses the data directory:
  // the start-up steps that assume they are alone with it (scratch and spool clean-up; on SQLite
  // requeue_interrupted too) never run beside a live process. -1 when not taken.
  int lock_fd = -1;
  // Other processes work the same store (PostgreSQL): the data directory holds only this
  // process's scratch and spool files, and no start-up step takes tasks from live workers.
  bool shared = false;
  // For the start banner and the log, without passwords (storage_urls.hpp).
  std::string store_shown, media_shown;
  catalog::Catalog catalog;
  // The database the stores below share, open while they live (store::SqliteDatabase, or the
  // shared store's); opaque here.
  std::shared_ptr<void> db;
  std::unique_ptr<store::TaskStore> tasks;
  // The webhook outbox: the object `tasks` points to (each task store implements both, so the
  // outbox row is written in the transaction that finishes the task).
  store::WebhookOutbox* outbox = nullptr;
  std::unique_ptr<store::KeyStore> keys;
  std::unique_ptr<store::SpendLedger> spend;  // kling-engine spend per key (spend caps)
  std::unique_ptr<store::MediaIndex> media_index;
  std::unique_ptr<delivery::MediaStore> media;  // uses media_index
  // What the workers publish (progress, finished tasks) and the queue wakes; across processes on
  // a shared store. Started by the process once every listener and wake is added.
  std::unique_ptr<store::TaskEvents> events;
};

// The catalog, the stores options.store_url names (storage_urls.hpp) and the media store of
// options.media_url, with the data directory locked. Refused: an unknown --store/--media, S3 media
// with SQLite (app::errc::kInvalidStore, kInvalidMedia), a data directory another process holds
// (kDataDirInUse).
Result<std::unique_ptr<Storage>> open_storage(const ServeOptions& options, const Clock& clock);

// Defined in shared_storage.cpp: the stores of a shared deployment, for a postgresql:// or
// postgres:// options.store_url, with the media of options.media_url ("" = options.data_dir/media;
// s3://... = the object store, scratch files in options.data_dir/scratch). Fills every member from
// `db` to `events` (events not started; tasks->set_max_active_per_owner(options.max_queued_per_key));
// open_storage sets the rest. A database or bucket that cannot be reached is the store's error, with
// the URL shown without its password.
Result<std::unique_ptr<Storage>> open_shared_storage(const ServeOptions& options, const Clock& clock);

// What `vidserve keys` needs: the key store and the spend ledger, over one database.
struct KeyStorage {
  std::shared_ptr<void> db;
  std::unique_ptr<store::KeyStore> keys;
  std::unique_ptr<store::SpendLedger> spend;
};
// SQLite in `data_dir` (created) for "" and "sqlite:", else open_shared_key_storage. No data
// directory lock: keys are managed beside a running server.
Result<KeyStorage> open_key_storage(const std::string& store_url, const std::filesystem::path& data_dir,
                                    const Clock& clock);
// Defined in shared_storage.cpp, for a postgresql:// store_url.
Result<KeyStorage> open_shared_key_storage(const std::string& store_url, const Clock& clock);

// The start-up steps of a process over `storage`: its own stale scratch files go; tasks stored by
// an earlier release are converted to the current stored form (request_upgrade.hpp: safe with
// several processes at once). On SQLite only, where this process is the only one working the
// database, tasks a killed server left in processing go back to the queue (their provider states
// kept); on a shared store other processes' workers are alive, and a dead worker's tasks are
// claimed again once their leases expire.
Status resume_stored_tasks(Storage& storage);

// --workers and --lease as given, or the store's defaults: 2 workers on SQLite, none on a shared
// store (an API node); a lease of 10 minutes on SQLite (a restart requeues at once), 30 s on a
// shared store (how long a dead worker's tasks wait for another).
int worker_count(const ServeOptions& options, const Storage& storage);
std::int64_t lease_ms(const ServeOptions& options, const Storage& storage);

struct Engines {
  engine::EngineRouter router;
  std::unique_ptr<InputFetcher> fetcher;  // URL inputs of tasks and imageUpload; started
  std::string summary;  // "engines: klingai:*=kling, *=preview; kling relays to URL"
};

// The engines configured from the environment (see engine_config.hpp) and the fetch pool.
Result<std::unique_ptr<Engines>> build_engines(const ServeOptions& options, Storage& storage);

// The parts every process starts from, in this order: open_storage, build_engines, then
// resume_stored_tasks before anything runs. Fills `storage` and `engines` as far as it got.
Status open_storage_and_engines(const ServeOptions& options, std::unique_ptr<Storage>& storage,
                                std::unique_ptr<Engines>& engines);

struct FrontEnds {
  std::unique_ptr<api::Authenticator> auth;
  std::unique_ptr<api::kling::NativeAuth> kling_auth;
  std::unique_ptr<api::tasks::Submitter> submitter;        // started
  std::unique_ptr<api::runware::CompletionWaiter> waiter;  // started
  std::unique_ptr<api::tasks::RateLimiter> limiter;        // per-key request rates
  std::unique_ptr<api::tasks::Context> context;            // shared by the three APIs and webhooks
  std::unique_ptr<api::runware::Service> runware;
  std::unique_ptr<api::kling::NativeService> kling;
  std::unique_ptr<api::apimart::ApimartService> apimart;
  std::unique_ptr<api::webhooks::WebhookNotifier> webhooks;  // started
  api::tasks::TaskSubscriptions subscriptions;  // progress and completion, for WebSocket pushes
};

// API keys and Kling key pairs from the environment, the durable submitter, the shared
// tasks::Context and the three front-ends over it, and the webhook notifier. The completion
// waiter, the webhook notifier and the WebSocket subscriptions listen to storage.events; a task
// stored wakes the workers through it (TaskEvents::publish_queued), in any process.
Result<std::unique_ptr<FrontEnds>> build_front_ends(const ServeOptions& options, Storage& storage,
                                                    Engines& engines);

// worker_count() workers over the storage and engines, publishing to storage.events and woken by
// its queue wakes (so storage.events must be stopped before the scheduler goes); started. On a
// shared store they hand their tasks back to the queue when stopped.
std::unique_ptr<worker::Scheduler> build_workers(const ServeOptions& options, Storage& storage,
                                               Engines& engines);

}  // namespace vidserve::app
