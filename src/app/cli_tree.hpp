// The command tree as people type it: CLI11's subcommands, with a nested subcommand named
// Heroku's way (`config set` -> `config:set`; main.cpp splits the colon back). Help, the
// did-you-mean suggestion, the man page and the shell completions all read the commands from
// here, so a new subcommand shows up in all of them without further edits.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace paasrun::app {

struct CommandEntry {
    std::string name;  // "build", "config:set"
    const CLI::App* app;
};

/// The command name of a subcommand: its parents' names (below the root) joined by ':'.
[[nodiscard]] std::string command_name(const CLI::App& sub);

/// Every command in definition order, each followed by its nested ones. Hidden commands
/// (CLI11 group "", e.g. `__worker`) only with `include_hidden`.
[[nodiscard]] std::vector<CommandEntry> command_list(const CLI::App& root,
                                                     bool include_hidden = false);

/// "config:set" or the words {"config", "set"}; nullptr when no such command exists.
[[nodiscard]] const CLI::App* find_command(const CLI::App& root, std::string_view name);

/// The options of a command as shown in help: without the positional arguments.
[[nodiscard]] std::vector<const CLI::Option*> named_options(const CLI::App& app);
/// Its positional arguments, in order.
[[nodiscard]] std::vector<const CLI::Option*> positionals(const CLI::App& app);

/// CLI11's help formatter, with nested commands listed under their parent by their colon
/// name (the top-level help lists `config:set`), and usage lines that use that name.
class HelpFormatter : public CLI::Formatter {
public:
    HelpFormatter() { column_width(26); }
    std::string make_subcommands(const CLI::App* app, CLI::AppFormatMode mode) const override;
    std::string make_usage(const CLI::App* app, std::string name) const override;
};

}  // namespace paasrun::app
