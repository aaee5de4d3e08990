#pragma once
// The settings of `vidserve serve` and `vidserve worker` come from three places, one name each:
//
//   flag            environment variable         key in the --config file (TOML)
//   --listen        VIDSERVE_LISTEN              listen = "127.0.0.1:8080"
//   --rate-limit    VIDSERVE_RATE_LIMIT          rate-limit = 5        (rate_limit also accepted)
//   --cors-origin   VIDSERVE_CORS_ORIGIN         cors-origin = ["https://app.example"]
//
// Precedence: command line > environment > config file > built-in default. A config file's
// top-level keys apply to the command that reads it; a [serve] or [worker] table applies to that
// command only, so one file can hold both. Unknown keys and values of the wrong kind are errors.
#include <CLI/CLI.hpp>
#include <memory>
#include <string>

namespace vidserve::app {

// What the config file did while parsing; checked by the command before it runs.
struct ConfigFileState {
  std::string path;   // --config or VIDSERVE_CONFIG; "" = none
  std::string error;  // set when the file could not be read or applied
};

// Adds --config FILE (env VIDSERVE_CONFIG) to `cmd` and gives every long flag without one the
// environment variable VIDSERVE_<FLAG> (dashes as underscores, upper case). Call after all of
// the command's options are added.
std::shared_ptr<const ConfigFileState> add_config_file(CLI::App& cmd);

// The environment variable of a flag name: "rate-limit" -> "VIDSERVE_RATE_LIMIT".
std::string env_name_of(const std::string& flag);

}  // namespace vidserve::app
