#include "app/server_app.hpp"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <sys/resource.h>

#include "api/auth.hpp"
#include "api/http/server.hpp"
#include "api/routes.hpp"
#include "api/runware/service.hpp"
#include "api/runware/ws_socket.hpp"
#include "api/tasks/task_events.hpp"
#include "api/webhooks/http_sender.hpp"
#include "api/webhooks/webhook_notifier.hpp"
#include "api/webhooks/webhook_payloads.hpp"
#include "catalog/catalog.hpp"
#include "common/background_loop.hpp"
#include "common/io_error.hpp"
#include "delivery/media_store.hpp"
#include "delivery/retention.hpp"
#include "app/engine_config.hpp"
#include "app/request_upgrade.hpp"
#include "app/input_fetcher.hpp"
#include "store/sqlite_database.hpp"
#include "store/sqlite_key_store.hpp"
#include "store/sqlite_media_index.hpp"
#include "store/sqlite_task_store.hpp"
#include "worker/scheduler.hpp"

namespace vidserve::app {

namespace fs = std::filesystem;

struct ServerApp::Parts {
  const Clock& clock = SystemClock::instance();
  catalog::Catalog catalog;
  std::shared_ptr<store::SqliteDatabase> db;
  std::unique_ptr<store::SqliteTaskStore> tasks;
  std::unique_ptr<store::SqliteKeyStore> keys;
  std::unique_ptr<store::SqliteMediaIndex> media_index;
  std::unique_ptr<delivery::MediaStore> media;
  std::unique_ptr<api::Authenticator> auth;
  engine::EngineRouter engines;
  std::unique_ptr<InputFetcher> fetcher;
  std::unique_ptr<api::runware::Submitter> submitter;
  std::unique_ptr<api::runware::CompletionWaiter> waiter;
  std::unique_ptr<api::runware::Service> runware;
  api::tasks::TaskEvents events;  // progress and completion, for WebSocket pushes
  std::unique_ptr<api::runware::SessionDirectory> ws_sessions;
  std::unique_ptr<api::kling::NativeAuth> kling_auth;
  std::unique_ptr<api::kling::NativeService> kling;
  std::unique_ptr<api::apimart::ApimartService> apimart;
  std::unique_ptr<api::webhooks::WebhookNotifier> webhooks;
  std::unique_ptr<worker::Scheduler> scheduler;
  std::unique_ptr<api::http::Server> server;
  std::unique_ptr<BackgroundLoop> sweeper;  // expired media, WebSocket sessions, retention
};

namespace {

// Connections are file descriptors: the soft limit (often 1024) goes up to the hard limit.
void raise_fd_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= limit.rlim_max) return;
  limit.rlim_cur = limit.rlim_max;
  (void)setrlimit(RLIMIT_NOFILE, &limit);
}

constexpr std::chrono::seconds kSweepPeriod{30};

// Retention: at most kRetentionPasses batches of kRetentionBatch tasks per sweep (kSweepPeriod),
// each its own transaction, so a large backlog is worked off without holding the store long.
constexpr std::size_t kRetentionBatch = 500;
constexpr int kRetentionPasses = 20;

void sweep_old_tasks(store::TaskStore& tasks, delivery::MediaStore& media, const Clock& clock,
                     std::int64_t retention_ms) {
  for (int pass = 0; pass < kRetentionPasses; ++pass) {
    auto removed = delivery::sweep_retention(tasks, media, clock, retention_ms, kRetentionBatch);
    if (!removed) {
      std::fprintf(stderr, "vidserve: deleting old tasks failed: %s\n", removed.error().message.c_str());
      return;
    }
    if (*removed < kRetentionBatch) return;
  }
}

}  // namespace

