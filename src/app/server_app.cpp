#include "app/server_app.hpp"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <optional>
#include <sys/resource.h>

#include "api/http/server.hpp"
#include "api/http/tls_context.hpp"
#include "api/routes.hpp"
#include "api/runware/ws_socket.hpp"
#include "app/error_codes.hpp"
#include "app/ops_parts.hpp"
#include "app/server_parts.hpp"
#include "common/background_loop.hpp"
#include "common/log.hpp"
#include "delivery/retention.hpp"

namespace vidserve::app {

// Destroyed bottom-up: each part keeps references into the ones above it.
struct ServerApp::Parts {
  std::unique_ptr<Storage> storage;
  std::unique_ptr<Engines> engines;
  std::unique_ptr<FrontEnds> front_ends;
  std::unique_ptr<worker::Scheduler> scheduler;
  std::unique_ptr<api::ops::Readiness> readiness;  // GET /readyz; used by the server
  std::unique_ptr<api::runware::SessionDirectory> ws_sessions;
  std::shared_ptr<api::http::TlsCredentials> tls;  // null: plain HTTP
  api::CorsPolicy cors;
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
      log::get().error("deleting old tasks failed: {}", removed.error().message);
      return;
    }
    if (*removed < kRetentionBatch) return;
  }
}

// "30d", "12h", "90m", "45s", "1500ms" or a plain number of seconds, in ms.
std::optional<std::int64_t> parse_duration(const std::string& text) {
  static constexpr std::pair<const char*, std::int64_t> kUnits[] = {
      {"ms", 1}, {"s", 1000}, {"m", 60'000}, {"h", 3'600'000}, {"d", 86'400'000}, {"", 1000}};
  const auto digits = text.find_first_not_of("0123456789");
  const std::string number = text.substr(0, digits);
  const std::string unit = digits == std::string::npos ? "" : text.substr(digits);
  for (const auto& [name, ms] : kUnits) {
    if (unit != name || number.empty() || number.size() > 9) continue;
    return std::stoll(number) * ms;
  }
  return std::nullopt;
}

}  // namespace

Result<std::int64_t> parse_retention(const std::string& text) {
  if (text == "off" || text == "0") return std::int64_t{0};
  if (auto ms = parse_duration(text)) return *ms;
  return Error{errc::kInvalidRetention,
               "--retention needs a duration such as 30d, 12h, 90m or 45s, or off; got '" +
                   text.substr(0, 40) + "'"};
}

Result<std::int64_t> parse_lease(const std::string& text) {
  constexpr std::int64_t kMin = 5'000, kMax = 3'600'000;
  if (auto ms = parse_duration(text); ms && *ms >= kMin && *ms <= kMax) return *ms;
  return Error{errc::kInvalidLease, "--lease needs a duration from 5s to 1h, such as 30s or 2m; got '" +
                                        text.substr(0, 40) + "'"};
}

Result<std::pair<std::string, unsigned short>> parse_listen(const std::string& listen) {
  const auto colon = listen.rfind(':');
  if (colon == std::string::npos)
    return Error{errc::kInvalidListen, "--listen needs HOST:PORT, e.g. 127.0.0.1:8080"};
  std::string host = listen.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  char* end = nullptr;
  const long port = std::strtol(listen.c_str() + colon + 1, &end, 10);
  if (host.empty() || *end != '\0' || port < 0 || port > 65535 || colon + 1 == listen.size()) {
    return Error{errc::kInvalidListen,
                 "--listen needs HOST:PORT with a port from 0 to 65535, got '" + listen + "'"};
  }
  return std::make_pair(host, static_cast<unsigned short>(port));
}

ServerApp::ServerApp(ServeOptions options) : options_(std::move(options)), parts_(std::make_unique<Parts>()) {}

ServerApp::~ServerApp() { stop(); }

Result<std::string> ServerApp::start() {
  auto& p = *parts_;
  auto listen = parse_listen(options_.listen);
  if (!listen) return listen.error();
  if (auto tls = load_tls(); !tls) return tls.error();
  auto cors = api::CorsPolicy::parse(options_.cors_origins);
  if (!cors) return cors.error();
  p.cors = std::move(*cors);
  // Interrupted tasks go back to the queue (SQLite) before anything runs.
  if (auto opened = open_storage_and_engines(options_, p.storage, p.engines); !opened) return opened.error();
  auto front_ends = build_front_ends(options_, *p.storage, *p.engines);
  if (!front_ends) return front_ends.error();
  p.front_ends = std::move(front_ends).value();
  // Workers start before the server accepts anything, so a submission can always wake them.
  p.scheduler = build_workers(options_, *p.storage, *p.engines);
  p.storage->events->start();  // every listener and wake is in place
  p.readiness = make_readiness(*p.storage, *p.engines);
  p.readiness->start();
  auto base = start_http(listen->first, listen->second);
  if (!base) return base.error();
  log_start_config("serve", options_, *p.storage, *p.engines, *base);
  p.sweeper = std::make_unique<BackgroundLoop>(kSweepPeriod, [this] {
    auto& parts = *parts_;
    parts.storage->media->sweep_expired();
    parts.ws_sessions->sweep();  // WebSocket sessions past their resume window
    sweep_old_tasks(*parts.storage->tasks, *parts.storage->media, parts.storage->clock, options_.retention_ms);
  });
  p.sweeper->start();
  return base;
}

std::string ServerApp::summary() const {
  const auto& p = *parts_;
  if (!p.storage) return {};
  const int workers = worker_count(options_, *p.storage);
  return "store " + p.storage->store_shown + ", media " + p.storage->media_shown + ", " + std::to_string(workers) +
         (workers == 1 ? " worker" : " workers");
}

std::string ServerApp::engines_summary() const {
  const auto& p = *parts_;
  if (!p.engines) return {};
  constexpr std::string_view kPrefix = "engines: ";
  const auto& text = p.engines->summary;
  return text.rfind(kPrefix, 0) == 0 ? text.substr(kPrefix.size()) : text;
}

Result<std::string> ServerApp::start_http(const std::string& host, unsigned short port) {
  auto& p = *parts_;
  auto& f = *p.front_ends;
  api::http::ServerOptions http;
  http.address = host;
  http.port = port;
  http.threads = options_.io_threads;
  http.body_limit = options_.body_limit;
  raise_fd_limit();  // before the connection limit is derived from it
  http.max_connections = options_.max_connections;
  http.max_connections_per_address = options_.max_connections_per_ip;
  http.tls = p.tls;
  p.server = std::make_unique<api::http::Server>(
      http, api::make_routes({*f.runware, *f.kling, *f.apimart}, *p.storage->media, p.cors,
                             {p.readiness.get(), options_.metrics_token}));
  p.ws_sessions = std::make_unique<api::runware::SessionDirectory>(*f.runware, f.subscriptions);
  p.server->on_websocket(api::runware::runware_websocket_route(*f.runware, *p.ws_sessions));
  auto bound = p.server->start();
  if (!bound) return bound.error();
  const std::string shown = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  const std::string base =
      options_.public_url.empty() ? (p.tls ? "https://" : "http://") + shown + ":" + std::to_string(*bound) : options_.public_url;
  // With port 0 the URL is known only now; media links of replies sent in the first instant
  // could carry an empty base, so a fixed --listen port or --public-url is used in production.
  p.storage->media->set_public_base_url(base);
  return base;
}

Status ServerApp::load_tls() {
  if (options_.tls_cert.empty() != options_.tls_key.empty()) {
    return Error{errc::kInvalidTls, "TLS needs both --tls-cert and --tls-key (or neither)"};
  }
  if (options_.tls_cert.empty()) return Ok{};
  auto tls = api::http::TlsCredentials::load({options_.tls_cert, options_.tls_key});
  if (!tls) return tls.error();
  parts_->tls = std::move(*tls);
  return Ok{};
}

Status ServerApp::reload_tls() {
  if (!parts_->tls) return Ok{};
  return parts_->tls->reload();
}

void ServerApp::stop() {
  auto& p = *parts_;
  // Answer everything in flight while the io threads still run, then close the connections.
  auto* f = p.front_ends.get();
  if (f) f->submitter->stop();
  if (f) f->waiter->stop();
  // Fetches in flight end now (cancelled): uploads get their answer while the server still runs,
  // tasks waiting for inputs stay for the next start, and a tarpit host cannot hold up the stop.
  if (p.engines) p.engines->fetcher->stop();
  // Workers still running must not push to connections whose io threads are about to go.
  if (f) f->subscriptions.close();
  if (p.server) p.server->stop();
  if (p.scheduler) p.scheduler->stop();
  // After the workers, whose last events and queue wakes still go out; before the listeners go.
  if (p.storage) p.storage->events->stop();
  // After the workers, so nothing reports to it any more; it logs what it could not send.
  if (f) f->webhooks->stop();
  if (p.sweeper) p.sweeper->stop();
  if (p.readiness) p.readiness->stop();
}

}  // namespace vidserve::app
