// The command registry: every `paasrun <command>` lives in its own cmd_*.cpp and registers
// a CLI11 subcommand plus the function that runs it. main() parses once and runs the
// subcommand that was selected. Command files hold argument wiring only; the work is done by
// the library modules they call.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace paasrun::app {

/// Runs a parsed command; returns the process exit code.
using Runner = std::function<int()>;

class Commands {
public:
    void add(CLI::App* sub, Runner run) { entries_.push_back({sub, std::move(run)}); }
    /// The runner of the subcommand the user selected, or nullptr.
    [[nodiscard]] const Runner* selected() const {
        for (const auto& e : entries_)
            if (e.sub->parsed()) return &e.run;
        return nullptr;
    }

private:
    struct Entry {
        CLI::App* sub;
        Runner run;
    };
    std::vector<Entry> entries_;
};

/// `-a,--app DIR`, Heroku's way of naming the app a command acts on (here its directory;
/// default: the current one). A command that also takes DIR as a positional binds both to
/// the same string and passes that positional as `dir` so the two exclude each other.
inline CLI::Option* add_app_option(CLI::App* sub, std::string& app_dir,
                                   CLI::Option* dir = nullptr) {
    auto* o =
        sub->add_option("-a,--app", app_dir, "App directory (default: the current directory)");
    if (dir) o->excludes(dir);
    return o;
}

// One per cmd_*.cpp. Each may add several subcommands.
void register_check(CLI::App& app, Commands& cmds);        // check
void register_supervisor(CLI::App& app, Commands& cmds);   // up, start, run
void register_serve(CLI::App& app, Commands& cmds);        // serve (and the internal worker)
void register_build(CLI::App& app, Commands& cmds);        // build, releases, rollback, config*
void register_compress(CLI::App& app, Commands& cmds);     // compress (static assets)
void register_export(CLI::App& app, Commands& cmds);       // export kubernetes|systemd
void register_healthcheck(CLI::App& app, Commands& cmds);  // healthcheck URL (probes)
void register_remote(CLI::App& app, Commands& cmds);       // ps, logs, deploy (admin API clients)
void register_dashboard(CLI::App& app, Commands& cmds);    // dashboard (a one-time login link)
void register_help(CLI::App& app, Commands& cmds);         // help, version, __manpage, __completion

/// "paasrun/0.1.0 commit 1a2b3c4d5e6f linux-x86_64 python-3.11.2" (cmd_help.cpp).
[[nodiscard]] std::string version_string();
/// Prints "'WORD' is not a paasrun command. Did you mean ...?" on stderr; returns 2.
int unknown_command(const CLI::App& root, std::string_view word);

}  // namespace paasrun::app
