// `paasrun export systemd`: unit files in foreman's export layout, for a host without
// containers.
//
//   APP.target                 wants one instance per process (formation counts), WantedBy
//                              multi-user.target: `systemctl enable --now APP.target`
//   APP-TYPE@.service          a template per process type; the instance name is the PORT
//                              (foreman's convention: APP-web@5000.service, APP-web@5001...,
//                              ports by foreman's rule, as `paasrun start` assigns them)
//   APP-web@.socket            for a web type that runs `paasrun serve`: systemd owns the
//                              listening socket (ListenStream=%i) and passes it with
//                              LISTEN_FDS, so a restart of the service refuses no connection
//
// Each service runs `paasrun run APP_DIR -- COMMAND`: the app's environment layers,
// .profile.d and virtualenv, as under `paasrun start`. `paasrun run` forwards SIGTERM to the
// command, so KillMode=mixed (SIGTERM to paasrun, SIGKILL to the whole cgroup only after
// TimeoutStopSec = grace_period). `paasrun serve` accepts LISTEN_FDS without LISTEN_PID
// (docs/serve.md) but refuses a LISTEN_PID that is not its own, and systemd sets it to
// paasrun run's pid: the socket-activated ExecStart therefore starts with
// `/usr/bin/env -u LISTEN_PID`.
//
// Readiness: a `paasrun serve` service is Type=notify. Its arbiter (a child of `paasrun
// run`, the main process) sends READY=1 to NOTIFY_SOCKET when every worker has imported the
// app, and STOPPING=1, so NotifyAccess=all; TimeoutStartSec = deploy.start_timeout. Other
// commands have no readiness: Type=exec (a missing program fails the start).
//
// Restarts: Restart= from restart.policy, RestartSec = restart.initial_delay but at least
// kMinRestartSeconds, and StartLimitIntervalSec=0: a crash loop is retried forever, as
// `paasrun start` does (systemd 252 has no growing backoff). Hardening: NoNewPrivileges,
// PrivateTmp, ProtectSystem=full (/usr, /boot, /etc read-only; the app dir stays writable).
//
// Every unit passes `systemd-analyze verify` (tests/integration/test_export.py).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "export/kubernetes.hpp"  // GeneratedFile
#include "export/plan.hpp"

namespace paasrun::exporting {

struct SystemdOptions {
    std::string app_dir;      // absolute path of the app on the target host
    std::string user;         // User=; empty: the app name (foreman's default)
    std::string paasrun_bin;  // absolute path of paasrun on the target host
};

/// The unit files, target first. Errors: a relative app dir or paasrun path. Pure.
[[nodiscard]] Result<std::vector<GeneratedFile>> systemd_units(const Plan& plan,
                                                               const SystemdOptions& opts);

/// RestartSec= is never shorter than this (seconds); see systemd.cpp restart_seconds().
inline constexpr int kMinRestartSeconds = 5;

/// A value systemd reads raw (WorkingDirectory=): only `%` is special (specifiers), doubled.
/// Quotes would be taken literally there. Pure.
[[nodiscard]] std::string systemd_escape_specifiers(std::string_view value);

/// One ExecStart argument, quoted for systemd: double quotes with `\` and `"` escaped, `%`
/// doubled (specifiers) and `$` doubled (systemd's own variable expansion). Pure.
[[nodiscard]] std::string systemd_quote(std::string_view arg);

}  // namespace paasrun::exporting
