// paasrun: run a Python web app the way a Heroku dyno does. See README.md.
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "app/commands.hpp"

int main(int argc, char** argv) {
    using namespace paasrun::app;
    CLI::App app{"paasrun: run a Python web app like a Heroku dyno (Procfile, buildpacks, "
                 "embedded WSGI server, static files, releases)",
                 "paasrun"};
    app.require_subcommand(1);
    app.set_version_flag("--version", PAASRUN_VERSION);

    Commands cmds;
    register_check(app, cmds);
    register_supervisor(app, cmds);
    register_serve(app, cmds);
    register_build(app, cmds);
    register_compress(app, cmds);
    register_export(app, cmds);
    register_healthcheck(app, cmds);
    register_remote(app, cmds);

    // Heroku-style `config:set`: CLI11 forbids ':' in subcommand names, so the first word
    // `a:b` is parsed as the subcommand `a` with its subcommand `b` (cmd_build.cpp).
    std::vector<std::string> words(argv + 1, argv + argc);
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
