#include "app/worker_app.hpp"

#include "api/http/responses.hpp"
#include "api/http/server.hpp"
#include "api/ops/ops_routes.hpp"
#include "app/error_codes.hpp"
#include "app/ops_parts.hpp"
#include "app/server_parts.hpp"
#include "app/storage_urls.hpp"

namespace vidserve::app {

// Destroyed bottom-up: each part keeps references into the ones above it.
struct WorkerApp::Parts {
  std::unique_ptr<Storage> storage;
  std::unique_ptr<Engines> engines;
  std::unique_ptr<worker::Scheduler> scheduler;
  std::unique_ptr<api::ops::Readiness> readiness;
  std::unique_ptr<api::http::Server> health;
};

namespace {

namespace bhttp = api::http::bhttp;

Status check_shared(const ServeOptions& options) {
  auto kinds = storage_kinds(options.store_url, options.media_url);
  if (!kinds) return kinds.error();
  if (!kinds->shared()) {
    return Error{errc::kWorkerNeedsSharedStore,
                 "a worker needs a shared store: --store postgresql://... (the SQLite store is "
                 "worked by one "
                 "`vidserve serve` alone)"};
  }
  if (kinds->media != MediaKind::S3) {
    return Error{
        errc::kWorkerNeedsSharedStore,
        "a worker needs shared media: --media s3://... (no API node could serve media kept in the "
        "worker's own --data directory)"};
  }
  return Ok{};
}

// The health port is for a load balancer or an orchestrator on the local network: one thread, a few
// connections, short timeouts, tiny requests.
api::http::ServerOptions health_options(const std::string& host, unsigned short port) {
  api::http::ServerOptions http;
  http.address = host;
  http.port = port;
  http.threads = 1;
  http.body_limit = 1024;
  http.header_limit = 4096;
  http.header_timeout = std::chrono::seconds(5);
  http.body_timeout = std::chrono::seconds(5);
  http.idle_timeout = std::chrono::seconds(15);
  http.write_timeout = std::chrono::seconds(5);
  http.max_connections = 32;
  http.max_connections_per_address = 32;
  return http;
}

}  // namespace

WorkerApp::WorkerApp(ServeOptions options)
    : options_(std::move(options)), parts_(std::make_unique<Parts>()) {}

WorkerApp::~WorkerApp() {
  stop();
}

Result<std::string> WorkerApp::start() {
  auto& p = *parts_;
  if (auto shared = check_shared(options_); !shared) return shared.error();
  std::optional<std::pair<std::string, unsigned short>> health;
  if (!options_.health_listen.empty()) {
    auto listen = parse_listen(options_.health_listen);
    if (!listen)
      return Error{errc::kInvalidListen, "--health-listen needs HOST:PORT, e.g. 127.0.0.1:9090"};
    health = *listen;
  }
  if (auto opened = open_storage_and_engines(options_, p.storage, p.engines); !opened)
    return opened.error();
  p.scheduler = build_workers(options_, *p.storage, *p.engines);
  p.storage->events->start();  // queue wakes from the API nodes
  p.readiness = make_readiness(*p.storage, *p.engines);
  p.readiness->start();
  auto url = health ? start_health(health->first, health->second) : Result<std::string>(std::string());
  if (url) log_start_config("worker", options_, *p.storage, *p.engines, *url);
  return url;
}

Result<std::string> WorkerApp::start_health(const std::string& host, unsigned short port) {
  auto& p = *parts_;
  const int workers = worker_count(options_, *p.storage);
  api::ops::OpsOptions ops{p.readiness.get(), options_.metrics_token};
  p.health = std::make_unique<api::http::Server>(
      health_options(host, port), [workers, scheduler = p.scheduler.get(), ops](
                                      api::http::Request&& req, const api::http::ConnectionInfo& connection) {
        const std::string_view target(req.target().data(), req.target().size());
        if (target == "/readyz" || target == "/metrics") {
          auto access = api::ops::start_access(req, connection);
          if (auto answer = api::ops::ops_response(req, target, ops, *access)) return std::move(*answer);
        }
        if (req.target() != "/healthz") {
          return api::http::json_response(req, bhttp::status::not_found,
                                          R"({"error":"not found"})");
        }
        if (req.method() != bhttp::verb::get && req.method() != bhttp::verb::head) {
          return api::http::json_response(req, bhttp::status::method_not_allowed,
                                          R"({"error":"GET /healthz"})");
        }
        return api::http::json_response(req, bhttp::status::ok,
                                        R"({"status":"ok","workers":)" + std::to_string(workers) +
                                            R"(,"running":)" +
                                            std::to_string(scheduler->in_hand()) + "}");
      });
  auto bound = p.health->start();
  if (!bound) return bound.error();
  const std::string shown = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return "http://" + shown + ":" + std::to_string(*bound) + "/healthz";
}

void WorkerApp::stop() {
  auto& p = *parts_;
  if (p.health) p.health->stop();
  if (p.readiness) p.readiness->stop();
  // Fetches in flight end now (cancelled): their tasks go back to the queue with the rest.
  if (p.engines) p.engines->fetcher->stop();
  if (p.scheduler) p.scheduler->stop();
  // After the workers, whose hand-backs wake the other processes' workers.
  if (p.storage) p.storage->events->stop();
}

std::string WorkerApp::summary() const {
  const auto& p = *parts_;
  if (!p.storage) return {};
  const int workers = worker_count(options_, *p.storage);
  return std::to_string(workers) + (workers == 1 ? " worker" : " workers") + ", store " +
         p.storage->store_shown + ", media " + p.storage->media_shown;
}

}  // namespace vidserve::app
