#include <cstdlib>
#include <iostream>
#include <memory>

#include "app/command_options.hpp"
#include "app/commands.hpp"
#include "app/config_file.hpp"
#include "app/ops_parts.hpp"
#include "app/storage_urls.hpp"
#include "app/stop_signals.hpp"
#include "app/server_app.hpp"
#include "common/log.hpp"

namespace vidserve::app {

namespace {

// The start banner on stdout: where each API, the media and the operations endpoints are, what
// serves the models, where data lives and which API key to use. Tests read the first line.
void print_banner(const std::string& base, const ServerApp& app, const ServeOptions& options) {
  // http://HOST:PORT -> ws://HOST:PORT (https -> wss)
  const bool tls = base.rfind("https:", 0) == 0;
  const std::string ws = (tls ? "wss" : "ws") + base.substr(base.find(':'));
  std::cout << "vidserve listening on " << base << "\n"
            << "  Runware task API   POST " << base << "/v1   WebSocket " << ws << "/v1\n"
            << "  Kling native API   " << base << "/v1/videos/<product> (text2video, image2video, ...)\n"
            << "  APIMart-style API  POST " << base << "/v1/videos/generations   GET " << base
            << "/v1/tasks/<id>\n"
            << "  Media              " << base << "/media/<uuid>.<ext>\n"
            << "  Operations         " << base << "/healthz  /readyz  /metrics\n"
            << "  Transport          "
            << (tls ? "TLS 1.2+ (HTTPS and WSS), certificate " + options.tls_cert + ", reloaded on SIGHUP"
                    : std::string("plain HTTP (TLS with --tls-cert and --tls-key)"))
            << "\n"
            << "  Engines            " << app.engines_summary() << "\n"
            << "  Data               " << app.summary() << "\n";
  if (const char* keys = std::getenv("VIDSERVE_API_KEYS"); keys && *keys) {
    const std::string_view all(keys);
    std::cout << "  API key            " << all.substr(0, all.find(',')) << " (from VIDSERVE_API_KEYS)\n";
  } else {
    const auto where = options.store_url.empty() ? "--data " + options.data_dir.string()
                                                 : "--store " + shown_url(options.store_url);
    std::cout << "  API keys           create one with `vidserve keys create " << where << "`\n";
  }
}

int run_serve(const ServeOptions& options) {
  if (auto logs = apply_log_options(options); !logs) {
    std::cerr << "vidserve serve: " << logs.error().message << "\n";
    return 1;
  }
  block_stop_signals(/*hangup=*/true);  // SIGHUP: reload the TLS certificate and key
  ServerApp app(options);
  auto base = app.start();
  if (!base) {
    std::cerr << "vidserve serve: " << base.error().message << "\n";
    return 1;
  }
  print_banner(*base, app, options);
  std::cout.flush();
  wait_for_stop_signal([&app] {
    if (!app.tls()) return log::get().info("SIGHUP: no TLS certificate to reload");
    if (auto reloaded = app.reload_tls(); !reloaded) {
      return log::get().error("SIGHUP: the TLS certificate and key stay as they were: {}", reloaded.error().message);
    }
    log::get().info("SIGHUP: TLS certificate and key reloaded; new connections use them");
  });
  log::get().info("shutting down");
  app.stop();
  return 0;
}

// Per-key limits for keys without their own; each also from the environment.
void add_limit_options(CLI::App& cmd, ServeOptions& options) {
  cmd.add_option("--rate-limit", options.limits.rate_per_s,
                 "Requests per second per API key, for keys without their own rate (0: no limit); "
                 "over it: 429 with Retry-After")
      ->envname("VIDSERVE_RATE_LIMIT")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1e6));
  cmd.add_option("--rate-burst", options.limits.burst,
                 "Requests a key may send at once before its rate applies (0: the rate rounded up)")
      ->envname("VIDSERVE_RATE_BURST")
      ->capture_default_str()
      ->check(CLI::Range(0, 1'000'000));
  add_spend_cap_option(cmd, options);
}


