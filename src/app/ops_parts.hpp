#pragma once
// What `serve` and `worker` share for operating them: the flags --log-level, --log-format and
// --metrics-token, the readiness checks behind GET /readyz, and the start-up configuration line.
#include <CLI/CLI.hpp>
#include <memory>
#include <string_view>

#include "api/ops/readiness.hpp"
#include "app/server_app.hpp"
#include "common/result.hpp"

namespace vidserve::app {

struct Storage;
struct Engines;

// --log-level (VIDSERVE_LOG_LEVEL), --log-format text|json (VIDSERVE_LOG_FORMAT) and
// --metrics-token (VIDSERVE_METRICS_TOKEN).
void add_ops_options(CLI::App& cmd, ServeOptions& options);

// Sets the log level and format the options name (before anything logs).
Status apply_log_options(const ServeOptions& options);

// The checks of /readyz over this process's parts: the store answers a lookup, the media store is
// reachable (MediaStore::check_reachable), at least one engine is configured. Every fifth round
// also reads the store's task counts and webhook backlog into the metrics. Not started.
std::unique_ptr<api::ops::Readiness> make_readiness(Storage& storage, const Engines& engines);

// One line on the "vidserve" logger with the configuration this process runs with: no passwords,
// keys or tokens (a token is shown as set or not). `role`: "serve" or "worker".
void log_start_config(std::string_view role, const ServeOptions& options, const Storage& storage,
                      const Engines& engines, std::string_view base_url);

}  // namespace vidserve::app
