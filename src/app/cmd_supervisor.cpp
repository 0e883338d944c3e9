// `paasrun up`, `paasrun start`, `paasrun run`: argument wiring only; the work is in
// src/supervisor (see docs/supervisor.md for behaviour and exit codes).
#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>
#include <memory>

#include "app/commands.hpp"
#include "supervisor/app_config.hpp"
#include "supervisor/oneoff.hpp"
#include "supervisor/prefix.hpp"
#include "supervisor/supervisor.hpp"

namespace paasrun::app {
namespace {

namespace sv = supervisor;

struct FormationArgs {
    sv::LoadRequest load;
    std::optional<int> port;
    std::optional<double> grace;
    bool restart = false;
};

void add_formation_options(CLI::App* sub, FormationArgs& a) {
    sub->add_option("dir", a.load.dir, "App directory (default: .)");
    sub->add_option("-f,--procfile", a.load.procfile, "Procfile to use (default: DIR/Procfile)");
    sub->add_option("-e,--env", a.load.env_file, "Load this .env file");
    sub->add_option("-c,--formation", a.load.formation,
                    "Process counts, e.g. web=2,worker=1 (all=N for every type)");
    sub->add_option("-p,--port", a.port, "Base port (default: $PORT or 5000)");
    sub->add_option("-t,--grace-period", a.grace,
                    "Seconds between SIGTERM and SIGKILL on stop (default 30)");
}

int fail(std::string_view command, const Error& e) {
    fmt::print(stderr, "paasrun {}: error: {}\n", command, e.describe());
    return sv::kExitConfigError;
}

int run_formation(std::string_view command, FormationArgs& a, bool stop_on_exit) {
    a.load.port = a.port;
    a.load.grace_period = a.grace;
    auto cfg = sv::load_app(a.load);
    if (!cfg) return fail(command, cfg.error());
    for (const auto& w : cfg->warnings) fmt::print(stderr, "paasrun {}: warning: {}\n", command, w);

    sv::SupervisorOptions opts;
    opts.app_dir = cfg->app_dir;
    opts.formation = cfg->formation;
    opts.env = cfg->child_env;
    opts.grace_period = std::chrono::duration<double>(cfg->settings.grace_period);
    opts.stop_on_exit = stop_on_exit;
    opts.restart = cfg->manifest.restart;
    if (a.restart) opts.restart.policy = "always";
    opts.color = sv::want_color(1, std::getenv("NO_COLOR"));
    auto sup = sv::Supervisor::create(std::move(opts));
    if (!sup) return fail(command, sup.error());
    return (*sup)->run();
}

}  // namespace

void register_supervisor(CLI::App& app, Commands& cmds) {
    auto up_args = std::make_shared<FormationArgs>();
    auto* up = app.add_subcommand(
        "up", "Run the Procfile's processes in the foreground (like foreman start)");
    add_formation_options(up, *up_args);
    up->add_flag("--restart", up_args->restart,
                 "Restart processes that exit instead of stopping everything");
    up_args->load.load_default_env = true;
    cmds.add(up, [up_args] { return run_formation("up", *up_args, !up_args->restart); });

    auto start_args = std::make_shared<FormationArgs>();
    auto* start = app.add_subcommand(
        "start", "Run the formation as a container's PID 1, restarting processes that exit");
    add_formation_options(start, *start_args);
    cmds.add(start, [start_args] { return run_formation("start", *start_args, false); });

    struct RunArgs {
        sv::LoadRequest load;
        std::string program;
        bool dir_taken = false;
    };
    auto run_args = std::make_shared<RunArgs>();
    run_args->load.need_procfile = false;
    auto* run = app.add_subcommand(
        "run", "Run a one-off command in the app's environment (like heroku run)");
    run->add_option("-e,--env", run_args->load.env_file, "Load this .env file");
    // CLI11 forgets where `--` was, so DIR is told apart from CMD while parsing: with
    // validate_positionals() a word failing DIR's check goes to the next positional (CMD),
    // and `--` is already in remaining() when a word after it is checked. `dir_taken` keeps
    // the final re-validation of an accepted DIR from failing. CMD takes one word; with
    // prefix_command() every word after it lands in remaining() untouched (a vector option
    // would split "[a,b]" into a and b).
    RunArgs* ra = run_args.get();
    run->add_option("dir", ra->load.dir, "App directory (default: .)")
        ->check(CLI::Validator(
            [run, ra](std::string&) -> std::string {
                if (ra->dir_taken) return {};
                for (const auto& r : run->remaining())
                    if (r == "--") return "DIR must come before --";
                ra->dir_taken = true;
                return {};
            },
            "DIR"));
    run->add_option("cmd", ra->program, "Command, then its arguments (after --)")->required();
    run->validate_positionals();
    run->prefix_command();
    cmds.add(run, [run, run_args] {
        std::vector<std::string> command{run_args->program};
        auto rest = run->remaining();
        // A `--` given before CMD is kept by CLI11 as the first remaining word; any later
        // `--` belongs to the command.
        auto first = rest.begin();
        if (first != rest.end() && *first == "--") ++first;
        command.insert(command.end(), first, rest.end());
        auto cfg = sv::load_app(run_args->load);
        if (!cfg) return fail("run", cfg.error());
        return sv::run_oneoff(cfg->app_dir, cfg->child_env, command);
    });
}

}  // namespace paasrun::app
