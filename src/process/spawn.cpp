#include "process/spawn.hpp"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>

#include "util/unique_fd.hpp"

extern char** environ;

namespace paasrun::process {
namespace {

// What the child reports on the error pipe before it exits (one write: atomic).
enum class Stage : int { session, pdeathsig, fds, chdir, exec };
struct Report {
    Stage stage;
    int err;
};

// Everything the child needs, built before fork: the child only makes system calls.
struct Prepared {
    const char* file = nullptr;
    int exe_fd = -1;
    char* const* argv = nullptr;
    char* const* envp = nullptr;
    const char* cwd = nullptr;
    const std::pair<int, int>* fds = nullptr;
    std::size_t nfds = 0;
    int* high = nullptr;  // scratch: nfds ints
    int floor = 3;        // first fd number above every target
    bool close_other_fds = false;
    bool new_process_group = false;
    bool new_session = false;
    int pdeathsig = 0;
    pid_t parent = 0;
    sigset_t mask{};
};

[[noreturn]] void report(int fd, Stage stage) {
    Report r{stage, errno};
    [[maybe_unused]] auto n = ::write(fd, &r, sizeof r);
    ::_exit(127);
}

// Closes every fd >= lo except `keep` (sorted, each >= lo).
bool close_above(int lo, const int* keep, int nkeep) {
    for (int i = 0; i < nkeep; ++i) {
        if (keep[i] > lo &&
            ::close_range(static_cast<unsigned>(lo), static_cast<unsigned>(keep[i] - 1), 0) == -1)
            return false;
        lo = keep[i] + 1;
    }
    return ::close_range(static_cast<unsigned>(lo), ~0U, 0) == 0;
}

// The child, from fork to exec: async-signal-safe calls only.
[[noreturn]] void child(const Prepared& p, int status_fd) {
    // The error pipe and the pinned program above every target first, so no dup2 closes them.
    if ((status_fd = ::fcntl(status_fd, F_DUPFD_CLOEXEC, p.floor)) == -1) ::_exit(127);
    int exe = p.exe_fd;
    if (exe >= 0 && (exe = ::fcntl(exe, F_DUPFD_CLOEXEC, p.floor)) == -1)
        report(status_fd, Stage::fds);

    if (p.new_session ? ::setsid() == -1 : p.new_process_group && ::setpgid(0, 0) == -1)
        report(status_fd, Stage::session);
    if (p.pdeathsig > 0) {
        if (::prctl(PR_SET_PDEATHSIG, p.pdeathsig) == -1) report(status_fd, Stage::pdeathsig);
        if (::getppid() != p.parent) ::_exit(127);  // the parent died before prctl: nobody waits
    }
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; ++sig)
        ::sigaction(sig, &dfl, nullptr);  // SIGKILL/STOP: EINVAL, fine
    ::sigprocmask(SIG_SETMASK, &p.mask, nullptr);

