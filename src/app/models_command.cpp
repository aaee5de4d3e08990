#include <boost/json.hpp>
#include <iostream>
#include <memory>

#include "app/commands.hpp"
#include "catalog/catalog.hpp"
#include "common/money.hpp"
#include "common/text.hpp"

namespace vidserve::app {

namespace {

using catalog::Model;

std::string sizes_of(const Model& m) {
  std::vector<std::string> sizes;
  bool from_input = false;
  for (const auto& w : m.workflows) {
    if (w.size.kind == catalog::SizeSpec::Kind::FromInput) from_input = true;
    for (const auto& s : w.size.values) {
      const auto name = catalog::to_string(s);
      if (std::find(sizes.begin(), sizes.end(), name) == sizes.end()) sizes.push_back(name);
    }
  }
  if (sizes.empty()) return "from input";
  return text::join(sizes, " ") + (from_input ? " | from input" : "");
}

std::string durations_of(const Model& m) {
  std::vector<std::string> parts;
  for (const auto& w : m.workflows) {
    const auto& d = w.duration;
    std::string s;
    if (m.type == catalog::ModelType::Image) continue;
    if (d.kind == catalog::DurationSpec::Kind::Values) {
      std::vector<std::string> v;
      for (double x : d.values) v.push_back(text::format_number(x));
      s = text::join(v, "|") + "s";
    } else if (d.kind == catalog::DurationSpec::Kind::Range) {
      s = text::format_number(d.min) + "-" + text::format_number(d.max) + "s";
    } else {
      s = "from " + d.from_input;
    }
    if (std::find(parts.begin(), parts.end(), s) == parts.end()) parts.push_back(s);
  }
  return parts.empty() ? "-" : text::join(parts, ", ");
}

std::string price_of(const Model& m) {
  std::vector<std::string> parts;
  for (const auto& p : m.pricing) {
    std::string s;
    const auto amount = money::usd(money::from_usd(p.amount));
    switch (p.basis) {
      case catalog::PriceRule::Basis::PerSecond: s = amount + "/s"; break;
      case catalog::PriceRule::Basis::PerItem: s = amount + " each"; break;
      case catalog::PriceRule::Basis::InputPerSecond: s = amount + "/s of " + p.input; break;
      case catalog::PriceRule::Basis::InputTiers: s = "tiered by " + p.input + " length"; break;
    }
    std::vector<std::string> when = p.workflows;
    if (p.sound) when.push_back(*p.sound ? "sound" : "silent");
    if (p.video_input) when.push_back(*p.video_input ? "video input" : "no video input");
    if (p.min_pixels) when.push_back("4K");
    if (!when.empty()) s += " (" + text::join(when, ", ") + ")";
    parts.push_back(s);
  }
  return parts.empty() ? "-" : text::join(parts, "; ");
}

boost::json::object model_json(const Model& m) {
  boost::json::object o;
  o["air"] = m.air;
  o["name"] = m.name;
  o["type"] = m.type == catalog::ModelType::Video ? "video" : "image";
  boost::json::array workflows;
  for (const auto& k : m.workflow_kinds()) workflows.emplace_back(k);
  o["workflows"] = std::move(workflows);
  o["sizes"] = sizes_of(m);
  o["durations"] = durations_of(m);
  o["price"] = price_of(m);
  boost::json::array settings;
  for (const auto& s : m.all_settings()) settings.emplace_back(s);
  o["providerSettings"] = std::move(settings);
  return o;
}

int run_models(bool as_json) {
  auto loaded = catalog::Catalog::load_default();
  if (!loaded) {
    std::cerr << "vidserve: " << loaded.error().message << "\n";
    return 2;
  }
  const auto& models = loaded->models();
  if (as_json) {
    boost::json::array out;
    for (const auto& m : models) out.push_back(model_json(m));
    std::cout << boost::json::serialize(out) << "\n";
    return 0;
  }
  for (const auto& m : models) {
    std::cout << m.air << "  (" << m.name << ")\n"
              << "    workflows: " << text::join(m.workflow_kinds(), ", ") << "\n"
              << "    sizes:     " << sizes_of(m) << "\n"
              << "    durations: " << durations_of(m) << "\n"
              << "    price:     " << price_of(m) << "\n";
  }
  std::cout << models.size() << " models\n";
  return 0;
}

}  // namespace

Runner add_models_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("models", "List the models in the catalog");
  auto as_json = std::make_shared<bool>(false);
  cmd->add_flag("--json", *as_json, "Print JSON instead of a table");
  return [as_json] { return run_models(*as_json); };
}

}  // namespace vidserve::app
