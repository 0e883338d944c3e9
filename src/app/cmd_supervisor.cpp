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
#include "release/store.hpp"
#include "supervisor/web_socket.hpp"
#include "supervisor/app_config.hpp"
#include "supervisor/oneoff.hpp"
#include "supervisor/prefix.hpp"
#include "supervisor/sd_notify.hpp"
#include "supervisor/supervisor.hpp"
#include "util/log_fields.hpp"

namespace paasrun::app {
namespace {

namespace sv = supervisor;
namespace fs = std::filesystem;

struct FormationArgs {
    sv::LoadRequest load;
    std::optional<int> port;
    std::optional<double> grace;
    bool restart = false;
    bool reload = false;             // up --reload
    std::string log_format;          // --log-format; empty: human for up, logfmt for start
    std::vector<std::string> words;  // [DIR] [TYPE...]
    std::vector<std::string> types;  // foreman's `start web worker`: only these types
};

// `up [DIR] [TYPE...]`: the first word is DIR when -a was not given and it names an existing
// directory or cannot be a process type (a path: Procfile names are [A-Za-z0-9_-]+, so a
// missing `some/dir` is reported as a missing directory); every other word is a type
// (foreman's `start web`).
bool could_be_type(std::string_view w) {
    return !w.empty() && w.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") ==
                             std::string_view::npos;
}

void split_words(FormationArgs& a, bool app_given) {
    std::size_t first_type = 0;
    std::error_code ec;
    if (!app_given && !a.words.empty() && (fs::is_directory(a.words[0], ec) || !could_be_type(a.words[0]))) {
        a.load.dir = a.words[0];
        first_type = 1;
    }
    a.types.assign(a.words.begin() + static_cast<std::ptrdiff_t>(first_type), a.words.end());
}

CLI::Option* add_formation_options(CLI::App* sub, FormationArgs& a) {
    auto* app_opt = add_app_option(sub, a.load.dir);
    sub->add_option("dir_and_types", a.words,
                    "[DIR] [TYPE...]: the app directory (default: .), then the process types to start "
                    "(default: all; foreman's `start web`)");
    sub->add_option("-f,--procfile", a.load.procfile,
                    "Run the process types of this file (inside DIR; each release reads it from its slug) "
                    "instead of DIR/Procfile's");
    sub->add_option("-e,--env", a.load.env_files, "Load this .env file (several -e, or a,b: merged in order, later wins)")
        ->allow_extra_args(false)
        ->delimiter(',');
    sub->add_option("-c,--formation", a.load.formation,
                    "Process counts, e.g. web=2,worker=1 (all=N for every type)");
    sub->add_option("-p,--port", a.port, "Base port (default: $PORT or 5000)");
    sub->add_option("-t,--grace-period", a.grace,
                    "Seconds between SIGTERM and SIGKILL on stop (default 30)");
    sub->add_option("--log-format", a.log_format,
                    "human (up's default), logfmt (start's default) or json (JSON lines from every "
                    "component, for log shippers)")
        ->check(CLI::IsMember({"human", "logfmt", "json"}));
    return app_opt;
}

std::vector<std::string> type_names(const std::vector<std::pair<std::string, std::string>>& types) {
    std::vector<std::string> out;
    for (const auto& [name, command] : types) out.push_back(name);
    return out;
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

bool share_web_socket(const config::Manifest& m, const std::vector<std::pair<std::string, std::string>>& types) {
    if (m.deploy.shared_socket == "always") return true;
    if (m.deploy.shared_socket == "never") return false;
    for (const auto& [name, command] : types)
        if (name == "web") return sv::takes_listen_fds(command);
    return false;
}

// The admin API's address: manifest admin.bind, else 127.0.0.1:$ADMIN_PORT, else any free
// port on loopback (it is logged: `msg="admin api listening" addr=...`).
std::string admin_bind(const config::Manifest& m, const config::EnvMap& env) {
    if (!m.admin.bind.empty()) return m.admin.bind;
    auto it = env.find("ADMIN_PORT");
    return fmt::format("127.0.0.1:{}", it != env.end() && !it->second.empty() ? it->second : "0");
}

// `-f FILE` as a path relative to the app dir: every release reads it from its own slug
// (deploy/run_spec.hpp), so it must be inside the app. Empty when -f is not given.
Result<std::string> procfile_in_app(const std::string& procfile, const std::string& app_dir) {
    if (procfile.empty()) return std::string{};
    std::error_code ec;
    fs::path file = fs::weakly_canonical(fs::absolute(procfile, ec), ec);
    fs::path dir = fs::weakly_canonical(fs::absolute(app_dir, ec), ec);
    if (!ec && fs::is_regular_file(file, ec)) {
        fs::path rel = file.lexically_relative(dir);
        if (!rel.empty() && *rel.begin() != "..") return rel.string();
    }
    if (!fs::is_regular_file(procfile, ec)) return Error(fmt::format("-f {}: no such file", procfile));
    return Error(fmt::format("-f {}: must be a file inside the app directory {} (every release reads it from its slug)",
                             procfile, app_dir));
}

// `in_place` (`up`, the dev loop): a release built from the app's source runs in the source
// dir (deploy/run_spec.hpp, EnvInputs::source_dir); `start` runs slugs.
int run_formation(std::string_view command, FormationArgs& a, bool stop_on_exit, bool in_place) {
    sv::take_notify_socket();  // before anything reads the environment: no child inherits it
    // `up --reload`: every `paasrun serve` of the formation (and of later deploys) watches the
    // source and replaces its workers on a change (docs/serve.md); set before the environment
    // is read, as a layer of paasrun's own environment.
    if (a.reload) ::setenv("PAASRUN_RELOAD", "1", 1);
    sv::LogStyle style = in_place ? sv::LogStyle::human : sv::LogStyle::logfmt;
    if (!a.log_format.empty()) (void)sv::parse_log_style(a.log_format, style);
    if (style == sv::LogStyle::json) {
        // Every component started from here writes JSON too: `paasrun serve`'s arbiter and
        // access log read PAASRUN_LOG_FORMAT (util/log_fields.hpp).
        ::setenv("PAASRUN_LOG_FORMAT", "json", 1);
        log::set_format(log::Format::json);
    } else if (a.log_format == "logfmt" || a.log_format == "human") {
        ::unsetenv("PAASRUN_LOG_FORMAT");
        log::set_format(log::Format::logfmt);
    }
    a.load.port = a.port;
    a.load.grace_period = a.grace;
    // First the directory without requiring a Procfile: a release brings its own.
    sv::LoadRequest probe = a.load;
    probe.need_procfile = false;
    probe.formation.clear();
    auto base = sv::load_app(probe);
    if (!base) return fail(command, base.error());
    auto procfile_rel = procfile_in_app(a.load.procfile, base->app_dir);
    if (!procfile_rel) return fail(command, procfile_rel.error());
    fs::path state_dir = release::resolve_state_dir(base->app_dir);
    // One instance per app, refused before anything is built, cleaned or bound.
    auto instance_lock = admin::InstanceLock::acquire(state_dir);
    if (!instance_lock) return fail(command, instance_lock.error());
    if (!instance_lock->warning().empty()) fmt::print(stderr, "paasrun {}: warning: {}\n", command, instance_lock->warning());
    if (auto st = config::ensure_data_dir(base->data_dir); !st) return fail(command, st.error());
    if (auto current = release::ReleaseStore(state_dir).current_version(); !current) {
        return fail(command, current.error());
    } else if (*current == 0) {
        // The first release will take its process types from DIR/Procfile (or -f): check it
        // and -c now, before a build and its release phase run for nothing.
        sv::LoadRequest first = a.load;
        if (auto cfg = sv::load_app(first); !cfg) return fail(command, cfg.error());
    }

    // The release phase of every build and deploy gets the processes' layers (.env, data dir).
    auto pipeline = build::pipeline_options(base->app_dir);
    if (!pipeline) return fail(command, pipeline.error());
    auto dotenv = dotenv_layer(a.load, base->app_dir);
    pipeline->publish.dotenv = dotenv;
    std::string source_dir = in_place ? fs::absolute(base->app_dir).lexically_normal().string() : std::string{};
    auto startup_pipeline = *pipeline;  // a build here is of the source itself: its release phase runs in place
    startup_pipeline.publish.in_place_dir = source_dir;
    auto outcome = deploy::prepare_startup(base->app_dir, state_dir, std::move(startup_pipeline), print_line);
    if (!outcome) {
        fmt::print(stderr, "paasrun {}: error: {}\npaasrun {}: build failed; nothing was started\n", command,
                   outcome.error().describe(), command);
        return sv::kExitConfigError;
    }

    // A release's manifest `env:` comes from its own paasrun.yaml (deploy/run_spec.hpp).
    deploy::EnvInputs env_inputs{std::move(dotenv), config::current_environment(), base->data_dir, *procfile_rel,
                                 source_dir};
    sv::SupervisorOptions opts;
    std::vector<std::string> warnings;
    if (outcome->version > 0) {
        release::ReleaseStore store(state_dir);
        auto run = deploy::release_run_spec(store, outcome->version, env_inputs);
        if (!run) return fail(command, run.error());
        if ((*run)->process_types.empty())
            return fail(command, Error(fmt::format("nothing to run: release v{} has no process types (add a Procfile "
                                                   "to the app and build again)",
                                                   outcome->version)));
        config::Procfile procfile;
        for (const auto& [name, cmd] : (*run)->process_types) procfile.processes.push_back({name, cmd, 0});
        if (!a.load.formation.empty()) {
            auto counts = config::parse_formation(a.load.formation);
            if (!counts) return fail(command, Error(fmt::format("-c {}: {}", a.load.formation, counts.error().describe())));
            if (auto st = sv::check_counts(procfile, *counts); !st)
                return fail(command, Error(fmt::format("-c: {} (release v{})", st.error().describe(), outcome->version)));
        }
        sv::LoadRequest with_counts = probe;
        with_counts.formation = a.load.formation;
        auto settings_cfg = sv::load_app(with_counts);
        if (!settings_cfg) return fail(command, settings_cfg.error());
        opts.formation = sv::expand_formation(procfile, settings_cfg->settings.formation, settings_cfg->settings.base_port);
        if (opts.formation.empty()) return fail(command, Error("nothing to run: every process type is scaled to 0"));
        auto only = sv::only_types(std::move(opts.formation), type_names((*run)->process_types), a.types);
        if (!only) return fail(command, Error(fmt::format("{} (release v{})", only.error().describe(), outcome->version)));
        opts.formation = std::move(*only);
        opts.app_dir = (*run)->app_dir;
        opts.slug_dir = (*run)->slug_dir;
        opts.env = (*run)->env;
        opts.release = outcome->version;
        opts.process_types = (*run)->process_types;
        opts.base_port = settings_cfg->settings.base_port;
        opts.grace_period = std::chrono::duration<double>(settings_cfg->settings.grace_period);
        if (!(*run)->slug_dir.empty())
            print_line(fmt::format("-----> Running release v{} in place: the code in {}, the environment from its build",
                                   outcome->version, (*run)->app_dir));
        else if (in_place)
            print_line(fmt::format("-----> Running release v{} from its slug: it was not built from {} as it was last "
                                   "built (a rollback or a deploy); edits show after the next build",
                                   outcome->version, source_dir));
        else
            print_line(fmt::format("-----> Running release v{}", outcome->version));
    } else {
        auto cfg = sv::load_app(a.load);
        if (!cfg) return fail(command, cfg.error());
        warnings = cfg->warnings;
        opts.app_dir = cfg->app_dir;
        std::vector<std::string> names;
        for (const auto& p : cfg->procfile.processes) names.push_back(p.name);
        auto only = sv::only_types(cfg->formation, names, a.types);
        if (!only) return fail(command, only.error());
        opts.formation = std::move(*only);
        opts.env = cfg->child_env;
        for (const auto& p : cfg->procfile.processes) opts.process_types.emplace_back(p.name, p.command);
        opts.base_port = cfg->settings.base_port;
        opts.grace_period = std::chrono::duration<double>(cfg->settings.grace_period);
    }
    for (const auto& w : warnings) fmt::print(stderr, "paasrun {}: warning: {}\n", command, w);

    const auto& manifest = base->manifest;
    opts.stop_on_exit = stop_on_exit;
    opts.restart = manifest.restart;
    if (a.restart) opts.restart.policy = "always";
    opts.color = sv::want_color(1, std::getenv("NO_COLOR"));
    opts.log_style = style;
    opts.shared_web_socket = share_web_socket(manifest, opts.process_types);
    opts.shutdown_delay = std::chrono::duration<double>(manifest.deploy.shutdown_delay);
    fs::path stats_dir;
    if (const auto* web = [&]() -> const std::string* {
            for (const auto& [n, c] : opts.process_types)
                if (n == "web") return &c;
            return nullptr;
        }();
        web && sv::takes_listen_fds(*web)) {
        stats_dir = state_dir / "run" / "stats";
        std::error_code ec;
        fs::remove_all(stats_dir, ec);  // counters of a previous run are not ours
        fs::create_directories(stats_dir, ec);
        if (!ec) opts.stats_dir = stats_dir.string();
    }
    auto hub = std::make_unique<deploy::LogHub>();
    opts.log_tap = [h = hub.get()](std::string_view line) { h->publish(line); };

    deploy::EngineOptions eopts;
    eopts.app_name = manifest.app_name;
    eopts.state_dir = state_dir;
    eopts.manifest = manifest;
    eopts.pipeline = std::move(*pipeline);
    eopts.env = std::move(env_inputs);
    eopts.stats_dir = opts.stats_dir;
    eopts.grace_period = opts.grace_period;
    config::EnvMap process_env = config::current_environment();

    auto sup = sv::Supervisor::create(std::move(opts));
    if (!sup) return fail(command, sup.error());
    // The engine's thread and the admin server's threads start after Supervisor::create, so
    // they inherit the blocked signal mask and only the loop reads the signals.
    deploy::Engine engine(**sup, *hub, std::move(eopts));
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
            deploy::EnvInputs in{dotenv_layer(load, cfg->app_dir), config::current_environment(), cfg->data_dir, {}, {}};
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
    auto* up_app = add_formation_options(up, *up_args);
    up->add_flag("--restart", up_args->restart,
                 "Restart processes that exit instead of stopping everything");
    up->add_flag("--reload", up_args->reload,
                 "Reload `paasrun serve` web processes when a source file changes (PAASRUN_RELOAD=1; "
                 "each new worker imports first, the old ones serve until it is ready)");
    up_args->load.load_default_env = true;
    cmds.add(up, [up_args, up_app] {
        split_words(*up_args, up_app->count() > 0);
        return run_formation("up", *up_args, !up_args->restart, true);
    });

    auto start_args = std::make_shared<FormationArgs>();
    auto* start = app.add_subcommand(
        "start", "Run the formation as a container's PID 1, restarting processes that exit");
    auto* start_app = add_formation_options(start, *start_args);
    cmds.add(start, [start_args, start_app] {
        split_words(*start_args, start_app->count() > 0);
        return run_formation("start", *start_args, false, false);
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
    run->add_option("-e,--env", run_args->load.env_files, "Load this .env file (several -e: merged in order)")
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
