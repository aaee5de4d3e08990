#include "catalog/catalog.hpp"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

#include "catalog/catalog_parser.hpp"
#include "catalog/error_codes.hpp"
#include "catalog/json_fields.hpp"
#include "common/log.hpp"
#include "common/text.hpp"

namespace vidserve::catalog {

namespace json = boost::json;

// Defined in the source file that CMake generates from catalog/*.json.
const std::vector<std::string>& builtin_catalog_documents();

namespace {

// Resolves `extends`: the model's own top-level keys replace those of its base.
json::object merge_with_base(const json::object& model,
                             const std::map<std::string, json::object>& resolved,
                             std::vector<std::string>& errors) {
  const auto* base_name = model.if_contains("extends");
  if (!base_name) return model;
  const std::string base = base_name->is_string() ? std::string(base_name->get_string()) : "";
  const auto it = resolved.find(base);
  if (it == resolved.end()) {
    errors.push_back(json::serialize(model.at("air")) + ": extends unknown or later model '" +
                     base + "'");
    return model;
  }
  json::object merged = it->second;
  for (const auto& kv : model) merged[kv.key()] = kv.value();
  return merged;
}

void check_references(const std::vector<Model>& models, const std::vector<SettingSpec>& settings,
                      std::vector<std::string>& errors) {
  auto has_model = [&](const std::string& air) {
    return std::any_of(models.begin(), models.end(), [&](const Model& m) { return m.air == air; });
  };
  for (const auto& m : models) {
    if (m.upgrade && !has_model(*m.upgrade)) {
      errors.push_back(m.air + ".upgrade: unknown model '" + *m.upgrade + "'");
    }
    for (const auto& w : m.workflows) {
      for (const auto& s : w.settings) {
        const bool known = std::any_of(settings.begin(), settings.end(),
                                       [&](const SettingSpec& spec) { return spec.name == s; });
        if (!known) errors.push_back(m.air + " workflow " + w.kind + ": unknown setting '" + s + "'");
      }
    }
  }
}

void parse_document(const std::string& text, std::size_t index,
                    std::map<std::string, json::object>& resolved, std::vector<Model>& models,
                    std::vector<SettingSpec>& settings, std::vector<std::string>& errors) {
  const std::string where = "catalog document " + std::to_string(index);
  boost::system::error_code ec;
  const json::value doc = json::parse(text, ec);
  if (ec || !doc.is_object()) {
    errors.push_back(where + ": not a JSON object (" + ec.message() + ")");
    return;
  }
  detail::Fields f(doc.get_object(), where, errors);
  f.string("provider");
  f.string("about");
  if (const auto* s = f.object("settings")) {
    for (const auto& kv : *s) {
      if (kv.value().is_object()) {
        settings.push_back(detail::parse_setting(std::string(kv.key()), kv.value().get_object(), errors));
      }
    }
  }
  const auto* list = f.array("models");
  if (!list) return;
  for (const auto& entry : *list) {
    if (!entry.is_object()) continue;
    json::object merged = merge_with_base(entry.get_object(), resolved, errors);
    merged.erase("extends");
    Model model = detail::parse_model(merged, errors);
    if (resolved.count(model.air)) errors.push_back(model.air + ": defined twice");
    resolved[model.air] = std::move(merged);
    models.push_back(std::move(model));
  }
}

}  // namespace

const Model* Catalog::find(std::string_view air) const {
  for (const auto& m : models_) {
    if (m.air == air) return &m;
  }
  return nullptr;
}

const SettingSpec* Catalog::setting(std::string_view name) const {
  for (const auto& s : settings_) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

std::vector<std::string> Catalog::model_ids() const {
  std::vector<std::string> ids;
  for (const auto& m : models_) ids.push_back(m.air);
  return ids;
}

Result<Catalog> Catalog::from_documents(const std::vector<std::string>& documents) {
  Catalog catalog;
  std::vector<std::string> errors;
  std::map<std::string, json::object> resolved;
  for (std::size_t i = 0; i < documents.size(); ++i) {
    parse_document(documents[i], i, resolved, catalog.models_, catalog.settings_, errors);
  }
  check_references(catalog.models_, catalog.settings_, errors);
  if (!errors.empty()) return Error{errc::kInvalidCatalog, text::join(errors, "; ")};
  return catalog;
}

Result<Catalog> Catalog::from_directory(const std::filesystem::path& dir) {
  std::error_code ec;
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.path().extension() == ".json") files.push_back(entry.path());
  }
  if (ec)
    return Error{errc::kInvalidCatalog,
                 "cannot read catalog directory " + dir.string() + ": " + ec.message()};
  std::sort(files.begin(), files.end());
  std::vector<std::string> documents;
  for (const auto& file : files) {
    std::ifstream in(file, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    documents.push_back(text.str());
  }
  if (documents.empty()) return Error{errc::kInvalidCatalog, "no *.json files in " + dir.string()};
  return from_documents(documents);
}

const Catalog& Catalog::builtin() {
  static const Catalog catalog = [] {
    auto loaded = from_documents(builtin_catalog_documents());
    // The built-in catalog is checked by the unit tests; a broken one is a build defect.
    if (!loaded) {
      log::get().critical("built-in catalog is invalid: {}", loaded.error().message);
      std::abort();
    }
    return std::move(loaded).value();
  }();
  return catalog;
}

Result<Catalog> Catalog::load_default() {
  if (const char* dir = std::getenv("VIDSERVE_CATALOG_DIR"); dir && *dir) return from_directory(dir);
  return builtin();
}

}  // namespace vidserve::catalog
