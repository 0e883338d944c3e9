#include "deploy/startup_plan.hpp"

#include <fmt/format.h>

#include <cstdlib>
#include <system_error>

#include "build/pipeline.hpp"
#include "config/data_dir.hpp"
#include "deploy/run_spec.hpp"
#include "deploy/startup.hpp"
#include "release/store.hpp"
#include "supervisor/formation.hpp"
#include "supervisor/prefix.hpp"
#include "supervisor/web_socket.hpp"

namespace paasrun::deploy {
namespace {

namespace sv = supervisor;
namespace fs = std::filesystem;

bool share_web_socket(const config::Manifest& m,
                      const std::vector<std::pair<std::string, std::string>>& types) {
    if (m.deploy.shared_socket == "always") return true;
    if (m.deploy.shared_socket == "never") return false;
    for (const auto& [name, command] : types)
        if (name == "web") return sv::takes_listen_fds(command);
    return false;
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

// The release's formation: its process types, `-c`, and the directory's settings.
Status release_formation(const sv::LoadRequest& load, const sv::LoadRequest& probe,
                         const sv::RunSpec& run, int version, sv::SupervisorOptions& opts) {
    if (run.process_types.empty())
        return Error(
            fmt::format("nothing to run: release v{} has no process types (add a Procfile "
                        "to the app and build again)",
                        version));
    config::Procfile procfile;
    for (const auto& [name, cmd] : run.process_types) procfile.processes.push_back({name, cmd, 0});
    if (!load.formation.empty()) {
        auto counts = config::parse_formation(load.formation);
        if (!counts)
            return Error(fmt::format("-c {}: {}", load.formation, counts.error().describe()));
        if (auto st = sv::check_counts(procfile, *counts); !st)
            return Error(fmt::format("-c: {} (release v{})", st.error().describe(), version));
    }
    sv::LoadRequest with_counts = probe;
    with_counts.formation = load.formation;
    auto settings_cfg = sv::load_app(with_counts);
    if (!settings_cfg) return settings_cfg.error();
    opts.formation = sv::expand_formation(procfile, settings_cfg->settings.formation,
                                          settings_cfg->settings.base_port);
    if (opts.formation.empty()) return Error("nothing to run: every process type is scaled to 0");
    opts.app_dir = run.app_dir;
    opts.env = run.env;
    opts.release = version;
    opts.process_types = run.process_types;
    opts.base_port = settings_cfg->settings.base_port;
    opts.grace_period = std::chrono::duration<double>(settings_cfg->settings.grace_period);
    return {};
}

// The stats dir of the web processes, when web runs `paasrun serve` (takes LISTEN_FDS).
std::string stats_dir_for(const sv::SupervisorOptions& opts, const fs::path& state_dir) {
    const std::string* web = nullptr;
    for (const auto& [n, c] : opts.process_types)
        if (n == "web") web = &c;
    if (!web || !sv::takes_listen_fds(*web)) return {};
    fs::path dir = state_dir / "run" / "stats";
    std::error_code ec;
    fs::remove_all(dir, ec);  // counters of a previous run are not ours
    fs::create_directories(dir, ec);
    return ec ? std::string{} : dir.string();
}

}  // namespace

config::EnvList dotenv_layer(const sv::LoadRequest& load, const std::string& app_dir) {
    std::string path = load.env_file;
    if (path.empty() && load.load_default_env) path = app_dir + "/.env";
    if (path.empty()) return {};
    auto env = config::load_dotenv(path);
    return env ? std::move(*env) : config::EnvList{};
}

std::variant<StartupPlan, StartupFailure> plan_startup(
    StartupRequest req, const std::function<void(std::string_view)>& say,
    const std::function<void(std::string_view)>& warn) {
    auto fail = [](Error e) { return StartupFailure{std::move(e), false}; };
    req.load.port = req.port;
    req.load.grace_period = req.grace;
    // First the directory without requiring a Procfile: a release brings its own.
    sv::LoadRequest probe = req.load;
    probe.need_procfile = false;
    probe.formation.clear();
    auto base = sv::load_app(probe);
    if (!base) return fail(base.error());
    auto procfile_rel = procfile_in_app(req.load.procfile, base->app_dir);
    if (!procfile_rel) return fail(procfile_rel.error());
    fs::path state_dir = release::resolve_state_dir(base->app_dir);
    // One instance per app, refused before anything is built, cleaned or bound.
    auto instance_lock = admin::InstanceLock::acquire(state_dir);
    if (!instance_lock) return fail(instance_lock.error());
    if (!instance_lock->warning().empty()) warn(instance_lock->warning());
    if (auto st = config::ensure_data_dir(base->data_dir); !st) return fail(st.error());
    if (auto current = release::ReleaseStore(state_dir).current_version(); !current) {
        return fail(current.error());
    } else if (*current == 0) {
        // The first release will take its process types from DIR/Procfile (or -f): check it
        // and -c now, before a build and its release phase run for nothing.
        sv::LoadRequest first = req.load;
        if (auto cfg = sv::load_app(first); !cfg) return fail(cfg.error());
    }

    // The release phase of every build and deploy gets the processes' layers (.env, data dir).
    auto pipeline = build::pipeline_options(base->app_dir);
    if (!pipeline) return fail(pipeline.error());
    auto dotenv = dotenv_layer(req.load, base->app_dir);
    pipeline->publish.dotenv = dotenv;
    auto outcome = prepare_startup(base->app_dir, state_dir, *pipeline, say);
    if (!outcome) return StartupFailure{outcome.error(), true};

    // A release's manifest `env:` comes from its own paasrun.yaml (deploy/run_spec.hpp).
    EnvInputs env_inputs{std::move(dotenv), config::current_environment(), base->data_dir,
                         *procfile_rel};
    sv::SupervisorOptions opts;
    if (outcome->version > 0) {
        release::ReleaseStore store(state_dir);
        auto run = release_run_spec(store, outcome->version, env_inputs);
        if (!run) return fail(run.error());
        if (auto st = release_formation(req.load, probe, **run, outcome->version, opts); !st)
            return fail(st.error());
        say(fmt::format("-----> Running release v{}", outcome->version));
    } else {
        auto cfg = sv::load_app(req.load);
        if (!cfg) return fail(cfg.error());
        for (const auto& w : cfg->warnings) warn(w);
        opts.app_dir = cfg->app_dir;
        opts.formation = cfg->formation;
        opts.env = cfg->child_env;
        for (const auto& p : cfg->procfile.processes)
            opts.process_types.emplace_back(p.name, p.command);
        opts.base_port = cfg->settings.base_port;
        opts.grace_period = std::chrono::duration<double>(cfg->settings.grace_period);
    }

    const auto& manifest = base->manifest;
    opts.stop_on_exit = req.stop_on_exit;
    opts.restart = manifest.restart;
    if (req.restart) opts.restart.policy = "always";
    opts.color = sv::want_color(1, std::getenv("NO_COLOR"));
    opts.shared_web_socket = share_web_socket(manifest, opts.process_types);
    opts.shutdown_delay = std::chrono::duration<double>(manifest.deploy.shutdown_delay);
    opts.stats_dir = stats_dir_for(opts, state_dir);
    auto hub = std::make_unique<LogHub>();
    opts.log_tap = [h = hub.get()](std::string_view line) { h->publish(line); };

    EngineOptions eopts;
    eopts.app_name = manifest.app_name;
    eopts.state_dir = state_dir;
    eopts.manifest = manifest;
    eopts.pipeline = std::move(*pipeline);
    eopts.env = std::move(env_inputs);
    eopts.stats_dir = opts.stats_dir;
    eopts.grace_period = opts.grace_period;
    return StartupPlan{
        std::move(*instance_lock), state_dir,        manifest,      config::current_environment(),
        std::move(opts),           std::move(eopts), std::move(hub)};
}

}  // namespace paasrun::deploy
