// `paasrun up`, `paasrun start`, `paasrun run`: argument wiring; the work is in
// src/supervisor (the formation), src/deploy (build-first start-up, the deploy engine) and
// src/admin (the admin API). Behaviour and exit codes: docs/supervisor.md, docs/deploys.md.
#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>

#include <unistd.h>

#include "admin/instance_file.hpp"
#include "admin/instance_lock.hpp"
#include "admin/server.hpp"
#include "app/commands.hpp"
#include "build/pipeline.hpp"
#include "config/data_dir.hpp"
#include "config/dotenv.hpp"
#include "deploy/engine.hpp"
#include "deploy/log_hub.hpp"
#include "deploy/run_spec.hpp"
#include "deploy/startup.hpp"
#include "deploy/startup_plan.hpp"
#include "release/store.hpp"
#include "supervisor/web_socket.hpp"
#include "supervisor/app_config.hpp"
#include "supervisor/oneoff.hpp"
#include "supervisor/prefix.hpp"
#include "supervisor/sd_notify.hpp"
#include "supervisor/supervisor.hpp"

namespace paasrun::app {
namespace {

namespace sv = supervisor;
namespace fs = std::filesystem;

struct FormationArgs {
    sv::LoadRequest load;
    std::optional<int> port;
    std::optional<double> grace;
    bool restart = false;
};

void add_formation_options(CLI::App* sub, FormationArgs& a) {
    add_app_option(sub, a.load.dir, sub->add_option("dir", a.load.dir, "App directory (default: .)"));
    sub->add_option("-f,--procfile", a.load.procfile,
                    "Run the process types of this file (inside DIR; each release reads it from its slug) "
                    "instead of DIR/Procfile's");
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

void print_line(std::string_view line) {
    fmt::print("{}\n", line);
    std::fflush(stdout);
}

// The admin API's address: manifest admin.bind, else 127.0.0.1:$ADMIN_PORT, else any free
// port on loopback (it is logged: `msg="admin api listening" addr=...`).
std::string admin_bind(const config::Manifest& m, const config::EnvMap& env) {
    if (!m.admin.bind.empty()) return m.admin.bind;
    auto it = env.find("ADMIN_PORT");
    return fmt::format("127.0.0.1:{}", it != env.end() && !it->second.empty() ? it->second : "0");
}

int run_formation(std::string_view command, FormationArgs& a, bool stop_on_exit) {
    sv::take_notify_socket();  // before anything reads the environment: no child inherits it
    auto planned = deploy::plan_startup({a.load, a.port, a.grace, stop_on_exit, a.restart}, print_line,
                                        [command](std::string_view w) {
                                            fmt::print(stderr, "paasrun {}: warning: {}\n", command, w);
                                        });
    if (auto* f = std::get_if<deploy::StartupFailure>(&planned)) {
        if (!f->build_failed) return fail(command, f->error);
        fmt::print(stderr, "paasrun {}: error: {}\npaasrun {}: build failed; nothing was started\n", command,
                   f->error.describe(), command);
        return sv::kExitConfigError;
    }
    auto& plan = std::get<deploy::StartupPlan>(planned);
    const auto& manifest = plan.manifest;
    const auto& state_dir = plan.state_dir;
    const auto& process_env = plan.process_env;

    auto sup = sv::Supervisor::create(std::move(plan.supervisor));
    if (!sup) return fail(command, sup.error());
    // The engine's thread and the admin server's threads start after Supervisor::create, so
    // they inherit the blocked signal mask and only the loop reads the signals.
    deploy::Engine engine(**sup, *plan.hub, std::move(plan.engine));
    sv::ReadyAnnouncer announce_ready([&engine] {  // READY=1 when /readyz first answers 200
        auto st = engine.status();
        return std::holds_alternative<admin::AppStatus>(st) && std::get<admin::AppStatus>(st).ready;
    });
    std::unique_ptr<admin::Server> server;
    std::optional<admin::InstanceFileGuard> instance;
    if (manifest.admin.enabled) {
        admin::ServerOptions sopts;
        sopts.bind = admin_bind(manifest, process_env);
        sopts.max_body_bytes = static_cast<std::size_t>(manifest.admin.max_body);
        sopts.log_sink = [out = &(*sup)->output()](log::Level l, std::string_view t) { out->system(l, t, "admin"); };
        auto started = admin::Server::start(engine, std::move(sopts));
        if (!started) {
            engine.stop();
            return fail(command, Error(fmt::format("admin API: {}", started.error().describe())));
        }
        server = std::move(*started);
        (*sup)->output().info("admin api listening addr={} token_source={}", server->address(),
                              log::quote(server->token_source()));
        // Lets `paasrun config:set` / `ps` / `logs` in the app dir find this instance without
        // --to (admin/instance_file.hpp); removed when we exit.
        instance.emplace(state_dir, admin::InstanceEntry{admin::client_url(server->address()), ::getpid()});
        if (!instance->status())
            (*sup)->output().warn("cannot record the admin address for the CLI error={}",
                                  log::quote(instance->status().error().describe()));
    }
    int code = (*sup)->run();
    if (server) server->stop();
    engine.stop();
    return code;
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
            deploy::EnvInputs in{deploy::dotenv_layer(load, cfg->app_dir), config::current_environment(), cfg->data_dir, {}};
            auto spec = deploy::release_run_spec(store, *version, in);
            if (!spec) return fail("run", spec.error());
            auto changed = deploy::source_changed(cfg->app_dir, state_dir, {fs::path(cfg->data_dir)});
            if (changed && *changed)
                fmt::print(stderr,
                           "paasrun run: warning: {} changed since its last build; v{} runs the code it was built "
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
