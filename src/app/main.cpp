// paasrun: run a Python web app the way a Heroku dyno does. See README.md.
#include <cstdio>

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

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    }
    const Runner* run = cmds.selected();
    if (!run) {
        std::fputs(app.help().c_str(), stderr);
        return 2;
    }
    return (*run)();
}
