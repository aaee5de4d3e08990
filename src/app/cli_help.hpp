#pragma once
// What the `vidserve` binary says about itself: its version, and usage errors with a "did you
// mean" for a mistyped subcommand or flag.
#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace vidserve::app {

// Exit code of every usage error (unknown or missing subcommand, flag or argument).
inline constexpr int kUsageError = 2;

// "vidserve 0.1.0 (git v0.1.0-12-gabcdef0)"; the git part only when the build knew it.
std::string version_text();

// Explains a failed parse on stderr and returns kUsageError. A word of `args` (argv without the
// program name) that names no subcommand or flag of the command it was given to is reported as
// such, with the nearest known name; otherwise CLI11's own message is printed. Either way the
// message ends with how to get the command's help.
int usage_error(const CLI::App& app, const CLI::ParseError& error,
                const std::vector<std::string>& args);

// The names a word can take after `cmd`: its subcommands' names and its flags' long and short
// forms (with dashes). Shared with the completion scripts.
std::vector<std::string> subcommand_names(const CLI::App& cmd);
std::vector<std::string> flag_names(const CLI::App& cmd);

}  // namespace vidserve::app