    for (std::size_t i = 0; i < p.nfds; ++i)
        if ((p.high[i] = ::fcntl(p.fds[i].first, F_DUPFD_CLOEXEC, p.floor)) == -1)
            report(status_fd, Stage::fds);
    for (std::size_t i = 0; i < p.nfds; ++i)
        if (::dup2(p.high[i], p.fds[i].second) == -1)
            report(status_fd, Stage::fds);  // clears CLOEXEC
    if (p.close_other_fds) {
        // stdin/stdout/stderr stay (inherited unless they are targets); from 3 up, only the
        // targets, the error pipe and the pinned program (close-on-exec: exec closes them).
        int lo = 3;
        for (int t = 3; t < p.floor; ++t) {
            bool target = false;
            for (std::size_t i = 0; i < p.nfds; ++i) target = target || p.fds[i].second == t;
            if (!target) continue;
            if (t > lo &&
                ::close_range(static_cast<unsigned>(lo), static_cast<unsigned>(t - 1), 0) == -1)
                report(status_fd, Stage::fds);
            lo = t + 1;
        }
        int keep[2] = {status_fd, exe};
        int nkeep = exe >= 0 ? 2 : 1;
        if (nkeep == 2 && keep[0] > keep[1]) std::swap(keep[0], keep[1]);
        if (!close_above(std::max(lo, p.floor), keep, nkeep)) report(status_fd, Stage::fds);
    }
    if (p.cwd && ::chdir(p.cwd) == -1) report(status_fd, Stage::chdir);
    if (exe >= 0)
        ::fexecve(exe, p.argv, p.envp);
    else
        ::execve(p.file, p.argv, p.envp);
    report(status_fd, Stage::exec);
}

std::vector<char*> c_strings(const std::vector<std::string>& v) {
    std::vector<char*> out;
    out.reserve(v.size() + 1);
    for (const auto& s : v) out.push_back(const_cast<char*>(s.c_str()));
    out.push_back(nullptr);
    return out;
}

Error child_error(const Report& r, const std::string& file, const std::string& cwd) {
    errno = r.err;
    switch (r.stage) {
        case Stage::chdir:
            return sys_error("cannot run '{}': cannot enter directory {}", file, cwd);
        case Stage::session:
            return sys_error("cannot run '{}': setsid/setpgid", file);
        case Stage::pdeathsig:
            return sys_error("cannot run '{}': prctl(PR_SET_PDEATHSIG)", file);
        case Stage::fds:
            return sys_error("cannot run '{}': laying out its file descriptors", file);
        case Stage::exec:
            break;
    }
    return sys_error("cannot run '{}'", file);
}

}  // namespace

Result<pid_t> spawn(const SpawnSpec& spec, SpawnFailure* failure) {
    auto fail = [failure](SpawnFailure why, Error e) {
        if (failure) *failure = why;
        return e;
    };
    if (spec.argv.empty()) return fail(SpawnFailure::child, Error("spawn: empty argv"));
    const std::string& file = spec.path.empty() ? spec.argv[0] : spec.path;

    auto argv = c_strings(spec.argv);
    std::vector<char*> envp;
    if (spec.env) envp = c_strings(*spec.env);
    std::vector<int> high(spec.fds.size());
    Prepared p;
    p.file = file.c_str();
    p.exe_fd = spec.exe_fd;
    p.argv = argv.data();
    p.envp = spec.env ? envp.data() : environ;
    p.cwd = spec.cwd.empty() ? nullptr : spec.cwd.c_str();
    p.fds = spec.fds.data();
    p.nfds = spec.fds.size();
    p.high = high.data();
    for (const auto& [source, target] : spec.fds) {
        if (target < 0 || source < 0)
            return fail(SpawnFailure::child, Error("spawn: a negative file descriptor"));
        p.floor = std::max(p.floor, target + 1);
    }
    p.close_other_fds = spec.close_other_fds;
    p.new_process_group = spec.new_process_group;
    p.new_session = spec.new_session;
    p.pdeathsig = spec.pdeathsig;
    p.parent = ::getpid();
    sigemptyset(&p.mask);
    for (int sig : spec.blocked_signals) sigaddset(&p.mask, sig);

    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) == -1)
        return fail(SpawnFailure::parent, sys_error("spawn {}: pipe2", file));
    unique_fd status_read(fds[0]), status_write(fds[1]);
    pid_t pid = ::fork();
    if (pid == -1) return fail(SpawnFailure::parent, sys_error("cannot run '{}': fork", file));
    if (pid == 0) child(p, status_write.get());
    status_write.reset();

    // EOF: exec succeeded (the pipe closed with it). A report: the child failed and exits.
    Report r{};
    ssize_t got = 0;
    do {
        got = ::read(status_read.get(), &r, sizeof r);
    } while (got == -1 && errno == EINTR);
    if (got == 0) return pid;
    int read_errno = got == -1 ? errno : EIO;
    int status = 0;
    while (::waitpid(pid, &status, 0) == -1 && errno == EINTR) {
    }
    if (got != static_cast<ssize_t>(sizeof r)) {
        errno = read_errno;
        return fail(SpawnFailure::child,
                    sys_error("cannot run '{}': no word from the child", file));
    }
    return fail(SpawnFailure::child, child_error(r, file, spec.cwd));
}

}  // namespace paasrun::process
