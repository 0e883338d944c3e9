// `paasrun up`, `paasrun start`, `paasrun run`: argument wiring; the work is in
// src/supervisor (the formation), src/deploy (build-first start-up, the deploy engine) and
// src/admin (the admin API). Behaviour and exit codes: docs/supervisor.md, docs/deploys.md.
#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <memory>

#include "app/commands.hpp"
#include "config/data_dir.hpp"
#include "config/dotenv.hpp"
#include "deploy/run_spec.hpp"
#include "deploy/startup.hpp"
#include "deploy/startup_run.hpp"
#include "release/store.hpp"
#include "supervisor/app_config.hpp"
#include "supervisor/oneoff.hpp"
#include "supervisor/supervisor.hpp"

namespace paasrun::app {
namespace {

namespace sv = supervisor;
namespace fs = std::filesystem;

struct FormationArgs {
    deploy::StartupOptions opts;
    std::vector<std::string> words;  // [DIR] [TYPE...]
};

// `up [DIR] [TYPE...]`: the first word is DIR when -a was not given and it names an existing
// directory or cannot be a process type (a path: Procfile names are [A-Za-z0-9_-]+, so a
// missing `some/dir` is reported as a missing directory); every other word is a type
// (foreman's `start web`).
bool could_be_type(std::string_view w) {
    return !w.empty() && w.find_first_not_of(
                             "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") ==
                             std::string_view::npos;
}

void split_words(FormationArgs& a, bool app_given) {
    std::size_t first_type = 0;
    std::error_code ec;
    if (!app_given && !a.words.empty() &&
        (fs::is_directory(a.words[0], ec) || !could_be_type(a.words[0]))) {
        a.opts.load.dir = a.words[0];
        first_type = 1;
    }
    a.opts.types.assign(a.words.begin() + static_cast<std::ptrdiff_t>(first_type), a.words.end());
}

CLI::Option* add_formation_options(CLI::App* sub, FormationArgs& a) {
    auto& load = a.opts.load;
    auto* app_opt = add_app_option(sub, load.dir);
    sub->add_option(
        "dir_and_types", a.words,
        "[DIR] [TYPE...]: the app directory (default: .), then the process types to start "
        "(default: all; foreman's `start web`)");
    sub->add_option(
        "-f,--procfile", load.procfile,
        "Run the process types of this file (inside DIR; each release reads it from its slug) "
        "instead of DIR/Procfile's");
    sub->add_option("-e,--env", load.env_files,
                    "Load this .env file (several -e, or a,b: merged in order, later wins)")
        ->allow_extra_args(false)
        ->delimiter(',');
    sub->add_option("-c,--formation", load.formation,
                    "Process counts, e.g. web=2,worker=1 (all=N for every type)");
    sub->add_option("-p,--port", load.port, "Base port (default: $PORT or 5000)");
    sub->add_option("-t,--grace-period", load.grace_period,
                    "Seconds between SIGTERM and SIGKILL on stop (default 30)");
    sub->add_option("--log-format", a.opts.log_format,
                    "human (up's default), logfmt (start's default) or json (JSON lines from every "
                    "component, for log shippers)")
        ->check(CLI::IsMember({"human", "logfmt", "json"}));
    return app_opt;
}

int fail(std::string_view command, const Error& e) {
    fmt::print(stderr, "paasrun {}: error: {}\n", command, e.describe());
    return sv::kExitConfigError;
}

void print_line(std::string_view line) {
    fmt::print("{}\n", line);
    std::fflush(stdout);
}

// The .env layer on its own (load_app merges it; a release's config vars go above it).
config::EnvList dotenv_layer(const sv::LoadRequest& load, const std::string& app_dir) {
    auto env = sv::load_env_files(load, app_dir);
    return env ? std::move(*env) : config::EnvList{};
}

// `up` / `start`, as tini's main: the options are parsed, build the plan, run it
// (deploy/startup_run.hpp; the plan itself: deploy/startup_plan.hpp).
int run_formation(const deploy::StartupOptions& options) {
    auto startup = deploy::load_startup(options, print_line);
    if (!startup) {  // as a JSON line too with --log-format json
        deploy::report(options.command, log::Level::error, startup.error().describe());
        return sv::kExitConfigError;
    }
    return deploy::run_startup(std::move(*startup), print_line);
}

std::string join_words(const std::vector<std::string>& words) {
    std::string out;
    for (const auto& w : words) out += (out.empty() ? "" : " ") + w;
    return out;
}

// `paasrun run`: like `heroku run`, a one-off process of the CURRENT release (its slug,
// config vars, .profile.d; DYNO=run.N) whenever the app has one; the source dir as it is
// otherwise. The environment is the processes' (config/app_env.hpp), without `.env` unless
// -e names one.
int run_oneoff_command(const sv::LoadRequest& load, const std::vector<std::string>& command) {
    auto cfg = sv::load_app(load);
    if (!cfg) return fail("run", cfg.error());
    if (auto st = config::ensure_data_dir(cfg->data_dir); !st) return fail("run", st.error());
    std::string dyno = fmt::format("run.{}", ::getpid());
    fs::path state_dir = release::resolve_state_dir(cfg->app_dir);
    release::ReleaseStore store(state_dir);
    auto version = store.current_version();
    if (!version) return fail("run", version.error());
    if (*version > 0) {
        auto r = store.load(*version);
        if (!r) return fail("run", r.error());
        if (!r->slug_id.empty()) {
            deploy::EnvInputs in{dotenv_layer(load, cfg->app_dir),
                                 config::current_environment(),
                                 cfg->data_dir,
                                 {},
                                 {}};
            auto spec = deploy::release_run_spec(store, *version, in);
            if (!spec) return fail("run", spec.error());
            auto changed =
                deploy::source_changed(cfg->app_dir, state_dir, {fs::path(cfg->data_dir)});
            if (changed && *changed)
                fmt::print(stderr,
                           "paasrun run: warning: {} changed since its last build; v{} runs the "
                           "code it was built "
                           "from (`paasrun build` or `paasrun up` makes a new release)\n",
                           cfg->app_dir, *version);
            fmt::print(stderr, "Running {} on v{} ({})\n", join_words(command), *version, dyno);
            return sv::run_oneoff((*spec)->app_dir, (*spec)->env, command, dyno);
        }
    }
    return sv::run_oneoff(cfg->app_dir, cfg->child_env, command, dyno);
}

}  // namespace

void register_supervisor(CLI::App& app, Commands& cmds) {
    auto up_args = std::make_shared<FormationArgs>();
    auto* up = app.add_subcommand(
        "up", "Run the Procfile's processes in the foreground (like foreman start)");
    auto* up_app = add_formation_options(up, *up_args);
    up->add_flag("--restart", up_args->opts.restart,
                 "Restart processes that exit instead of stopping everything");
    up->add_flag(
        "--reload", up_args->opts.reload,
        "Reload `paasrun serve` web processes when a source file changes (PAASRUN_RELOAD=1; "
        "each new worker imports first, the old ones serve until it is ready)");
    up_args->opts.load.load_default_env = true;
    cmds.add(up, [up_args, up_app] {
        split_words(*up_args, up_app->count() > 0);
        auto& o = up_args->opts;
        o.command = "up";
        o.stop_on_exit = !o.restart;
        o.in_place = true;
        return run_formation(o);
    });

    auto start_args = std::make_shared<FormationArgs>();
    auto* start = app.add_subcommand(
        "start", "Run the formation as a container's PID 1, restarting processes that exit");
    auto* start_app = add_formation_options(start, *start_args);
    cmds.add(start, [start_args, start_app] {
        split_words(*start_args, start_app->count() > 0);
        auto& o = start_args->opts;
        o.command = "start";
        o.stop_on_exit = false;
        o.in_place = false;
        return run_formation(o);
    });

    struct RunArgs {
        sv::LoadRequest load;
        std::string program;
        bool dir_taken = false;
    };
    auto run_args = std::make_shared<RunArgs>();
    run_args->load.need_procfile = false;
    auto* run = app.add_subcommand(
        "run", "Run a one-off command in the app's environment (like heroku run)");
    run->add_option("-e,--env", run_args->load.env_files,
                    "Load this .env file (several -e: merged in order)")
        ->allow_extra_args(false);
    // With -a the first word is CMD (`paasrun run -a DIR python x.py`), as with heroku run -a.
    auto* app_opt = add_app_option(run, run_args->load.dir);
    // CLI11 forgets where `--` was, so DIR is told apart from CMD while parsing: with
    // validate_positionals() a word failing DIR's check goes to the next positional (CMD),
    // and `--` is already in remaining() when a word after it is checked. `dir_taken` keeps
    // the final re-validation of an accepted DIR from failing. CMD takes one word; with
    // prefix_command() every word after it lands in remaining() untouched (a vector option
    // would split "[a,b]" into a and b).
    RunArgs* ra = run_args.get();
    run->add_option("dir", ra->load.dir, "App directory (default: .)")
        ->check(CLI::Validator(
            [run, ra, app_opt](std::string&) -> std::string {
                if (ra->dir_taken) return {};
                if (app_opt->count() > 0) return "the app is named by -a";
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
        return run_oneoff_command(run_args->load, command);
    });
}

}  // namespace paasrun::app
