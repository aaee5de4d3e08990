#pragma once
// Everything `vidserve serve` runs, wired together from the parts of server_parts.hpp (storage,
// engines, front-ends, workers) plus the HTTP server and the sweeper. Tests start it through the
// binary.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "app/key_limits.hpp"
#include "common/result.hpp"

namespace vidserve::app {

struct ServeOptions {
  std::string listen = "127.0.0.1:8080";
  std::filesystem::path data_dir = "./data";
  // Where tasks, keys, spend and the media index live (app/storage_urls.hpp): "" or "sqlite:" for
  // SQLite in data_dir/vidserve.db (one process, the default); "postgresql://..." for a store
  // shared by several processes (API nodes and `vidserve worker`s), each with its own data_dir
  // for scratch and spool files.
  std::string store_url;
  // Where media live: "" for data_dir/media; "s3://BUCKET[/PREFIX]?endpoint=...&region=..." (with
  // a shared store only).
  std::string media_url;
  std::string public_url;      // default: http://<listen> (https:// with TLS)
  // TLS on the listener: both PEM files or neither. SIGHUP reloads them (ServerApp::reload_tls).
  std::string tls_cert;
  std::string tls_key;
  // Origins browsers may call the APIs and media routes from ("*": any); empty: no CORS.
  std::vector<std::string> cors_origins;
  int workers = -1;            // tasks rendered at once; -1: 2 on SQLite, 0 on a shared store
  // How long a claimed task stays with its worker without a renewal (renewed every sixth of it);
  // 0: 10 minutes on SQLite, 30 s on a shared store (a dead worker's tasks wait this long).
  std::int64_t lease_ms = 0;
  // `vidserve worker` only: HOST:PORT answering GET /healthz ("" = no HTTP at all).
  std::string health_listen;
  int io_threads = 4;
  std::size_t body_limit = 10 * 1024 * 1024;
  std::size_t max_connections = 0;         // 0: from the file-descriptor limit
  std::size_t max_connections_per_ip = 0;  // 0: half of max_connections
  // New tasks are refused (507, Retry-After) while the media directory has less free space.
  std::uint64_t min_free_space = 100 * 1024 * 1024;
  // URL fetches (imageUpload, task inputs) run on a pool: threads, per-host cap, queue bound.
  int fetch_threads = 8;
  std::size_t fetch_per_host = 4;
  std::size_t fetch_queue = 256;
  int input_timeout_s = 60;   // total per URL input of a task
  int upload_timeout_s = 30;  // total per imageUpload URL
  // Queued + processing tasks per API key at most; more are refused (tooManyQueuedTasks, 429).
  // 0: no limit.
  std::int64_t max_queued_per_key = 1000;
  // Webhook delivery (api/webhooks/WebhookNotifier): retried for this many hours, the first retry
  // after this many ms (then doubling, with jitter, at most webhook_max_backoff_ms apart).
  int webhook_retry_hours = 24;
  std::int64_t webhook_first_backoff_ms = 5000;
  std::int64_t webhook_max_backoff_ms = 3600 * 1000;
  // Finished tasks, their results and media are deleted this long after their last update.
  // 0: never.
  std::int64_t retention_ms = 30LL * 24 * 3600 * 1000;
  // Per-key limits for keys without their own (`vidserve keys limits`) and for VIDSERVE_API_KEYS:
  // requests per second (0: none) with a burst (0: the rate rounded up), and the kling-engine
  // spend cap (none by default).
  LimitDefaults limits;
  // Logs (common/log.hpp): "" keeps the level (info, or VIDSERVE_LOG_LEVEL); text or json.
  std::string log_level;
  std::string log_format = "text";
  // GET /metrics needs "Authorization: Bearer <metrics_token>" when not empty.
  std::string metrics_token;
};

// "30d", "12h", "90m", "45s", "1500ms", a plain number of seconds, or "0"/"off" (0: never).
Result<std::int64_t> parse_retention(const std::string& text);
// The same units, from 5 s to 1 h (--lease).
Result<std::int64_t> parse_lease(const std::string& text);

class ServerApp {
 public:
  explicit ServerApp(ServeOptions options);
  ~ServerApp();
  // Opens the store, resumes interrupted tasks, starts workers and the HTTP server.
  Result<std::string> start();  // the base URL
  void stop();
  // Reads the TLS certificate and key again: new connections use the new pair; on an error the
  // current pair stays and the error is returned. Ok without TLS (nothing to reload).
  Status reload_tls();
  bool tls() const { return !options_.tls_cert.empty(); }
  // After start(): "store SQLite (DATA/vidserve.db), media DATA/media, 2 workers" (no passwords).
  std::string summary() const;
  // After start(): what serves the models, "*=preview" or "klingai:*=kling, *=preview; kling
  // relays to URL".
  std::string engines_summary() const;

 private:
  // The HTTP server and WebSocket sessions over the built front-ends; the base URL.
  Result<std::string> start_http(const std::string& host, unsigned short port);
  Status load_tls();  // both files or neither; unreadable or mismatched files are errors

  struct Parts;
  ServeOptions options_;
  std::unique_ptr<Parts> parts_;
};

// "127.0.0.1:8080" -> ("127.0.0.1", 8080); "[::1]:0" -> ("::1", 0).
Result<std::pair<std::string, unsigned short>> parse_listen(const std::string& listen);

}  // namespace vidserve::app
