#pragma once
// The subcommands of the `vidserve` binary. Each registers itself on the CLI11 app and returns
// the process exit code from its run function.
#include <CLI/CLI.hpp>
#include <functional>

namespace vidserve::app {

using Runner = std::function<int()>;

// `vidserve models [MODEL] [--json]`
Runner add_models_command(CLI::App& app);
// `vidserve validate FILE|- [--json]`: exit 0 valid, 1 invalid, 2 unreadable or malformed.
Runner add_validate_command(CLI::App& app);
// `vidserve serve [--listen HOST:PORT] [--data DIR] ...`
Runner add_serve_command(CLI::App& app);
// `vidserve worker --store postgresql://... --media s3://... [--workers N] [--health-listen HOST:PORT]`
Runner add_worker_command(CLI::App& app);
// `vidserve keys create|list|revoke|limits|webhook-secret [--data DIR | --store URL]`
Runner add_keys_command(CLI::App& app);
// `vidserve generate --server URL --key KEY --model M ... -o out.mp4`
Runner add_generate_command(CLI::App& app);
// `vidserve tasks get UUID | list [--status S] [--limit N] | cancel UUID` against a server.
Runner add_tasks_command(CLI::App& app);
// `vidserve completion bash|zsh`: the completion script of `app` (which must outlive the runner).
Runner add_completion_command(CLI::App& app);

}  // namespace vidserve::app
