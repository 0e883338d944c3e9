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
[[nodiscard]] Result<std::vector<GeneratedFile>> systemd_units(const Plan& plan, const SystemdOptions& opts);

/// One ExecStart argument, quoted for systemd: double quotes with `\` and `"` escaped, `%`
/// doubled (specifiers) and `$` doubled (systemd's own variable expansion). Pure.
[[nodiscard]] std::string systemd_quote(std::string_view arg);

}  // namespace paasrun::exporting
