#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>
#include <map>

#include "app/cli_help.hpp"
#include "app/commands.hpp"
#include "media/libav_log.hpp"

int main(int argc, char** argv) {
  vidserve::media::quiet_libav_logs();
  CLI::App app{"vidserve: a self-hosted video generation server for Kling models"};
  app.name("vidserve");
  app.require_subcommand(1);
  app.set_version_flag("--version", vidserve::app::version_text(), "Print the version and exit");
  std::map<CLI::App*, vidserve::app::Runner> runners;
  auto add = [&](vidserve::app::Runner runner) { runners[app.get_subcommands({}).back()] = runner; };
  add(vidserve::app::add_serve_command(app));
  add(vidserve::app::add_worker_command(app));
  add(vidserve::app::add_generate_command(app));
  add(vidserve::app::add_tasks_command(app));
  add(vidserve::app::add_models_command(app));
  add(vidserve::app::add_validate_command(app));
  add(vidserve::app::add_keys_command(app));
  add(vidserve::app::add_completion_command(app));
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);  // --help, --version
  } catch (const CLI::ParseError& e) {
    return vidserve::app::usage_error(app, e, std::vector<std::string>(argv + 1, argv + argc));
  }
  try {
    for (auto* sub : app.get_subcommands()) return runners.at(sub)();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "vidserve: %s\n", e.what());
    return 2;
  }
  return 0;
}
