#include "app/command_options.hpp"

#include "app/storage_urls.hpp"
#include "common/money.hpp"

namespace vidserve::app {

void add_server_options(CLI::App& cmd, std::string& server, std::string& key) {
  cmd.add_option("--server", server, "Server base URL")->capture_default_str()->envname("VIDSERVE_SERVER");
  cmd.add_option("--key", key, "API key")->required()->envname("VIDSERVE_API_KEY");
}

void add_store_option(CLI::App& cmd, std::string& store_url) {
  cmd.add_option(
         "--store", store_url,
         "Where tasks, keys and the media index live: sqlite: (the default, SQLite in the --data "
         "directory, one process) or postgresql://USER@HOST[:PORT]/DATABASE (shared by API nodes "
         "and "
         "workers; the password from ~/.pgpass or PGPASSWORD)")
      ->envname("VIDSERVE_STORE")
      ->check([](const std::string& url) {
        auto kind = store_kind(url);
        return kind ? std::string() : kind.error().message;
      });
}

void add_storage_options(CLI::App& cmd, ServeOptions& options) {
  cmd.add_option(
         "--data", options.data_dir,
         "Data directory of this process: the SQLite database and media by default; scratch and "
         "spool files always (one process per directory)")
      ->capture_default_str();
  add_store_option(cmd, options.store_url);
  cmd.add_option(
         "--media", options.media_url,
         "Where media live: the --data directory's media/ (the default), or "
         "s3://BUCKET[/PREFIX]?endpoint=URL&region=REGION with a shared --store (credentials from "
         "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)")
      ->envname("VIDSERVE_MEDIA")
      ->check([](const std::string& url) {
        auto kind = media_kind(url);
        return kind ? std::string() : kind.error().message;
      });
  cmd.add_option_function<std::string>(
         "--lease", [&options](const std::string& text) { options.lease_ms = *parse_lease(text); },
         "How long a claimed task stays with a worker that stopped renewing it (renewed every "
         "sixth of it), "
         "e.g. 30s or 2m (default: 10m on SQLite, 30s on a shared store)")
      ->check([](const std::string& text) {
        auto lease = parse_lease(text);
        return lease ? std::string() : lease.error().message;
      });
}

void add_fetch_options(CLI::App& cmd, ServeOptions& options) {
  cmd.add_option("--fetch-threads", options.fetch_threads,
                 "Threads that fetch URLs (imageUpload, task inputs), never the HTTP threads")
      ->capture_default_str()
      ->check(CLI::Range(1, 256));
  cmd.add_option("--fetch-per-host", options.fetch_per_host, "URL fetches from one host at once")
      ->capture_default_str()
      ->check(CLI::Range(1, 256));
  cmd.add_option("--fetch-queue", options.fetch_queue,
                 "URL fetches waiting for a thread at most (a quarter of it per host); beyond, 503")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  cmd.add_option("--input-fetch-timeout", options.input_timeout_s,
                 "Seconds for fetching one URL input of a task, in total (connect, wait, body)")
      ->capture_default_str()
      ->check(CLI::Range(1, 3600));
}

void add_spend_cap_option(CLI::App& cmd, ServeOptions& options) {
  cmd.add_option_function<std::string>(
         "--spend-cap",
         [&options](const std::string& text) { options.limits.spend_cap = money::parse(text); },
         "Kling-engine spend cap per API key in USD, for keys without their own (e.g. 20.00; "
         "default: none)")
      ->envname("VIDSERVE_SPEND_CAP")
      ->check([](const std::string& text) {
        return money::parse(text) ? std::string() : "a plain decimal amount in USD, e.g. 20.00";
      });
}

}  // namespace vidserve::app
