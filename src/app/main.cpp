// paasrun: run a Python web app the way a Heroku dyno does. See README.md and docs/cli.md.
#include <algorithm>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "app/cli_tree.hpp"
#include "app/commands.hpp"

namespace {

using namespace paasrun::app;

// Help groups, in the order the top-level help shows them; a command not named here stays
// in CLI11's default group ("Subcommands"), so it is still listed.
void assign_groups(CLI::App& app) {
    const std::vector<std::pair<std::string, std::vector<std::string>>> groups{
        {"Run the app", {"up", "start", "run", "serve", "check"}},
        {"Build and release", {"build", "releases", "rollback", "config"}},
        {"A running instance (found in the app directory, or --to URL)",
         {"ps", "restart", "logs", "deploy"}},
        {"Generate", {"export", "compress", "healthcheck"}},
        {"Help", {"help", "version"}},
    };
    for (auto* sub : app.get_subcommands(std::function<bool(CLI::App*)>{})) {
        if (sub->get_group().empty()) continue;  // hidden
        for (const auto& [group, names] : groups)
            if (std::find(names.begin(), names.end(), sub->get_name()) != names.end())
                sub->group(group);
    }
}

}  // namespace

int main(int argc, char** argv) {
    using namespace paasrun::app;
    CLI::App app{
        "paasrun: run a Python web app like a Heroku dyno (Procfile, buildpacks, "
        "embedded WSGI server, static files, releases)",
        "paasrun"};
    app.formatter(std::make_shared<HelpFormatter>());  // before the subcommands: they copy it
    app.require_subcommand(1);
    app.set_version_flag("--version", version_string());

    Commands cmds;
    register_check(app, cmds);
    register_supervisor(app, cmds);
    register_serve(app, cmds);
    register_build(app, cmds);
    register_compress(app, cmds);
    register_export(app, cmds);
    register_healthcheck(app, cmds);
    register_remote(app, cmds);
    register_dashboard(app, cmds);
    register_help(app, cmds);
    assign_groups(app);
    app.footer(
        "`paasrun help COMMAND` shows a command's options. Docs: docs/cli.md.");  // root only

    std::vector<std::string> words(argv + 1, argv + argc);
    // A first word that names no command: say so and suggest the nearest one, instead of
    // CLI11's "The following arguments were not expected".
    if (!words.empty() && !words[0].empty() && words[0][0] != '-' && !find_command(app, words[0]))
        return unknown_command(app, words[0]);
    // Heroku-style `config:set`: CLI11 forbids ':' in subcommand names, so the first word
    // `a:b` is parsed as the subcommand `a` with its subcommand `b` (cli_tree.hpp).
    if (!words.empty() && words[0].find(':') != std::string::npos && words[0][0] != '-') {
        auto colon = words[0].find(':');
        words.insert(words.begin() + 1, words[0].substr(colon + 1));
        words[0].resize(colon);
    }
    std::reverse(words.begin(), words.end());  // CLI11 takes a reversed vector
    try {
        app.parse(words);
    } catch (const CLI::ParseError& e) {
        // --help and --version exit 0; usage errors exit 2 (the POSIX utilities' convention).
        return app.exit(e) == 0 ? 0 : 2;
    }
    const Runner* run = cmds.selected();
    if (!run) {
        std::fputs(app.help().c_str(), stderr);
        return 2;
    }
    return (*run)();
}
