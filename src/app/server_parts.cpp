#include "app/server_parts.hpp"

#include <algorithm>
#include <cstdlib>

#include "api/webhooks/http_sender.hpp"
#include "api/webhooks/webhook_payloads.hpp"
#include "api/webhooks/webhook_signature.hpp"
#include "app/engine_config.hpp"
#include "app/error_codes.hpp"
#include "common/io_error.hpp"
#include "common/log.hpp"

namespace vidserve::app {

namespace fs = std::filesystem;

namespace {

// `<data_dir>/spool`, created, without the files a killed process left there (this process is
// the only one using the data directory).
Result<std::string> spool_dir(const fs::path& data_dir) {
  const auto dir = data_dir / "spool";
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return io_error(ec.value(), "cannot create the spool directory in the data directory");
  fetch::remove_stale_spool_files(dir.string());
  return dir.string();
}

}  // namespace

Result<std::unique_ptr<Engines>> build_engines(const ServeOptions& options, Storage& storage) {
  auto e = std::make_unique<Engines>();
  auto configured = configure_engines(e->router);
  if (!configured) return configured.error();
  e->summary = std::move(configured).value();
  FetchSettings fetch_settings;
  fetch_settings.pool.threads = options.fetch_threads;
  fetch_settings.pool.per_host = options.fetch_per_host;
  fetch_settings.pool.max_queued = options.fetch_queue;
  fetch_settings.pool.max_queued_per_host = std::max<std::size_t>(1, options.fetch_queue / 4);
  fetch_settings.input_timeout = std::chrono::seconds(options.input_timeout_s);
  fetch_settings.upload_timeout = std::chrono::seconds(options.upload_timeout_s);
  auto spool = spool_dir(options.data_dir);
  if (!spool) return spool.error();
  fetch_settings.spool_dir = std::move(spool).value();
  auto fetcher = InputFetcher::create(*storage.media, fetch_settings);
  if (!fetcher) return fetcher.error();
  e->fetcher = std::move(fetcher).value();
  e->fetcher->start();
  return e;
}

Status open_storage_and_engines(const ServeOptions& options, std::unique_ptr<Storage>& storage,
                                std::unique_ptr<Engines>& engines) {
  auto opened = open_storage(options, SystemClock::instance());
  if (!opened) return opened.error();
  storage = std::move(opened).value();
  auto built = build_engines(options, *storage);
  if (!built) return built.error();
  engines = std::move(built).value();
  return resume_stored_tasks(*storage);
}

namespace {

Result<std::unique_ptr<api::kling::NativeAuth>> kling_auth(const api::Authenticator& auth,
                                                           const Clock& clock) {
  const char* kling_keys = std::getenv("VIDSERVE_KLING_KEYS");
  auto key_pairs = api::kling::NativeAuth::parse_key_pairs(kling_keys ? kling_keys : "");
  if (!key_pairs) return key_pairs.error();
  auto jwt_lifetime =
      api::kling::NativeAuth::parse_max_lifetime(std::getenv("VIDSERVE_KLING_JWT_MAX_LIFETIME"));
  if (!jwt_lifetime) return jwt_lifetime.error();
  return std::make_unique<api::kling::NativeAuth>(std::move(key_pairs).value(), auth, clock,
                                                  *jwt_lifetime);
}

// The signing secret of a task's owner: the key store's for its keys, VIDSERVE_WEBHOOK_SECRET for
// the keys of VIDSERVE_API_KEYS (owners "env:..."), none otherwise (sent unsigned).
Result<api::webhooks::SecretLookup> webhook_secrets(Storage& storage) {
  const char* env = std::getenv("VIDSERVE_WEBHOOK_SECRET");
  std::string env_secret = env ? env : "";
  if (!env_secret.empty()) {
    if (auto ok = api::webhooks::check_webhook_secret(env_secret); !ok) {
      return Error{ok.error().code, "VIDSERVE_WEBHOOK_SECRET: " + ok.error().message};
    }
  }
  return api::webhooks::SecretLookup(
      [keys = storage.keys.get(), env_secret](const std::string& owner) -> Result<std::string> {
        if (owner.rfind("env:", 0) == 0) return env_secret;
        if (keys == nullptr) return std::string();
        auto secret = keys->webhook_secret(owner);
        if (!secret && secret.error().code == store::errc::kNotFound) return std::string();
        return secret;
      });
}

// Webhooks go out from their own thread, from the store's outbox, through the same SSRF guard as
// URL inputs. APIMart's request has no callback field, so no APIMart task view is wired in.
Result<std::unique_ptr<api::webhooks::WebhookNotifier>> webhook_notifier(
    const ServeOptions& options, Storage& storage, const api::tasks::Context& context) {
  auto guard = fetch::AddressGuard::from_env();
  if (!guard) return guard.error();
  auto secrets = webhook_secrets(storage);
  if (!secrets) return secrets.error();
  api::webhooks::WebhookOptions webhook_options;
  webhook_options.retry_for = std::chrono::hours(options.webhook_retry_hours);
  webhook_options.first_backoff = std::chrono::milliseconds(options.webhook_first_backoff_ms);
  webhook_options.max_backoff = std::chrono::milliseconds(options.webhook_max_backoff_ms);
  return std::make_unique<api::webhooks::WebhookNotifier>(
      api::webhooks::NotifierDeps{
          *storage.tasks, *storage.outbox,
          [&context](const store::TaskRecord& r, std::string_view event) {
            return api::webhooks::webhook_bodies(context, r, event);
          },
          api::webhooks::http_sender(fetch::HttpClient(std::move(guard).value())), std::move(secrets).value(),
          &storage.clock},
      webhook_options);
}

}  // namespace

Result<std::unique_ptr<FrontEnds>> build_front_ends(const ServeOptions& options, Storage& storage,
                                                    Engines& engines) {
  auto f = std::make_unique<FrontEnds>();
  const char* env_keys = std::getenv("VIDSERVE_API_KEYS");
  f->auth = std::make_unique<api::Authenticator>(
      api::Authenticator::parse_key_list(env_keys ? env_keys : ""), storage.keys.get());
  auto native_auth = kling_auth(*f->auth, storage.clock);
  if (!native_auth) return native_auth.error();
  f->kling_auth = std::move(native_auth).value();
  // A failed free-space reading lets tasks in: the watermark guards against a full disk, it
  // must not stop the server on a file system that cannot report its space.
  f->submitter = std::make_unique<api::tasks::Submitter>(
      *storage.tasks, [media = storage.media.get(), min = options.min_free_space] {
        const auto free = media->free_bytes();
        return !free || *free >= min;
      });
  f->waiter = std::make_unique<api::runware::CompletionWaiter>(*storage.tasks, storage.clock);
  f->submitter->start();
  f->waiter->start();
  f->context = std::make_unique<api::tasks::Context>(storage.catalog, *storage.tasks,
                                                     *storage.media, *f->auth);
  f->context->submitter = f->submitter.get();
  f->context->wake = [events = storage.events.get()] { events->publish_queued(); };
  f->context->events = storage.events.get();
  f->context->clock = &storage.clock;
  f->limiter = make_rate_limiter(options.limits, *storage.keys, storage.clock);
  f->context->limiter = f->limiter.get();
  f->context->spend_check = make_spend_check(options.limits, *storage.keys, *storage.spend, engines.router);
  api::runware::Services services{*f->context, engines.fetcher->for_uploads()};
  services.waiter = f->waiter.get();
  services.fetch_pool = &engines.fetcher->pool();
  f->runware = std::make_unique<api::runware::Service>(std::move(services));
  f->kling = std::make_unique<api::kling::NativeService>(*f->context, *f->kling_auth);
  f->apimart = std::make_unique<api::apimart::ApimartService>(*f->context);
  auto webhooks = webhook_notifier(options, storage, *f->context);
  if (!webhooks) return webhooks.error();
  f->webhooks = std::move(webhooks).value();
  f->webhooks->start();
  // In this order, as before: a synchronous wait ends, webhooks queue, pushes go out.
  storage.events->listen(*f->waiter);
  storage.events->listen(*f->webhooks);
  storage.events->listen(f->subscriptions);
  return f;
}

std::unique_ptr<worker::Scheduler> build_workers(const ServeOptions& options, Storage& storage,
                                               Engines& engines) {
  worker::RunnerDeps deps{*storage.tasks, *storage.media, engines.router,
                        [&catalog = storage.catalog](const store::TaskRecord& r) {
                          return core::decode_task(catalog, r.request);
                        },
                        engines.fetcher->as_function()};
  deps.clock = &storage.clock;
  deps.fetch_async = engines.fetcher->as_async_function();
  deps.upload = engines.fetcher->for_result_uploads();
  deps.events = storage.events.get();
  deps.spend_gate = make_spend_gate(options.limits, *storage.keys, *storage.spend);
  deps.lease_ms = lease_ms(options, storage);
  worker::SchedulerOptions scheduler_options{worker_count(options, storage)};
  scheduler_options.hand_back_on_stop = storage.shared;
  auto scheduler = std::make_unique<worker::Scheduler>(std::move(deps), scheduler_options);
  storage.events->on_queued([s = scheduler.get()] { s->wake(); });
  scheduler->start();
  return scheduler;
}

}  // namespace vidserve::app
