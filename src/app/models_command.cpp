// `vidserve models [MODEL] [--json]`: the catalog's models, or one model's workflows, inputs and
// settings.
#include <boost/json.hpp>
#include <iostream>
#include <memory>

#include "api/wire/json_text.hpp"
#include "app/cli_help.hpp"
#include "app/commands.hpp"
#include "app/model_view.hpp"
#include "common/text.hpp"

namespace vidserve::app {

namespace {

int run_one(const catalog::Catalog& catalog, const std::string& air, bool as_json) {
  const auto* model = catalog.find(air);
  if (model == nullptr) {
    const auto ids = catalog.model_ids();
    std::cerr << "vidserve models: no model " << text::quoted(air) << " in the catalog";
    if (auto near = text::nearest(air, ids)) std::cerr << "; did you mean '" << *near << "'?";
    std::cerr << "\n`vidserve models` lists them.\n";
    return kUsageError;
  }
  if (as_json) {
    std::cout << api::wire::to_text(model_json(catalog, *model)) << "\n";
  } else {
    print_model_details(std::cout, catalog, *model);
  }
  return 0;
}

int run_models(const std::string& air, bool as_json) {
  auto loaded = catalog::Catalog::load_default();
  if (!loaded) {
    std::cerr << "vidserve: " << loaded.error().message << "\n";
    return 2;
  }
  if (!air.empty()) return run_one(*loaded, air, as_json);
  const auto& models = loaded->models();
  if (as_json) {
    boost::json::array out;
    for (const auto& m : models) out.push_back(model_json(*loaded, m));
    std::cout << api::wire::to_text(out) << "\n";
    return 0;
  }
  for (const auto& m : models) print_model_summary(std::cout, m);
  std::cout << models.size()
            << " models; `vidserve models MODEL` shows one model's inputs and settings\n";
  return 0;
}

}  // namespace

Runner add_models_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "models", "List the models in the catalog, or show one model's inputs and settings");
  auto air = std::make_shared<std::string>();
  auto as_json = std::make_shared<bool>(false);
  cmd->add_option("model", *air,
                  "A model's AIR id, e.g. klingai:7@1: its workflows, inputs and settings");
  cmd->add_flag("--json", *as_json, "Print JSON (sizes as {width, height}, durations as numbers)");
  return [air, as_json] { return run_models(*air, *as_json); };
}

}  // namespace vidserve::app
