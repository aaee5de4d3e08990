#pragma once
// The parts `vidserve serve` assembles, each built by one function, so that another process (a
// worker without front-ends, say) can assemble only the parts it needs from the same builders:
//   storage   (database, task/key stores, media)   open_storage, resume_stored_tasks
//   engines   (engine router, input fetcher)        build_engines
//   front-ends (tasks::Context, the three APIs,     build_front_ends
//              submitter, completion waiter, webhooks, WebSocket subscriptions)
//   workers   (the scheduler)                       build_workers
// Later parts keep references into earlier ones: destroy them in reverse order.
#include <functional>
#include <memory>

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
#include "worker/scheduler.hpp"
#include "delivery/local_media_store.hpp"
#include "engine/engine.hpp"
#include "store/sqlite_database.hpp"
#include "store/sqlite_key_store.hpp"
#include "store/sqlite_media_index.hpp"
#include "store/sqlite_task_store.hpp"
#include "store/task_events.hpp"

namespace vidserve::app {

struct Storage {
  explicit Storage(const Clock& clock_) : clock(clock_) {}
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;
  const Clock& clock;
  // An exclusive flock on DATA/vidserve.lock, held while this process uses the data directory:
  // the start-up steps that assume they are alone (requeue_interrupted, scratch and spool
  // clean-up) never run beside a live server. -1 when not taken.
  int lock_fd = -1;
  catalog::Catalog catalog;
  std::shared_ptr<store::SqliteDatabase> db;
  std::unique_ptr<store::SqliteTaskStore> tasks;
  std::unique_ptr<store::SqliteKeyStore> keys;
  std::unique_ptr<store::SqliteSpendLedger> spend;  // kling-engine spend per key (spend caps)
  std::unique_ptr<store::SqliteMediaIndex> media_index;
  std::unique_ptr<delivery::MediaStore> media;
  // What the workers publish (progress, finished tasks); in-process here.
  std::unique_ptr<store::TaskEvents> events;
};

// The catalog, `<data_dir>/vidserve.db` and `<data_dir>/media`. Refused (app::errc::kDataDirInUse)
// while another process holds the data directory.
Result<std::unique_ptr<Storage>> open_storage(const ServeOptions& options, const Clock& clock);

// Start-up of the only process working this database: stale scratch files go, tasks a killed
// server left in processing go back to the queue (their provider states are kept), and tasks
// stored by an earlier release are converted to the current stored form.
Status resume_stored_tasks(Storage& storage);

struct Engines {
  engine::EngineRouter router;
  std::unique_ptr<InputFetcher> fetcher;  // URL inputs of tasks and imageUpload; started
};

// The engines configured from the environment (see engine_config.hpp) and the fetch pool.
Result<std::unique_ptr<Engines>> build_engines(const ServeOptions& options, Storage& storage);

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
// waiter, the webhook notifier and the WebSocket subscriptions listen to storage.events. `wake` is
// called when a task was stored (the workers' wake).
Result<std::unique_ptr<FrontEnds>> build_front_ends(const ServeOptions& options, Storage& storage,
                                                    Engines& engines, std::function<void()> wake);

// `options.workers` workers over the storage and engines, publishing to storage.events; started.
std::unique_ptr<worker::Scheduler> build_workers(const ServeOptions& options, Storage& storage,
                                               Engines& engines);

}  // namespace vidserve::app
