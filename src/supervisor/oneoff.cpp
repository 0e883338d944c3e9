#include "supervisor/oneoff.hpp"

#include <fmt/format.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>

#include "process/exit_status.hpp"
#include "process/spawn.hpp"
#include "supervisor/child_env.hpp"

namespace paasrun::supervisor {
namespace {

constexpr int kSignals[] = {SIGCHLD, SIGTERM, SIGINT, SIGQUIT, SIGHUP, SIGUSR1, SIGUSR2};

bool from_terminal(const siginfo_t& info) {
    // kill(2)/sigqueue(3) set SI_USER/SI_QUEUE (<= 0); a TTY's Ctrl-C arrives as SI_KERNEL.
    return info.si_code > 0;
}

int wait_for(pid_t child, const sigset_t& set) {
    while (true) {
        siginfo_t info{};
        int sig = ::sigwaitinfo(&set, &info);
        if (sig == -1) {
            if (errno == EINTR) continue;
            std::perror("paasrun run: sigwaitinfo");
            return 1;
        }
        if (sig != SIGCHLD) {
            if ((sig == SIGINT || sig == SIGQUIT) && from_terminal(info)) continue;
            if (::kill(child, sig) == -1 && errno != ESRCH) std::perror("paasrun run: kill");
            continue;
        }
        while (true) {
            int status = 0;
            pid_t pid = ::waitpid(-1, &status, WNOHANG);
            if (pid == -1 && errno == EINTR) continue;
            if (pid <= 0) break;
            if (pid == child) return process::exit_code_of(status);
        }
    }
}

}  // namespace

int run_oneoff(const std::string& app_dir, config::EnvMap env, const std::vector<std::string>& args,
               const std::string& dyno) {
    if (args.empty()) {
        std::fputs("paasrun run: no command given\n", stderr);
        return 2;
    }
    sigset_t set, old;
    sigemptyset(&set);
    for (int s : kSignals) sigaddset(&set, s);
    ::pthread_sigmask(SIG_BLOCK, &set, &old);

    env["DYNO"] = dyno;
    process::SpawnSpec req;
    req.argv = args.size() == 1 ? shell_command_argv(args[0]) : exec_argv(args);
    req.env = to_envp(env);
    req.cwd = app_dir;
    auto pid = process::spawn(req);
    if (!pid) {
        fmt::print(stderr, "paasrun run: {}\n", pid.error().describe());
        ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
        return process::exec_failure_code(pid.error().sys_errno);
    }
    int code = wait_for(*pid, set);
    ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
    return code;
}

}  // namespace paasrun::supervisor
