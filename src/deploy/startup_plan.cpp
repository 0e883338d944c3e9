#include "deploy/startup_plan.hpp"

#include <fmt/format.h>

#include "supervisor/web_socket.hpp"

namespace paasrun::deploy {

namespace sv = supervisor;

namespace {

using Types = std::vector<std::pair<std::string, std::string>>;

std::vector<std::string> type_names(const Types& types) {
    std::vector<std::string> out;
    for (const auto& [name, command] : types) out.push_back(name);
    return out;
}

const std::string* command_of(const Types& types, std::string_view name) {
    for (const auto& [n, c] : types)
        if (n == name) return &c;
    return nullptr;
}

// A release: its process types, DIR's formation settings with -c over them.
Status plan_release(const StartupOptions& o, const PlanInputs& in, StartupPlan& plan) {
    const auto& run = *in.run;
    const int v = in.version;
    if (run.process_types.empty())
        return Error(fmt::format(
            "nothing to run: release v{} has no process types (add a Procfile to the app and "
            "build again)",
            v));
    config::Procfile procfile;
    for (const auto& [name, cmd] : run.process_types) procfile.processes.push_back({name, cmd, 0});
    const auto& settings = in.base.settings;
    auto counts = settings.formation;
    if (!o.load.formation.empty()) {
        auto flag = config::parse_formation(o.load.formation);
        if (!flag)
            return Error(fmt::format("-c {}: {}", o.load.formation, flag.error().describe()));
        if (auto st = sv::check_counts(procfile, *flag); !st)
            return Error(fmt::format("-c: {} (release v{})", st.error().describe(), v));
        for (const auto& [type, n] : *flag)
            counts[type] = n;  // the flag wins (config/settings.hpp)
    }
    auto& opts = plan.supervisor;
    opts.formation = sv::expand_formation(procfile, counts, settings.base_port);
    if (opts.formation.empty()) return Error("nothing to run: every process type is scaled to 0");
    auto only = sv::only_types(std::move(opts.formation), type_names(run.process_types), o.types);
    if (!only) return Error(fmt::format("{} (release v{})", only.error().describe(), v));
    opts.formation = std::move(*only);
    opts.app_dir = run.app_dir;
    opts.slug_dir = run.slug_dir;
    opts.env = run.env;
    opts.release = v;
    opts.process_types = run.process_types;
    opts.base_port = settings.base_port;
    opts.grace_period = std::chrono::duration<double>(settings.grace_period);
    if (!run.slug_dir.empty())
        plan.notes.push_back(
            fmt::format("-----> Running release v{} in place: the code in {}, the environment from "
                        "its build",
                        v, run.app_dir));
    else if (o.in_place)
        plan.notes.push_back(
            fmt::format("-----> Running release v{} from its slug: it was not built from {} as it "
                        "was last built (a rollback or a deploy); edits show after the next build",
                        v, in.env.source_dir));
    else
        plan.notes.push_back(fmt::format("-----> Running release v{}", v));
    return {};
}

// The directory as-is: its Procfile and formation (load_app checked -c against it).
Status plan_as_is(const StartupOptions& o, const sv::AppConfig& cfg, StartupPlan& plan) {
    auto& opts = plan.supervisor;
    std::vector<std::string> names;
    for (const auto& p : cfg.procfile.processes) names.push_back(p.name);
    auto only = sv::only_types(cfg.formation, names, o.types);
    if (!only) return std::move(only).error();
    opts.formation = std::move(*only);
    opts.app_dir = cfg.app_dir;
    opts.env = cfg.child_env;
    for (const auto& p : cfg.procfile.processes) opts.process_types.emplace_back(p.name, p.command);
    opts.base_port = cfg.settings.base_port;
    opts.grace_period = std::chrono::duration<double>(cfg.settings.grace_period);
    plan.warnings = cfg.warnings;
    return {};
}

}  // namespace

sv::LogStyle log_style_for(const StartupOptions& o) {
    sv::LogStyle style = o.in_place ? sv::LogStyle::human : sv::LogStyle::logfmt;
    if (!o.log_format.empty()) (void)sv::parse_log_style(o.log_format, style);
    return style;
}

std::string admin_bind(const config::Manifest& m, const config::EnvMap& env) {
    if (!m.admin.bind.empty()) return m.admin.bind;
    auto it = env.find("ADMIN_PORT");
    return fmt::format("127.0.0.1:{}", it != env.end() && !it->second.empty() ? it->second : "0");
}

bool share_web_socket(const config::Manifest& m, const Types& types) {
    if (m.deploy.shared_socket == "always") return true;
    if (m.deploy.shared_socket == "never") return false;
    const auto* web = command_of(types, "web");
    return web && sv::takes_listen_fds(*web);
}

Result<StartupPlan> build_startup_plan(const StartupOptions& o, PlanInputs in) {
    StartupPlan plan;
    plan.command = o.command;
    auto st = in.version > 0 && in.run ? plan_release(o, in, plan)
              : in.as_is
                  ? plan_as_is(o, *in.as_is, plan)
                  : Status(Error("start-up plan: neither a release nor the app directory to run"));
    if (!st) return std::move(st).error();

    const auto& manifest = in.base.manifest;
    auto& opts = plan.supervisor;
    opts.stop_on_exit = o.stop_on_exit;
    opts.restart = manifest.restart;
    if (o.restart) opts.restart.policy = "always";
    opts.log_style = log_style_for(o);
    opts.shared_web_socket = share_web_socket(manifest, opts.process_types);
    opts.shutdown_delay = std::chrono::duration<double>(manifest.deploy.shutdown_delay);
    // A `paasrun serve` web type writes per-worker counters for the admin API and dashboard.
    if (const auto* web = command_of(opts.process_types, "web");
        web && sv::takes_listen_fds(*web)) {
        plan.stats_dir = in.state_dir / "run" / "stats";
        opts.stats_dir = plan.stats_dir.string();
    }
    if (manifest.admin.enabled) plan.admin_bind = admin_bind(manifest, in.process_env);
    plan.manifest = manifest;
    plan.state_dir = std::move(in.state_dir);
    plan.env = std::move(in.env);
    plan.pipeline = std::move(in.pipeline);
    return plan;
}

}  // namespace paasrun::deploy
