#pragma once
// The flags `serve` and `worker` share (and `keys` for --store), each group added by one function
// onto a ServeOptions. Values are checked while parsing.
#include <CLI/CLI.hpp>

#include "app/server_app.hpp"

namespace vidserve::app {

// --server URL (VIDSERVE_SERVER, default kept from `server`) and --key KEY (VIDSERVE_API_KEY,
// required): the server `generate` and `tasks` talk to.
void add_server_options(CLI::App& cmd, std::string& server, std::string& key);
// --store URL (VIDSERVE_STORE): "" / sqlite: or postgresql://... (app/storage_urls.hpp).
void add_store_option(CLI::App& cmd, std::string& store_url);
// --data, --store, --media (VIDSERVE_MEDIA) and --lease.
void add_storage_options(CLI::App& cmd, ServeOptions& options);
// --fetch-threads, --fetch-per-host, --fetch-queue, --input-fetch-timeout.
void add_fetch_options(CLI::App& cmd, ServeOptions& options);
// --spend-cap (VIDSERVE_SPEND_CAP): the workers' kling-engine spend cap for keys without their own.
void add_spend_cap_option(CLI::App& cmd, ServeOptions& options);

}  // namespace vidserve::app