Result<std::int64_t> parse_retention(const std::string& text) {
  if (text == "off" || text == "0") return std::int64_t{0};
  static constexpr std::pair<const char*, std::int64_t> kUnits[] = {
      {"ms", 1}, {"s", 1000}, {"m", 60'000}, {"h", 3'600'000}, {"d", 86'400'000}, {"", 1000}};
  const auto digits = text.find_first_not_of("0123456789");
  const std::string number = text.substr(0, digits);
  const std::string unit = digits == std::string::npos ? "" : text.substr(digits);
  for (const auto& [name, ms] : kUnits) {
    if (unit != name || number.empty() || number.size() > 9) continue;
    return std::stoll(number) * ms;
  }
  return Error{"invalidRetention", "--retention needs a duration such as 30d, 12h, 90m or 45s, or off; got '" +
                                       text.substr(0, 40) + "'"};
}

Result<std::pair<std::string, unsigned short>> parse_listen(const std::string& listen) {
  const auto colon = listen.rfind(':');
  if (colon == std::string::npos) return Error{"invalidListen", "--listen needs HOST:PORT, e.g. 127.0.0.1:8080"};
  std::string host = listen.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  char* end = nullptr;
  const long port = std::strtol(listen.c_str() + colon + 1, &end, 10);
  if (host.empty() || *end != '\0' || port < 0 || port > 65535 || colon + 1 == listen.size()) {
    return Error{"invalidListen", "--listen needs HOST:PORT with a port from 0 to 65535, got '" + listen + "'"};
  }
  return std::make_pair(host, static_cast<unsigned short>(port));
}

ServerApp::ServerApp(ServeOptions options) : options_(std::move(options)), parts_(std::make_unique<Parts>()) {}

ServerApp::~ServerApp() { stop(); }

Result<std::string> ServerApp::start() {
  auto& p = *parts_;
  auto listen = parse_listen(options_.listen);
  if (!listen) return listen.error();
  auto catalog = catalog::Catalog::load_default();
  if (!catalog) return catalog.error();
  p.catalog = std::move(catalog).value();
  std::error_code ec;
  fs::create_directories(options_.data_dir / "media", ec);
  if (ec) return Error{io_errc::kStorage, "cannot create " + options_.data_dir.string() + ": " + ec.message()};
  auto db = store::SqliteDatabase::open((options_.data_dir / "vidserve.db").string());
  if (!db) return db.error();
  p.db = *db;
  p.tasks = std::make_unique<store::SqliteTaskStore>(p.db, p.clock);
  p.tasks->set_max_active_per_owner(options_.max_queued_per_key);
  p.keys = std::make_unique<store::SqliteKeyStore>(p.db, p.clock);
  p.media_index = std::make_unique<store::SqliteMediaIndex>(p.db, p.clock);
  p.media = std::make_unique<delivery::MediaStore>(options_.data_dir / "media", *p.media_index, p.clock);
  const char* env_keys = std::getenv("VIDSERVE_API_KEYS");
  p.auth = std::make_unique<api::Authenticator>(api::Authenticator::parse_key_list(env_keys ? env_keys : ""),
                                                p.keys.get());
  if (auto configured = configure_engines(p.engines); !configured) return configured.error();
  const char* kling_keys = std::getenv("VIDSERVE_KLING_KEYS");
  auto key_pairs = api::kling::NativeAuth::parse_key_pairs(kling_keys ? kling_keys : "");
  if (!key_pairs) return key_pairs.error();
  auto jwt_lifetime = api::kling::NativeAuth::parse_max_lifetime(std::getenv("VIDSERVE_KLING_JWT_MAX_LIFETIME"));
  if (!jwt_lifetime) return jwt_lifetime.error();
  p.kling_auth = std::make_unique<api::kling::NativeAuth>(std::move(key_pairs).value(), *p.auth, p.clock, *jwt_lifetime);
  FetchSettings fetch_settings;
  fetch_settings.pool.threads = options_.fetch_threads;
  fetch_settings.pool.per_host = options_.fetch_per_host;
  fetch_settings.pool.max_queued = options_.fetch_queue;
  fetch_settings.pool.max_queued_per_host = std::max<std::size_t>(1, options_.fetch_queue / 4);
  fetch_settings.input_timeout = std::chrono::seconds(options_.input_timeout_s);
  fetch_settings.upload_timeout = std::chrono::seconds(options_.upload_timeout_s);
  auto fetcher = InputFetcher::create(*p.media, fetch_settings);
  if (!fetcher) return fetcher.error();
  p.fetcher = std::move(fetcher).value();
  const auto public_url = options_.public_url.empty() ? std::string() : options_.public_url;

  // Tasks a killed server left in processing go back to the queue before anything runs. An
  // explicit start-up step (TaskStore::requeue_interrupted), right only because this process is
  // the only one working this database; their provider states (e.g. Kling task ids) are kept.
  p.media->remove_stale_scratch();
  if (auto requeued = p.tasks->requeue_interrupted(); requeued && *requeued > 0) {
    std::fprintf(stderr, "vidserve: resuming %lld interrupted task(s)\n", static_cast<long long>(*requeued));
  }
  // Tasks stored by an earlier release are converted to the current stored form.
  auto upgraded = upgrade_stored_requests(*p.tasks);
  if (!upgraded) return upgraded.error();
  if (*upgraded > 0) {
    std::fprintf(stderr, "vidserve: converted %lld stored task(s) to the current format\n",
                 static_cast<long long>(*upgraded));
  }

  api::http::ServerOptions http;
  http.address = listen->first;
  http.port = listen->second;
  http.threads = options_.io_threads;
  http.body_limit = options_.body_limit;
  raise_fd_limit();  // before the connection limit is derived from it
  http.max_connections = options_.max_connections;
  http.max_connections_per_address = options_.max_connections_per_ip;
  // A failed free-space reading lets tasks in: the watermark guards against a full disk, it
  // must not stop the server on a file system that cannot report its space.
  p.submitter = std::make_unique<api::runware::Submitter>(
      *p.tasks, [media = p.media.get(), min = options_.min_free_space] {
        const auto free = media->free_bytes();
        return !free || *free >= min;
      });
  p.waiter = std::make_unique<api::runware::CompletionWaiter>(*p.tasks, p.clock);
  p.submitter->start();
  p.waiter->start();
  p.fetcher->start();
  api::runware::Services services{p.catalog, *p.tasks, *p.media, *p.auth, p.fetcher->for_uploads(),
                                  [this] { parts_->scheduler->wake(); }, public_url};
  services.submitter = p.submitter.get();
  services.waiter = p.waiter.get();
  services.clock = &p.clock;
  services.fetch_pool = &p.fetcher->pool();
  p.runware = std::make_unique<api::runware::Service>(std::move(services));
  p.kling = std::make_unique<api::kling::NativeService>(*p.runware, *p.kling_auth);
  p.apimart = std::make_unique<api::apimart::ApimartService>(*p.runware);
  // Webhooks go out from their own thread, through the same SSRF guard as URL inputs. APIMart's
  // request has no callback field, so no APIMart task view is wired in.
  auto webhook_guard = fetch::AddressGuard::from_env();
  if (!webhook_guard) return webhook_guard.error();
  p.webhooks = std::make_unique<api::webhooks::WebhookNotifier>(api::webhooks::NotifierDeps{
      *p.tasks,
      [this](const store::TaskRecord& r) { return api::webhooks::webhook_bodies(parts_->runware->services(), r); },
      api::webhooks::http_sender(fetch::HttpClient(std::move(webhook_guard).value())), &p.clock});
  p.webhooks->start();
  // Workers start before the server accepts anything, so a submission can always wake them.
  worker::RunnerDeps deps{*p.tasks, *p.media, p.engines,
                          [this](const store::TaskRecord& r) { return core::decode_task(parts_->catalog, r.request); },
                          p.fetcher->as_function()};
  deps.clock = &p.clock;
  deps.on_progress = [this](const store::TaskRecord& task, int percent) {
    parts_->events.publish({api::tasks::TaskEvent::Kind::Progress, task.owner, task.task_uuid, percent});
  };
  deps.fetch_async = p.fetcher->as_async_function();
  deps.on_finished = [this](const store::TaskRecord& task) {
    parts_->waiter->notify(task.task_uuid);
    parts_->webhooks->notify(task);
    parts_->events.publish({api::tasks::TaskEvent::Kind::Finished, task.owner, task.task_uuid, 100});
  };
  p.scheduler = std::make_unique<worker::Scheduler>(std::move(deps), worker::SchedulerOptions{options_.workers});
  p.scheduler->start();
  p.server = std::make_unique<api::http::Server>(http, api::make_routes({*p.runware, *p.kling, *p.apimart}, *p.media));
  p.ws_sessions = std::make_unique<api::runware::SessionDirectory>(*p.runware, p.events);
  p.server->on_websocket(api::runware::runware_websocket_route(*p.runware, *p.ws_sessions));
  auto port = p.server->start();
  if (!port) return port.error();
  const std::string host = listen->first.find(':') != std::string::npos ? "[" + listen->first + "]" : listen->first;
  const std::string base = public_url.empty() ? "http://" + host + ":" + std::to_string(*port) : public_url;
  // With port 0 the URL is known only now; media links of replies sent in the first instant
  // could carry an empty base, so a fixed --listen port or --public-url is used in production.
  p.runware->set_public_base_url(base);
  p.sweeper = std::make_unique<BackgroundLoop>(kSweepPeriod, [this] {
    auto& parts = *parts_;
    parts.media->sweep_expired();
    parts.ws_sessions->sweep();  // WebSocket sessions past their resume window
    sweep_old_tasks(*parts.tasks, *parts.media, parts.clock, options_.retention_ms);
  });
  p.sweeper->start();
  return base;
}

void ServerApp::stop() {
  auto& p = *parts_;
  // Answer everything in flight while the io threads still run, then close the connections.
  if (p.submitter) p.submitter->stop();
  if (p.waiter) p.waiter->stop();
  // Fetches in flight end now (cancelled): uploads get their answer while the server still runs,
  // tasks waiting for inputs stay for the next start, and a tarpit host cannot hold up the stop.
  if (p.fetcher) p.fetcher->stop();
  // Workers still running must not push to connections whose io threads are about to go.
  p.events.close();
  if (p.server) p.server->stop();
  if (p.scheduler) p.scheduler->stop();
  // After the workers, so nothing reports to it any more; it logs what it could not send.
  if (p.webhooks) p.webhooks->stop();
  if (p.sweeper) p.sweeper->stop();
}

}  // namespace vidserve::app
