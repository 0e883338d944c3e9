#include "deploy/startup_run.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <system_error>

#include "admin/instance_file.hpp"
#include "admin/server.hpp"
#include "config/data_dir.hpp"
#include "deploy/build_log_json.hpp"
#include "deploy/engine.hpp"
#include "deploy/log_hub.hpp"
#include "deploy/startup.hpp"
#include "release/store.hpp"
#include "supervisor/prefix.hpp"
#include "supervisor/sd_notify.hpp"
#include "util/log_fields.hpp"

namespace paasrun::deploy {

namespace sv = supervisor;
namespace fs = std::filesystem;

namespace {

// Set before anything reads the environment: the children of this run and of every later
// deploy inherit them.
void set_process_environment(const StartupOptions& o) {
    if (o.reload) ::setenv("PAASRUN_RELOAD", "1", 1);
    if (log_style_for(o) == sv::LogStyle::json) {
        // `paasrun serve`'s arbiter and access log read PAASRUN_LOG_FORMAT (util/log_fields.hpp).
        ::setenv("PAASRUN_LOG_FORMAT", "json", 1);
        log::set_format(log::Format::json);
    } else {
        // This process's own lines (report(), the deploy engine's) follow the style even when
        // PAASRUN_LOG_FORMAT=json came from the environment; the processes keep it unless
        // --log-format says otherwise.
        log::set_format(log::Format::logfmt);
        if (o.log_format == "logfmt" || o.log_format == "human") ::unsetenv("PAASRUN_LOG_FORMAT");
    }
}

void warn(std::string_view command, std::string_view text) {
    report(command, log::Level::warn, text);
}

// The build's and the plan's progress lines as they are, or as JSON lines when every line
// must be JSON (deploy/build_log_json.hpp).
std::function<void(std::string_view)> progress_output(
    bool json, const std::function<void(std::string_view)>& on_line) {
    if (!json) return on_line;
    auto converter = std::make_shared<BuildLogJson>();
    return [converter, on_line](std::string_view line) {
        on_line(converter->convert(log::utc_now(), line));
    };
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
    if (!fs::is_regular_file(procfile, ec))
        return Error(fmt::format("-f {}: no such file", procfile));
    return Error(fmt::format(
        "-f {}: must be a file inside the app directory {} (every release reads it from its slug)",
        procfile, app_dir));
}

}  // namespace

Result<Startup> load_startup(const StartupOptions& o,
                             const std::function<void(std::string_view)>& on_line) {
    sv::take_notify_socket();
    set_process_environment(o);
    auto progress = progress_output(log_style_for(o) == sv::LogStyle::json, on_line);
    // First the directory without requiring a Procfile: a release brings its own.
    sv::LoadRequest probe = o.load;
    probe.need_procfile = false;
    probe.formation.clear();
    auto base = sv::load_app(probe);
    if (!base) return std::move(base).error();
    auto procfile_rel = procfile_in_app(o.load.procfile, base->app_dir);
    if (!procfile_rel) return std::move(procfile_rel).error();
    fs::path state_dir = release::resolve_state_dir(base->app_dir);
    // One instance per app, refused before anything is built, cleaned or bound.
    auto lock = admin::InstanceLock::acquire(state_dir);
    if (!lock) return std::move(lock).error();
    if (!lock->warning().empty()) warn(o.command, lock->warning());
    if (auto st = config::ensure_data_dir(base->data_dir); !st) return std::move(st).error();
    if (auto current = release::ReleaseStore(state_dir).current_version(); !current) {
        return std::move(current).error();
    } else if (*current == 0) {
        // The first release will take its process types from DIR/Procfile (or -f): check it
        // and -c now, before a build and its release phase run for nothing.
        if (auto cfg = sv::load_app(o.load); !cfg) return std::move(cfg).error();
    }

    // The release phase of every build and deploy gets the processes' layers (.env, data dir).
    auto pipeline = build::pipeline_options(base->app_dir);
    if (!pipeline) return std::move(pipeline).error();
    auto dotenv = sv::load_env_files(o.load, base->app_dir);
    config::EnvList dotenv_layer = dotenv ? std::move(*dotenv) : config::EnvList{};
    pipeline->publish.dotenv = dotenv_layer;
    std::string source_dir =
        o.in_place ? fs::absolute(base->app_dir).lexically_normal().string() : std::string{};
    auto startup_pipeline =
        *pipeline;  // a build here is of the source itself: its release phase runs in place
    startup_pipeline.publish.in_place_dir = source_dir;
    auto outcome = prepare_startup(base->app_dir, state_dir, std::move(startup_pipeline), progress);
    if (!outcome)
        return Error(fmt::format("{}\npaasrun {}: build failed; nothing was started",
                                 outcome.error().describe(), o.command));

    PlanInputs in;
    in.state_dir = state_dir;
    // A release's manifest `env:` comes from its own paasrun.yaml (deploy/run_spec.hpp).
    in.env = EnvInputs{std::move(dotenv_layer), config::current_environment(), base->data_dir,
                       *procfile_rel, source_dir};
    in.pipeline = std::move(*pipeline);
    in.process_env = config::current_environment();
    in.version = outcome->version;
    if (outcome->version > 0) {
        auto run = release_run_spec(release::ReleaseStore(state_dir), outcome->version, in.env);
        if (!run) return std::move(run).error();
        in.run = std::move(*run);
    } else {
        auto cfg = sv::load_app(o.load);
        if (!cfg) return std::move(cfg).error();
        in.as_is = std::move(*cfg);
    }
    in.base = std::move(*base);
    auto plan = build_startup_plan(o, std::move(in));
    if (!plan) return std::move(plan).error();
    return Startup{std::move(*lock), std::move(*plan)};
}

int run_startup(Startup startup, const std::function<void(std::string_view)>& on_line) {
    auto& plan = startup.plan;
    const auto& command = plan.command;
    auto fail = [&](const Error& e) {
        report(command, log::Level::error, e.describe());
        return sv::kExitConfigError;
    };
    auto progress = progress_output(plan.supervisor.log_style == sv::LogStyle::json, on_line);
    for (const auto& n : plan.notes) progress(n);
    for (const auto& w : plan.warnings) warn(command, w);

    auto opts = std::move(plan.supervisor);
    opts.color = sv::want_color(1, std::getenv("NO_COLOR"));
    if (!plan.stats_dir.empty()) {
        std::error_code ec;
        fs::remove_all(plan.stats_dir, ec);  // counters of a previous run are not ours
        fs::create_directories(plan.stats_dir, ec);
        if (ec) opts.stats_dir.clear();
    }
    auto hub = std::make_unique<LogHub>();
    opts.log_tap = [h = hub.get()](std::string_view line) { h->publish(line); };

    EngineOptions eopts;
    eopts.app_name = plan.manifest.app_name;
    eopts.state_dir = plan.state_dir;
    eopts.manifest = plan.manifest;
    eopts.pipeline = std::move(plan.pipeline);
    eopts.env = std::move(plan.env);
    eopts.stats_dir = opts.stats_dir;
    eopts.grace_period = opts.grace_period;

    auto sup = sv::Supervisor::create(std::move(opts));
    if (!sup) return fail(sup.error());
    // The engine's thread and the admin server's threads start after Supervisor::create, so
    // they inherit the blocked signal mask and only the loop reads the signals.
    Engine engine(**sup, *hub, std::move(eopts));
    sv::ReadyAnnouncer announce_ready([&engine] {  // READY=1 when /readyz first answers 200
        auto st = engine.status();
        return std::holds_alternative<admin::AppStatus>(st) && std::get<admin::AppStatus>(st).ready;
    });
    std::unique_ptr<admin::Server> server;
    std::optional<admin::InstanceFileGuard> instance;
    const auto& manifest = plan.manifest;
    if (manifest.admin.enabled) {
        admin::ServerOptions sopts;
        sopts.bind = plan.admin_bind;
        sopts.max_body_bytes = static_cast<std::size_t>(manifest.admin.max_body);
        sopts.log_sink = [out = &(*sup)->output()](log::Level l, std::string_view t) {
            out->system(l, t, "admin");
        };
        auto started = admin::Server::start(engine, std::move(sopts));
        if (!started) {
            engine.stop();
            return fail(Error(fmt::format("admin API: {}", started.error().describe())));
        }
        server = std::move(*started);
        (*sup)->output().info("admin api listening addr={} token_source={}", server->address(),
                              log::quote(server->token_source()));
        // Lets `paasrun config:set` / `ps` / `logs` in the app dir find this instance without
        // --to (admin/instance_file.hpp); removed when we exit.
        instance.emplace(plan.state_dir,
                         admin::InstanceEntry{admin::client_url(server->address()), ::getpid()});
        if (!instance->status())
            (*sup)->output().warn("cannot record the admin address for the CLI error={}",
                                  log::quote(instance->status().error().describe()));
    }
    int code = (*sup)->run();
    if (server) server->stop();
    engine.stop();
    return code;
}

void report(std::string_view command, log::Level level, std::string_view text) {
    if (log::format() == log::Format::json) {
        log::Fields f;
        f.msg = std::string(text);
        static constexpr std::string_view kLevels[] = {"debug", "info", "warn", "error"};
        fmt::print(stderr, "{}\n",
                   log::json_line(log::utc_now(), kLevels[static_cast<int>(level)], command, f));
    } else {
        fmt::print(stderr, "paasrun {}: {}: {}\n", command,
                   level == log::Level::error ? "error" : "warning", text);
    }
}

}  // namespace paasrun::deploy
