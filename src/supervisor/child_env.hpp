// What a child process sees: its environment and the shell line that starts it.
//
// Environment: the app's (config/app_env.hpp: layers, PAASRUN_*, venv and PATH), plus per
// process PORT, DYNO=name.N and PS=name.N (foreman's name for the same thing).
//
// Command line: Heroku runs every command through bash after sourcing the app's
// `.profile.d/*.sh` scripts (in name order, cwd = the app dir), then its `.profile`. We do
// the same with
//     /bin/sh -c '<source .profile.d/*.sh, then .profile>; exec /bin/bash -c "$cmd"' paasrun CMD
// (/bin/sh when there is no bash) so the profile scripts can export variables. Both
// shells exec: for a simple command the program itself ends up as the child, leading its
// process group; for a compound one bash stays as the leader and the group is signalled.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "config/settings.hpp"

namespace paasrun::supervisor {

/// "/usr/bin/setpriv --pdeathsig TERM -- " when setpriv is installed, else "": a process
/// whose supervisor is killed (kill -9, a crash) gets SIGTERM instead of living on as an
/// orphan that holds the web port. The kernel sends it when the thread that started the
/// process exits: the supervisor's loop thread, which lives as long as the supervisor.
[[nodiscard]] std::string parent_death_prefix();

/// "/bin/bash" when it is installed, else "/bin/sh".
[[nodiscard]] std::string command_shell();

/// argv for running a Procfile command (a shell command line). With `export_listen_pid`
/// the start-up shell exports LISTEN_PID=$$ just before it execs the command's shell: the
/// pid does not change across those execs, so a program bash execs directly (a simple
/// command) sees its own pid there, as sd_listen_fds(3) and gunicorn require.
/// `profile_dir`: source `.profile.d/*.sh` from this directory instead of the cwd's (`up`
/// running a release in place: the code is the source dir's, the build's profile scripts
/// are the slug's); the app's `.profile` is always the cwd's. Passed as `$2`, never quoted
/// into the script.
[[nodiscard]] std::vector<std::string> shell_command_argv(std::string_view command,
                                                          bool export_listen_pid = false,
                                                          const std::string& profile_dir = {});

/// argv for running CMD ARGS... (exec'd directly after the profile scripts, no re-parsing).
[[nodiscard]] std::vector<std::string> exec_argv(const std::vector<std::string>& args);

/// "KEY=VALUE" strings for execve.
[[nodiscard]] std::vector<std::string> to_envp(const config::EnvMap& env);

}  // namespace paasrun::supervisor