// TLS on the listener and the origins browsers may call from.
void add_tls_cors_options(CLI::App& cmd, ServeOptions& options) {
  cmd.add_option("--tls-cert", options.tls_cert,
                 "PEM certificate chain: every connection is TLS 1.2+ (HTTPS, WSS); needs --tls-key; "
                 "SIGHUP reloads both files")
      ->envname("VIDSERVE_TLS_CERT");
  cmd.add_option("--tls-key", options.tls_key, "PEM private key of --tls-cert (unencrypted)")
      ->envname("VIDSERVE_TLS_KEY");
  cmd.add_option("--cors-origin", options.cors_origins,
                 "Origins browser apps may call from, e.g. https://app.example.com (repeatable, or "
                 "comma-separated; * for any); default: none")
      ->envname("VIDSERVE_CORS_ORIGINS")
      ->delimiter(',');
}

void add_webhook_options(CLI::App& cmd, ServeOptions& options) {
  cmd.add_option("--webhook-retry-hours", options.webhook_retry_hours,
                 "Hours a webhook is retried before it is given up")
      ->capture_default_str()
      ->check(CLI::Range(1, 24 * 30));
  cmd.add_option("--webhook-first-backoff-ms", options.webhook_first_backoff_ms,
                 "Wait before a webhook's second attempt; each further wait doubles (with jitter)")
      ->capture_default_str()
      ->check(CLI::Range(10, 3600 * 1000));
  cmd.add_option("--webhook-max-backoff-ms", options.webhook_max_backoff_ms, "Longest wait between two attempts")
      ->capture_default_str()
      ->check(CLI::Range(10, 24 * 3600 * 1000));
}

}  // namespace

Runner add_serve_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("serve", "Run the API server (SQLite + preview engine by default)");
  auto options = std::make_shared<ServeOptions>();
  cmd->add_option("--listen", options->listen, "HOST:PORT to listen on (port 0 picks a free port)")
      ->capture_default_str();
  add_storage_options(*cmd, *options);
  cmd->add_option("--public-url", options->public_url,
                  "Base URL for media links (default: http://LISTEN, https://LISTEN with TLS)");
  add_tls_cors_options(*cmd, *options);
  cmd->add_option("--workers", options->workers,
                  "Tasks rendered at once (0: accept and store only; tasks wait for a worker). Default: 2 on "
                  "SQLite, 0 on a shared store (an API node; `vidserve worker` renders)")
      ->check(CLI::Range(0, 64));
  cmd->add_option("--io-threads", options->io_threads, "HTTP threads")->capture_default_str()->check(CLI::Range(1, 64));
  cmd->add_option("--body-limit", options->body_limit, "Largest request body in bytes")->capture_default_str();
  cmd->add_option("--max-connections", options->max_connections,
                  "Open connections at most (0: the file-descriptor limit, raised to its maximum, less 64)")
      ->capture_default_str();
  cmd->add_option("--max-connections-per-ip", options->max_connections_per_ip,
                  "Open connections per client address at most (0: half of --max-connections)")
      ->capture_default_str();
  cmd->add_option("--min-free-space", options->min_free_space,
                  "Refuse new tasks (507 with Retry-After) while the data directory has less free space, "
                  "e.g. 500MiB or 2GB (0: never)")
      ->transform(CLI::AsSizeValue(false))
      ->capture_default_str();
  add_fetch_options(*cmd, *options);
  cmd->add_option("--upload-fetch-timeout", options->upload_timeout_s,
                  "Seconds for fetching an imageUpload URL, in total")
      ->capture_default_str()
      ->check(CLI::Range(1, 3600));
  cmd->add_option("--max-queued-per-key", options->max_queued_per_key,
                  "Queued + processing tasks per API key at most; more get 429 tooManyQueuedTasks (0: no limit)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  add_limit_options(*cmd, *options);
  add_webhook_options(*cmd, *options);
  add_ops_options(*cmd, *options);
  auto retention = std::make_shared<std::string>("30d");
  cmd->add_option("--retention", *retention,
                  "Delete finished tasks with their results and media this long after they finished "
                  "(30d, 12h, 90m, 45s; 0 or off: never)")
      ->capture_default_str()
      ->check([](const std::string& text) {
        auto parsed = parse_retention(text);
        return parsed ? std::string() : parsed.error().message;
      });
  auto config = add_config_file(*cmd);  // after every option
  return [options, retention, config] {
    if (!config->error.empty()) {
      std::cerr << "vidserve serve: --config " << config->error << "\n";
      return 2;
    }
    options->retention_ms = *parse_retention(*retention);  // checked while parsing
    return run_serve(*options);
  };
}

}  // namespace vidserve::app
