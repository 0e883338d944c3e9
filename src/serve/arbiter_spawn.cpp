#include "serve/arbiter_spawn.hpp"

#include <fcntl.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <csignal>
#include <cstring>

#include "serve/arbiter_handoff.hpp"

namespace paasrun::worker {
namespace {

// Child side: only async-signal-safe calls from here on.
[[noreturn]] void child_fail(const char* what) {
    char buf[256];
    const char* err = std::strerror(errno);  // glibc: a static table lookup for known errnos
    int n = 0;
    for (const char* p : {"paasrun arbiter: cannot start worker: ", what, ": ", err, "\n"})
        while (*p && n < static_cast<int>(sizeof buf) - 1) buf[n++] = *p++;
    [[maybe_unused]] auto w = ::write(2, buf, static_cast<std::size_t>(n));
    ::_exit(kExitBootError);
}

[[noreturn]] void exec_child(pid_t arbiter, const char* file, int exe, char* const argv[],
                             const std::vector<int>& sources, bool paasrun_worker) {
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; ++sig)
        ::sigaction(sig, &dfl, nullptr);  // SIGKILL/STOP: EINVAL, fine
    // Every signal unblocked, except, for paasrun's own worker, SIGTERM and SIGINT: those stay
    // blocked across exec (and pending, if one arrives) until the worker has installed its
    // handler (install_stop_signals), so a stop of the whole process group while a worker is
    // being spawned makes it exit 0 instead of killing it with the default disposition.
    sigset_t mask;
    sigemptyset(&mask);
    if (paasrun_worker) {
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGUSR1);  // likewise: a logrotate during boot must not kill it;
                                    // install_reopen_signal() unblocks it (server_process.hpp)
    }
    ::sigprocmask(SIG_SETMASK, &mask, nullptr);

    // The worker must not outlive the arbiter (nobody would reap or supervise it).
    if (::prctl(PR_SET_PDEATHSIG, SIGKILL) == -1) child_fail("prctl(PR_SET_PDEATHSIG)");
    if (::getppid() != arbiter) ::_exit(kExitBootError);  // arbiter died before prctl

    // Move every source above the target range first so no dup2 clobbers a later source.
    const int first_free = 3 + static_cast<int>(sources.size());
    // The pinned program goes above the target range too (CLOEXEC: gone once exec succeeds).
    if (exe >= 0 && (exe = ::fcntl(exe, F_DUPFD_CLOEXEC, first_free)) == -1)
        child_fail("fcntl(F_DUPFD_CLOEXEC) of the worker program");
    int high[64];
    for (std::size_t i = 0; i < sources.size(); ++i) {
        high[i] = ::fcntl(sources[i], F_DUPFD_CLOEXEC, first_free);
        if (high[i] == -1) child_fail("fcntl(F_DUPFD_CLOEXEC)");
    }
    for (std::size_t i = 0; i < sources.size(); ++i)
        if (::dup2(high[i], 3 + static_cast<int>(i)) == -1) child_fail("dup2");  // clears CLOEXEC
    // Close everything above the layout, except the pinned program, which exec closes.
    auto close_from = [](int lo, unsigned hi) {
        if (::close_range(static_cast<unsigned>(lo), hi, 0) == -1) child_fail("close_range");
    };
    if (exe < 0) {
        close_from(first_free, ~0U);
    } else {
        if (exe > first_free) close_from(first_free, static_cast<unsigned>(exe - 1));
        close_from(exe + 1, ~0U);
    }

    if (exe >= 0)
        ::fexecve(exe, argv, environ);
    else
        ::execv(file, argv);
    child_fail(file);
}

}  // namespace

WorkerContext child_layout(const WorkerContext& parent) {
    WorkerContext c;
    c.index = parent.index;
    c.serial = parent.serial;
    c.zygote = parent.zygote;
    int next = 3;
    for (std::size_t i = 0; i < parent.listen_fds.size(); ++i) c.listen_fds.push_back(next++);
    c.control_fd = next++;
    c.heartbeat_fd = next++;
    return c;
}

Result<pid_t> spawn_worker(const WorkerCommand& cmd, const WorkerContext& parent) {
    if (cmd.command.empty()) return Error("empty worker command");
    if (parent.listen_fds.size() + 2 > 64) return Error("too many listening sockets (at most 62)");

    WorkerContext child = child_layout(parent);
    child.options = parent.options;
    std::vector<std::string> args(cmd.command.begin(), cmd.command.end());
    if (!cmd.argv0.empty()) args[0] = cmd.argv0;
    for (auto& a : handoff_args(child)) args.push_back(std::move(a));
    // Everything the child needs is built before fork: it only dup2s and execs.
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::vector<int> sources(parent.listen_fds.begin(), parent.listen_fds.end());
    sources.push_back(parent.control_fd);
    sources.push_back(parent.heartbeat_fd);

    const int exe = cmd.exe ? cmd.exe->get() : -1;
    pid_t arbiter = ::getpid();
    pid_t pid = ::fork();
    if (pid == -1) return sys_error("fork");
    if (pid == 0) exec_child(arbiter, cmd.command[0].c_str(), exe, argv.data(), sources, cmd.paasrun_worker);
    return pid;
}

}  // namespace paasrun::worker
