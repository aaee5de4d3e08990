#include "app/cli_help.hpp"

#include <iostream>
#include <optional>

#include "common/text.hpp"
#include "vidserve_git.hpp"  // VIDSERVE_GIT_DESCRIBE, written at build time (cmake/git_version.cmake)

#ifndef VIDSERVE_VERSION
#define VIDSERVE_VERSION "unknown"
#endif

namespace vidserve::app {

namespace {

// A word that names nothing where it was given.
struct Mistake {
  CLI::App* cmd = nullptr;
  std::string word;
  bool flag = false;
};

CLI::App* find_subcommand(CLI::App& cmd, const std::string& name) {
  auto subs = cmd.get_subcommands([&](CLI::App* sub) { return sub->check_name(name); });
  return subs.empty() ? nullptr : subs.front();
}

// The option `name` of `cmd` or of a command above it (subcommands fall through to their parent's
// flags, as `keys list --data DIR` does).
const CLI::Option* find_flag(const CLI::App& cmd, const std::string& name) {
  for (const CLI::App* at = &cmd; at != nullptr; at = at->get_parent()) {
    if (const auto* opt = at->get_option_no_throw(name)) return opt;
  }
  return nullptr;
}

bool is_flag_word(const std::string& word) {
  return word.size() > 1 && word[0] == '-';
}

// The name part of a flag word: "--seed=3" -> "--seed", "-n3" -> "-n".
std::string flag_name_of(const std::string& word) {
  if (word.rfind("--", 0) == 0) return word.substr(0, word.find('='));
  return word.substr(0, 2);
}

// Walks the words as CLI11 does, far enough to tell which command each word went to.
std::optional<Mistake> find_mistake(CLI::App& app, const std::vector<std::string>& args,
                                    CLI::App*& last) {
  CLI::App* cmd = &app;
  bool sub_chosen = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const auto& word = args[i];
    if (word == "--") break;
    if (is_flag_word(word)) {
      const auto name = flag_name_of(word);
      const auto* opt = find_flag(*cmd, name);
      if (opt == nullptr) return Mistake{cmd, name, true};
      const bool value_attached = word.size() > name.size();
      if (opt->get_expected_min() > 0 && !value_attached) ++i;  // skip its value
      continue;
    }
    if (auto* sub = find_subcommand(*cmd, word)) {
      cmd = sub;
      sub_chosen = false;
      last = cmd;
      continue;
    }
    if (cmd->get_require_subcommand_min() > 0 && !sub_chosen) return Mistake{cmd, word, false};
    sub_chosen = true;
  }
  return std::nullopt;
}

std::string command_path(const CLI::App& cmd) {
  std::string path;
  for (const CLI::App* at = &cmd; at->get_parent() != nullptr; at = at->get_parent()) {
    path = " " + at->get_name() + path;
  }
  return "vidserve" + path;
}

void report_mistake(const Mistake& m) {
  const auto path = command_path(*m.cmd);
  const auto known = m.flag ? flag_names(*m.cmd) : subcommand_names(*m.cmd);
  std::cerr << path << ": unknown " << (m.flag ? "flag " : "command ") << text::quoted(m.word);
  if (auto near = text::nearest(m.word, known)) std::cerr << "; did you mean '" << *near << "'?";
  std::cerr << "\n";
  if (!m.flag) std::cerr << "commands: " << text::join(known, ", ") << "\n";
  std::cerr << "Run '" << path << " --help' for its " << (m.flag ? "flags" : "commands and flags")
            << ".\n";
}

// "--key can also come from VIDSERVE_API_KEY" for each required flag with an environment
// variable that was given neither way.
void explain_missing_env(const CLI::App& cmd) {
  for (const CLI::App* at = &cmd; at != nullptr; at = at->get_parent()) {
    for (const auto* opt : at->get_options()) {
      if (opt->get_required() && opt->count() == 0 && !opt->get_envname().empty()) {
        std::cerr << opt->get_name() << " can also come from " << opt->get_envname() << "\n";
      }
    }
  }
}

}  // namespace

std::string version_text() {
  const std::string git = VIDSERVE_GIT_DESCRIBE;
  return std::string("vidserve ") + VIDSERVE_VERSION + (git.empty() ? "" : " (git " + git + ")");
}

std::vector<std::string> subcommand_names(const CLI::App& cmd) {
  std::vector<std::string> names;
  // CLI11 lists subcommands through a non-const accessor only; nothing is changed.
  for (auto* sub : const_cast<CLI::App&>(cmd).get_subcommands({})) names.push_back(sub->get_name());
  return names;
}

std::vector<std::string> flag_names(const CLI::App& cmd) {
  std::vector<std::string> names;
  for (const CLI::App* at = &cmd; at != nullptr; at = at->get_parent()) {
    for (const auto* opt : at->get_options()) {
      for (const auto& l : opt->get_lnames()) names.push_back("--" + l);
      for (const auto& s : opt->get_snames()) names.push_back("-" + s);
    }
    if (!at->get_fallthrough()) break;
  }
  return names;
}

int usage_error(const CLI::App& app, const CLI::ParseError& error,
                const std::vector<std::string>& args) {
  // CLI11 looks subcommands up through non-const accessors only; nothing is changed.
  auto& root = const_cast<CLI::App&>(app);
  CLI::App* last = &root;
  if (auto mistake = find_mistake(root, args, last)) {
    report_mistake(*mistake);
    return kUsageError;
  }
  if (last->get_require_subcommand_min() > 0 && last->get_subcommands().empty()) {
    // A command that needs a subcommand was given none (a bare `vidserve`): its help.
    std::cerr << last->help();
    return kUsageError;
  }
  std::cerr << command_path(*last) << ": " << error.what() << "\n";
  explain_missing_env(*last);
  std::cerr << "Run '" << command_path(*last) << " --help' for its flags.\n";
  return kUsageError;
}

}  // namespace vidserve::app
