#include "app/config_file.hpp"

#include <algorithm>
#include <cctype>
#include <sstream>
#include <string_view>
#include <vector>

// toml++ as a header-only library without exceptions (vidserve's code does not throw); the
// Debian package's shared library is built with them, so it is not linked.
#define TOML_HEADER_ONLY 1
#define TOML_EXCEPTIONS 0
#include <toml++/toml.h>

namespace vidserve::app {

namespace {

constexpr std::string_view kConfigFlag = "config";
constexpr std::string_view kEnvPrefix = "VIDSERVE_";
// Tables that belong to one command each; a command skips the others'.
constexpr std::string_view kCommandTables[] = {"serve", "worker"};

bool is_command_table(std::string_view key) {
  return std::find(std::begin(kCommandTables), std::end(kCommandTables), key) != std::end(kCommandTables);
}

// A TOML value as CLI11 results: scalars as text, arrays element by element.
bool to_results(const toml::node& node, std::vector<std::string>& out) {
  if (const auto* text = node.as_string()) {
    out.push_back(text->get());
  } else if (const auto* integer = node.as_integer()) {
    out.push_back(std::to_string(integer->get()));
  } else if (const auto* real = node.as_floating_point()) {
    std::ostringstream s;
    s << real->get();
    out.push_back(s.str());
  } else if (const auto* flag = node.as_boolean()) {
    out.push_back(flag->get() ? "true" : "false");
  } else if (const auto* array = node.as_array()) {
    for (const auto& element : *array) {
      if (element.is_array() || element.is_table() || !to_results(element, out)) return false;
    }
  } else {
    return false;
  }
  return true;
}

// Sets one option from the file unless the command line or the environment already did.
std::string apply_key(CLI::App& cmd, std::string key, const toml::node& value) {
  std::replace(key.begin(), key.end(), '_', '-');
  auto* option = key == kConfigFlag ? nullptr : cmd.get_option_no_throw("--" + key);
  if (option == nullptr) {
    return "unknown key '" + key + "' (the keys are the long flags of `vidserve " + cmd.get_name() +
           " --help`, without the dashes)";
  }
  if (option->count() > 0) return {};  // the command line or the environment wins
  std::vector<std::string> results;
  if (!to_results(value, results) || results.empty()) {
    return "'" + key + "' needs a string, number, boolean or array of them";
  }
  if (option->get_expected_min() == 0 && results.size() == 1) {  // a flag: true sets it
    if (results[0] == "false") return {};
    if (results[0] != "true") return "'" + key + "' is a flag: true or false";
  }
  try {  // CLI11 reports a value its checks refuse by throwing
    for (auto& result : results) option->add_result(result);
    option->run_callback();
  } catch (const CLI::Error& e) {
    return "'" + key + "': " + e.what();
  }
  return {};
}

std::string apply_table(CLI::App& cmd, const toml::table& table) {
  for (const auto& [key, value] : table) {
    const std::string name(key.str());
    if (is_command_table(name) && value.is_table()) continue;  // handled by the caller
    if (auto error = apply_key(cmd, name, value); !error.empty()) return error;
  }
  return {};
}

std::string apply_file(CLI::App& cmd, const std::string& path) {
  auto parsed = toml::parse_file(path);
  if (!parsed) {
    const auto& error = parsed.error();
    std::ostringstream s;
    s << "line " << error.source().begin.line << ", column " << error.source().begin.column << ": "
      << error.description();
    return s.str();
  }
  const auto& table = parsed.table();
  if (auto error = apply_table(cmd, table); !error.empty()) return error;
  if (const auto* own = table[cmd.get_name()].as_table()) return apply_table(cmd, *own);
  return {};
}

}  // namespace

std::string env_name_of(const std::string& flag) {
  std::string name(kEnvPrefix);
  for (const char c : flag) name += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return name;
}

std::shared_ptr<const ConfigFileState> add_config_file(CLI::App& cmd) {
  auto state = std::make_shared<ConfigFileState>();
  cmd.add_option("--config", state->path,
                 "A TOML file of settings: each key is a long flag's name (listen = \"0.0.0.0:8080\"); "
                 "the command line and the environment override it");
  for (auto* option : cmd.get_options()) {
    const auto& names = option->get_lnames();
    if (names.empty() || !option->get_envname().empty() || names.front() == "help") continue;
    option->envname(env_name_of(names.front()));
  }
  cmd.callback([&cmd, state] {
    if (state->path.empty()) return;
    if (auto error = apply_file(cmd, state->path); !error.empty()) state->error = state->path + ": " + error;
  });
  return state;
}

}  // namespace vidserve::app
