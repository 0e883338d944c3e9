#include "supervisor/child_env.hpp"

#include <unistd.h>

namespace paasrun::supervisor {
namespace {

// Sources every readable .profile.d/*.sh in the current directory (the app dir), in the
// glob's (name) order, then the app's own .profile, as Heroku's dyno manager does before
// running the command (buildpacks write .profile.d; .profile is the app's, so it can override
// what they set). The command is copied out of $1 first so a profile script that uses
// `set --` cannot lose it; the copy is a shell variable, not exported, so the program does
// not see it.
constexpr std::string_view kProfileLoop =
    "__paasrun_cmd=$1; "
    "for __paasrun_f in .profile.d/*.sh; do "
    "if [ -r \"$__paasrun_f\" ]; then . \"./$__paasrun_f\"; fi; "
    "done; "
    "unset __paasrun_f; "
    "if [ -r ./.profile ]; then . ./.profile; fi; ";
// The same with the profile scripts of another directory, named by $2 (an absolute path).
constexpr std::string_view kProfileLoopIn =
    "__paasrun_cmd=$1; "
    "for __paasrun_f in \"$2\"/.profile.d/*.sh; do "
    "if [ -r \"$__paasrun_f\" ]; then . \"$__paasrun_f\"; fi; "
    "done; "
    "unset __paasrun_f; "
    "if [ -r ./.profile ]; then . ./.profile; fi; ";

}  // namespace

std::string parent_death_prefix() {
    // setpriv(1) (util-linux, essential on Debian) sets PR_SET_PDEATHSIG and execs: the pid
    // does not change, so the program is still our direct child.
    static const bool has_setpriv = ::access("/usr/bin/setpriv", X_OK) == 0;
    return has_setpriv ? "/usr/bin/setpriv --pdeathsig TERM -- " : "";
}

std::string command_shell() {
    // Heroku runs Procfile commands with bash. bash also execs the last simple command of
    // `-c` (dash does not), so for `web: gunicorn app:app` the program itself leads the
    // process group and is the supervisor's direct child.
    return ::access("/bin/bash", X_OK) == 0 ? "/bin/bash" : "/bin/sh";
}

std::vector<std::string> shell_command_argv(std::string_view command, bool export_listen_pid,
                                            const std::string& profile_dir) {
    std::string script(profile_dir.empty() ? kProfileLoop : kProfileLoopIn);
    if (export_listen_pid) script += "LISTEN_PID=$$; export LISTEN_PID; ";
    script += "exec " + parent_death_prefix() + command_shell() + " -c \"$__paasrun_cmd\"";
    std::vector<std::string> argv{"/bin/sh", "-c", std::move(script), "paasrun",
                                  std::string(command)};
    if (!profile_dir.empty()) argv.push_back(profile_dir);
    return argv;
}

std::vector<std::string> exec_argv(const std::vector<std::string>& args) {
    // `"$@"` after the loop: the arguments are exec'd as given, never re-split by the shell.
    std::string script(kProfileLoop);
    script += "unset __paasrun_cmd; exec \"$@\"";
    std::vector<std::string> argv{"/bin/sh", "-c", std::move(script), "paasrun"};
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
}

std::vector<std::string> to_envp(const config::EnvMap& env) {
    std::vector<std::string> out;
    out.reserve(env.size());
    for (const auto& [k, v] : env) out.push_back(k + "=" + v);
    return out;
}

}  // namespace paasrun::supervisor
