#include "export/systemd.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "serve/serve_options.hpp"
#include "supervisor/formation.hpp"

namespace paasrun::exporting {

namespace {

std::string restart_setting(const std::string& policy) {
    if (policy == "on-failure") return "on-failure";
    if (policy == "never") return "no";
    return "always";
}

// systemd 252 (Debian 12) restarts after a fixed RestartSec (RestartSteps= and
// RestartMaxDelaySec=, an exponential backoff like paasrun's, came in 254): the manifest's
// first backoff, but at least kMinRestartSeconds, so a crash loop costs little.
std::int64_t restart_seconds(const config::RestartPolicy& r) {
    return std::max<std::int64_t>(kMinRestartSeconds, ceil_seconds(r.initial_delay));
}

std::string instances(const Plan& plan, const ProcessPlan& p, std::size_t index,
                      std::string_view suffix) {
    std::string out;
    for (int i = 1; i <= p.count; ++i)
        out += fmt::format(" {}-{}@{}.{}", plan.app, p.type,
                           supervisor::port_for(kBasePort, index, i), suffix);
    return out;
}

std::string target_unit(const Plan& plan) {
    std::string wants;
    for (std::size_t i = 0; i < plan.processes.size(); ++i) {
        const auto& p = plan.processes[i];
        if (p.web && p.serve) wants += instances(plan, p, i, "socket");
        wants += instances(plan, p, i, "service");
    }
    return fmt::format(
        "# {app}: every process of the formation (paasrun export systemd).\n"
        "#   systemctl enable --now {app}.target     start, and start at boot\n"
        "#   systemctl stop {app}.target             stop everything\n"
        "[Unit]\n"
        "Description={app} (paasrun)\n"
        "Wants={wants}\n"
        "\n"
        "[Install]\n"
        "WantedBy=multi-user.target\n",
        fmt::arg("app", plan.app),
        fmt::arg("wants", wants.empty() ? std::string() : wants.substr(1)));
}

std::string service_unit(const Plan& plan, const ProcessPlan& p, const SystemdOptions& opts,
                         const std::string& user) {
    bool socket = p.web && p.serve;
    const auto& m = plan.manifest;
    std::string exec =
        fmt::format("{}{} run {} -- {}", socket ? "/usr/bin/env -u LISTEN_PID " : "",
                    opts.paasrun_bin, systemd_quote(opts.app_dir), systemd_quote(p.command));
    std::string socket_deps =
        socket
            ? fmt::format("Requires={0}-{1}@%i.socket\nAfter={0}-{1}@%i.socket\n", plan.app, p.type)
            : "";
    // Readiness exists where the command is `paasrun serve`: its arbiter sends READY=1 to
    // NOTIFY_SOCKET once every worker imported the app, and STOPPING=1. It is a child of the
    // main process (`paasrun run`), hence NotifyAccess=all (the service's cgroup).
    std::string type =
        p.serve ? fmt::format("Type=notify\nNotifyAccess=all\nTimeoutStartSec={}\n",
                              std::max<std::int64_t>(1, ceil_seconds(m.deploy.start_timeout)))
                : std::string("Type=exec\n");
    return fmt::format(
        "# {app} {type}: one instance per port (`{app}-{type}@5000.service`).\n"
        "[Unit]\n"
        "Description={app} {type} on port %i (paasrun)\n"
        "PartOf={app}.target\n"
        "After=network.target\n"
        "{socket_deps}"
        "# Never give up on a crash loop: retry every RestartSec, as paasrun start keeps "
        "retrying.\n"
        "StartLimitIntervalSec=0\n"
        "\n"
        "[Service]\n"
        "{service_type}"
        "User={user}\n"
        "WorkingDirectory={dir}\n"
        "Environment=PORT=%i\n"
        "ExecStart={exec}\n"
        "Restart={restart}\n"
        "RestartSec={restart_sec}\n"
        "KillMode=mixed\n"
        "KillSignal=SIGTERM\n"
        "TimeoutStopSec={stop}\n"
        "NoNewPrivileges=yes\n"
        "PrivateTmp=yes\n"
        "ProtectSystem=full\n"
        "SyslogIdentifier={app}-{type}-%i\n",
        fmt::arg("app", plan.app), fmt::arg("type", p.type), fmt::arg("socket_deps", socket_deps),
        fmt::arg("service_type", type), fmt::arg("user", user),
        fmt::arg("dir", systemd_escape_specifiers(opts.app_dir)), fmt::arg("exec", exec),
        fmt::arg("restart", restart_setting(m.restart.policy)),
        fmt::arg("restart_sec", restart_seconds(m.restart)),
        fmt::arg("stop", std::max<std::int64_t>(1, ceil_seconds(m.grace_period))));
}

std::string socket_unit(const Plan& plan, const ProcessPlan& p) {
    return fmt::format(
        "# {app} {type}: the listening socket, held by systemd across restarts of the service.\n"
        "[Unit]\n"
        "Description={app} {type} socket on port %i (paasrun)\n"
        "PartOf={app}.target\n"
        "\n"
        "[Socket]\n"
        "ListenStream=%i\n"
        "Backlog={backlog}\n"
        "NoDelay=true\n"
        "\n"
        "[Install]\n"
        "WantedBy=sockets.target\n",
        fmt::arg("app", plan.app), fmt::arg("type", p.type),
        fmt::arg("backlog", worker::ServeOptions{}.backlog));  // serve's own --backlog default
}

}  // namespace

std::string systemd_escape_specifiers(std::string_view value) {
    std::string out;
    for (char c : value) {
        if (c == '%') out += '%';
        out += c;
    }
    return out;
}

std::string systemd_quote(std::string_view arg) {
    std::string out = "\"";
    for (char c : arg) {
        switch (c) {
            case '\\':
                out += "\\\\";
                break;
            case '"':
                out += "\\\"";
                break;
            case '%':
                out += "%%";
                break;
            case '$':
                out += "$$";
                break;
            case '\n':
                out += "\\n";
                break;
            default:
                out += c;
        }
    }
    out += '"';
    return out;
}

Result<std::vector<GeneratedFile>> systemd_units(const Plan& plan, const SystemdOptions& opts) {
    if (opts.app_dir.empty() || opts.app_dir.front() != '/')
        return Error(
            fmt::format("the app directory \"{}\" must be an absolute path", opts.app_dir));
    // A unit file value is one line; WorkingDirectory= takes the path as written (no quotes).
    if (std::any_of(opts.app_dir.begin(), opts.app_dir.end(),
                    [](unsigned char c) { return c < 0x20 || c == 0x7f; }))
        return Error(
            fmt::format("the app directory \"{}\" contains a control character", opts.app_dir));
    if (opts.user.find_first_of(" \t\n\"'\\%$") != std::string::npos)
        return Error(fmt::format("the user \"{}\" is not a valid user name", opts.user));
    if (opts.paasrun_bin.empty() || opts.paasrun_bin.front() != '/' ||
        opts.paasrun_bin.find_first_of(" \t\"'\\%$") != std::string::npos)
        return Error(
            fmt::format("the paasrun path \"{}\" must be absolute, without spaces, quotes, % or $",
                        opts.paasrun_bin));
    std::string user = opts.user.empty() ? plan.app : opts.user;
    std::vector<GeneratedFile> out;
    out.push_back({plan.app + ".target", target_unit(plan)});
    for (const auto& p : plan.processes) {
        out.push_back(
            {fmt::format("{}-{}@.service", plan.app, p.type), service_unit(plan, p, opts, user)});
        if (p.web && p.serve)
            out.push_back({fmt::format("{}-{}@.socket", plan.app, p.type), socket_unit(plan, p)});
    }
    return out;
}

}  // namespace paasrun::exporting
