#include <iostream>
#include <memory>

#include "app/command_options.hpp"
#include "app/commands.hpp"
#include "app/config_file.hpp"
#include "app/ops_parts.hpp"
#include "app/stop_signals.hpp"
#include "app/worker_app.hpp"
#include "common/log.hpp"

namespace vidserve::app {

namespace {

int run_worker(const ServeOptions& options) {
  if (auto logs = apply_log_options(options); !logs) {
    std::cerr << "vidserve worker: " << logs.error().message << "\n";
    return 1;
  }
  block_stop_signals();
  WorkerApp app(options);
  auto health = app.start();
  if (!health) {
    std::cerr << "vidserve worker: " << health.error().message << "\n";
    return 1;
  }
  std::cout << "vidserve worker running: " << app.summary();
  if (!health->empty()) std::cout << ", health " << *health;
  std::cout << "\n";
  std::cout.flush();
  wait_for_stop_signal();
  log::get().info("stopping: tasks in hand go back to the queue");
  app.stop();
  return 0;
}

}  // namespace

Runner add_worker_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("worker",
                                 "Claim and run tasks from a shared store (--store "
                                 "postgresql://... --media s3://...); no API");
  auto options = std::make_shared<ServeOptions>();
  options->workers = 2;
  add_storage_options(*cmd, *options);
  cmd->add_option("--workers", options->workers, "Tasks rendered at once")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  cmd->add_option(
      "--health-listen", options->health_listen,
      "HOST:PORT answering GET /healthz with {\"status\":\"ok\",\"workers\":N,\"running\":K} "
      "(default: no HTTP at all); also GET /readyz and GET /metrics");
  add_fetch_options(*cmd, *options);
  add_spend_cap_option(*cmd, *options);
  add_ops_options(*cmd, *options);
  auto config = add_config_file(*cmd);  // after every option
  return [options, config] {
    if (!config->error.empty()) {
      std::cerr << "vidserve worker: --config " << config->error << "\n";
      return 2;
    }
    return run_worker(*options);
  };
}

}  // namespace vidserve::app
