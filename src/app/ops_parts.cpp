#include "app/ops_parts.hpp"

#include <algorithm>
#include <atomic>
#include <cstdlib>

#include "app/error_codes.hpp"
#include "app/server_parts.hpp"
#include "common/log_event.hpp"
#include "common/metrics.hpp"
#include "delivery/s3_media_store.hpp"

namespace vidserve::app {

namespace {

// The store's lookup for readiness: an id no task has. notFound is the store answering.
constexpr std::string_view kProbeOwner = "readiness-probe";

constexpr int kCountEvery = 5;  // rounds between two readings of the task counts

void read_counts(Storage& storage) {
  if (auto counts = storage.tasks->count_by_status()) {
    std::vector<std::pair<std::string, std::int64_t>> by_state;
    for (const auto& [status, count] : *counts)
      by_state.emplace_back(std::string(store::to_string(status)), count);
    metrics::set_task_counts(by_state);
    metrics::set_queue_depth((*counts)[store::TaskStatus::Queued]);
  }
  if (storage.outbox) {
    if (auto backlog = storage.outbox->outbox_backlog()) metrics::set_webhook_backlog(*backlog);
  }
}

Status check_store(Storage& storage, std::atomic<int>& round) {
  auto found = storage.tasks->get(kProbeOwner, "00000000-0000-0000-0000-000000000000");
  if (!found && found.error().code != store::errc::kNotFound) {
    return Error{found.error().code, "the store does not answer: " + found.error().message};
  }
  if (round++ % kCountEvery == 0) read_counts(storage);
  return Ok{};
}

// The local media directory answers when its free space can be read; an S3 bucket, a HEAD.
Status check_media(const delivery::MediaStore& media) {
  if (const auto* s3 = dynamic_cast<const delivery::S3MediaStore*>(&media)) {
    if (auto reachable = s3->check_reachable(); !reachable) {
      return Error{reachable.error().code, "the S3 bucket does not answer: " + reachable.error().message};
    }
    return Ok{};
  }
  if (auto free = media.free_bytes(); !free) {
    return Error{free.error().code, "the media directory cannot be read: " + free.error().message};
  }
  return Ok{};
}

// The engines the catalog's models are routed to, each once, in the catalog's order.
std::vector<std::string> engine_names(const Storage& storage, const Engines& engines) {
  std::vector<std::string> names;
  for (const auto& model : storage.catalog.models()) {
    const auto* engine = engines.router.engine_for(model.air);
    if (!engine) continue;
    const std::string name(engine->name());
    if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
  }
  return names;
}

}  // namespace

void add_ops_options(CLI::App& cmd, ServeOptions& options) {
  cmd.add_option("--log-level", options.log_level,
                 "Log level: trace, debug, info (the default), warning, error, critical, off")
      ->envname("VIDSERVE_LOG_LEVEL")
      ->check([](const std::string& name) {
        auto level = spdlog::level::from_str(name);
        return level != spdlog::level::off || name == "off" ? std::string()
                                                            : "not a log level: " + name;
      });
  cmd.add_option(
         "--log-format", options.log_format,
         "Log lines on stderr: text, or json (one object per line: ts, level, logger, msg and the "
         "event's fields)")
      ->envname("VIDSERVE_LOG_FORMAT")
      ->capture_default_str()
      ->check(CLI::IsMember({"text", "json"}));
  cmd.add_option(
         "--metrics-token", options.metrics_token,
         "GET /metrics answers only \"Authorization: Bearer TOKEN\" (default: no token needed)")
      ->envname("VIDSERVE_METRICS_TOKEN");
}

Status apply_log_options(const ServeOptions& options) {
  if (!options.log_level.empty()) {
    if (auto level = log::set_level(options.log_level); !level) return level;
  }
  return log::set_format(options.log_format);
}

std::unique_ptr<api::ops::Readiness> make_readiness(Storage& storage, const Engines& engines) {
  std::vector<std::string> models;
  for (const auto& model : storage.catalog.models()) models.push_back(model.air);
  metrics::set_known_models(std::move(models));
  auto round = std::make_shared<std::atomic<int>>(0);
  std::vector<api::ops::ReadinessCheck> checks;
  checks.push_back({"store", [&storage, round] { return check_store(storage, *round); }});
  checks.push_back({"media", [&storage] { return check_media(*storage.media); }});
  const bool has_engine = !engine_names(storage, engines).empty();
  checks.push_back({"engines", [has_engine]() -> Status {
                      if (has_engine) return Ok{};
                      return Error{errc::kEngineNotConfigured, "no engine is configured for any model of the catalog"};
                    }});
  return std::make_unique<api::ops::Readiness>(std::move(checks));
}

void log_start_config(std::string_view role, const ServeOptions& options, const Storage& storage,
                      const Engines& engines, std::string_view base_url) {
  std::string engine_list;
  for (const auto& name : engine_names(storage, engines))
    engine_list += (engine_list.empty() ? "" : ",") + name;
  const int workers = worker_count(options, storage);
  log::event(log::get(), spdlog::level::info, "configuration",
             {{"role", role},
              {"listen", role == "worker" ? options.health_listen : options.listen},
              {"base_url", base_url},
              {"store", storage.store_shown},
              {"media", storage.media_shown},
              {"data", options.data_dir.string()},
              {"workers", workers},
              {"engines", engine_list},
              {"io_threads", options.io_threads},
              {"retention_ms", options.retention_ms},
              {"max_queued_per_key", options.max_queued_per_key},
              {"log_level", options.log_level.empty() ? std::string("info") : options.log_level},
              {"log_format", options.log_format},
              {"metrics_token", options.metrics_token.empty() ? "none" : "set"},
              {"api_keys_from_env", std::getenv("VIDSERVE_API_KEYS") ? "yes" : "no"}});
}

}  // namespace vidserve::app
