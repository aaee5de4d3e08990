#pragma once
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/model.hpp"
#include "common/result.hpp"

namespace vidserve::catalog {

class Catalog {
 public:
  const Model* find(std::string_view air) const;
  const std::vector<Model>& models() const { return models_; }
  const SettingSpec* setting(std::string_view name) const;
  const std::vector<SettingSpec>& settings() const { return settings_; }
  std::vector<std::string> model_ids() const;

  // Parses catalog documents (the text of catalog/*.json). Every key is checked: a typo in a
  // catalog edit is an error that names the model and the key, not a silently ignored field.
  static Result<Catalog> from_documents(const std::vector<std::string>& documents);
  // Loads every *.json file in a directory, in name order.
  static Result<Catalog> from_directory(const std::filesystem::path& dir);
  // The catalog compiled into the binary (catalog/*.json at build time).
  static const Catalog& builtin();
  // VIDSERVE_CATALOG_DIR if set, else the built-in catalog.
  static Result<Catalog> load_default();

 private:
  std::vector<Model> models_;
  std::vector<SettingSpec> settings_;
};

}  // namespace vidserve::catalog
