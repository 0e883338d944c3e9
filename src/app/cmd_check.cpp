// `paasrun check [DIR | -a DIR] [-f Procfile] [-e .env] [-m paasrun.yaml]`: validate an app's
// config. Exit codes: 0 all valid, 1 any error (each printed as file:line:col: message on stderr),
// 2 usage errors (bad DIR; CLI11 reports bad options).
#include <cstdio>

#include "app/commands.hpp"
#include "config/app_check.hpp"

namespace paasrun::app {

void register_check(CLI::App& app, Commands& cmds) {
    auto req = std::make_shared<config::CheckRequest>();
    auto* sub = app.add_subcommand(
        "check", "Validate the Procfile, .env and paasrun.yaml of an app; print every error");
    add_app_option(sub, req->dir,
                   sub->add_option("dir", req->dir, "App directory")->capture_default_str());
    sub->add_option("-f,--procfile", req->procfile, "Procfile to check (default: DIR/Procfile)");
    sub->add_option("-e,--env", req->env_file, ".env file to check (default: DIR/.env if present)");
    sub->add_option("-m,--manifest", req->manifest,
                    "Manifest to check (default: DIR/paasrun.yaml if present)");

    cmds.add(sub, [req]() -> int {
        auto report = config::check_app(*req);
        if (!report) {
            std::fprintf(stderr, "paasrun check: %s\n", report.error().describe().c_str());
            return 2;
        }
        for (const auto& e : report->errors) std::fprintf(stderr, "%s\n", e.describe().c_str());
        if (!report->errors.empty()) {
            std::fprintf(stderr, "paasrun check: %zu error%s\n", report->errors.size(),
                         report->errors.size() == 1 ? "" : "s");
            return 1;
        }
        for (const auto& line : report->summary) std::printf("%s\n", line.c_str());
        std::printf("ok\n");
        return 0;
    });
}

}  // namespace paasrun::app
