#include "release/child_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "process/exit_status.hpp"
#include "process/line_splitter.hpp"
#include "util/unique_fd.hpp"

extern char** environ;

namespace paasrun::release {

namespace {

using Clock = std::chrono::steady_clock;

struct Pipe {
    unique_fd read, write;
};

Result<Pipe> make_pipe() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) == -1) return sys_error("pipe2");
    return Pipe{unique_fd(fds[0]), unique_fd(fds[1])};
}

void kill_group(pid_t pid, int sig) {
    if (::kill(-pid, sig) == -1 && errno == ESRCH) ::kill(pid, sig);
}

[[noreturn]] void child_exec(const ChildSpec& spec, char* const* argv, char* const* envp, int out_fd, int err_fd,
                             int status_fd) {
    // Only async-signal-safe calls from here to execve.
    ::setpgid(0, 0);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::signal(SIGPIPE, SIG_DFL);
    int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, 0);
    ::dup2(out_fd, 1);
    ::dup2(err_fd, 2);
    if (!spec.cwd.empty() && ::chdir(spec.cwd.c_str()) == -1) {
        int e = errno;
        [[maybe_unused]] auto n = ::write(status_fd, &e, sizeof e);
        ::_exit(127);
    }
    ::execve(argv[0], argv, envp);
    int e = errno;
    [[maybe_unused]] auto n = ::write(status_fd, &e, sizeof e);
    ::_exit(e == ENOENT ? 127 : 126);
}

}  // namespace

std::string ChildResult::describe() const {
    if (timed_out) return fmt::format("timed out after {:.0f}s and was killed", seconds);
    if (term_signal) return fmt::format("was killed (signal={})", process::signal_name(term_signal));
    return fmt::format("failed (exit={})", exit_code);
}

Result<ChildResult> run_child(const ChildSpec& spec) {
    if (spec.argv.empty()) return Error("run_child: empty argv");
    std::vector<char*> argv, envp;
    for (const auto& a : spec.argv) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    for (const auto& e : spec.env) envp.push_back(const_cast<char*>(e.c_str()));
    envp.push_back(nullptr);

    auto out = make_pipe();
    if (!out) return std::move(out).error();
    Result<Pipe> err = spec.capture_stdout ? make_pipe() : Result<Pipe>(Pipe{});
    if (!err) return std::move(err).error();
    auto status = make_pipe();
    if (!status) return std::move(status).error();

    int child_out = out->write.get();
    int child_err = spec.capture_stdout ? err->write.get() : out->write.get();
    auto started = Clock::now();
    pid_t pid = ::fork();
    if (pid == -1) return sys_error("fork for {}", spec.argv[0]);
    if (pid == 0) child_exec(spec, argv.data(), envp.data(), child_out, child_err, status->write.get());

    ::setpgid(pid, pid);  // also from the parent: no race with kill_group below
    out->write.reset();
    err->write.reset();
    status->write.reset();

    int exec_errno = 0;
    ssize_t got = 0;
    do {
        got = ::read(status->read.get(), &exec_errno, sizeof exec_errno);
    } while (got == -1 && errno == EINTR);
    if (got == static_cast<ssize_t>(sizeof exec_errno)) {
        int st = 0;
        ::waitpid(pid, &st, 0);
        errno = exec_errno;
        if (!spec.cwd.empty() && ::access(spec.cwd.c_str(), X_OK) == -1)
            return sys_error("cannot enter directory {}", spec.cwd);
        return sys_error("cannot execute {}", spec.argv[0]);
    }

    ChildResult result;
    process::LineSplitter lines;
    auto emit = [&spec](std::string_view line) {
        if (spec.on_line) spec.on_line(line);
    };
    std::vector<pollfd> fds;
    fds.push_back({out->read.get(), POLLIN, 0});
    if (spec.capture_stdout) fds.push_back({err->read.get(), POLLIN, 0});
    auto deadline = started + spec.timeout;
    int open_streams = static_cast<int>(fds.size());
    char buf[16384];
    while (open_streams > 0) {
        int wait_ms = -1;
        if (spec.timeout.count() > 0) {
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
            if (left <= 0) {
                result.timed_out = true;
                break;
            }
            wait_ms = static_cast<int>(std::min<long long>(left, 1000));
        }
        int n = ::poll(fds.data(), fds.size(), wait_ms);
        if (n == -1) {
            if (errno == EINTR) continue;
            kill_group(pid, SIGKILL);
            ::waitpid(pid, nullptr, 0);
            return sys_error("poll");
        }
        for (std::size_t i = 0; i < fds.size(); ++i) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            ssize_t r = ::read(fds[i].fd, buf, sizeof buf);
            if (r == -1 && errno == EINTR) continue;
            if (r <= 0) {
                fds[i].fd = -1;
                --open_streams;
                continue;
            }
            bool is_stdout_capture = spec.capture_stdout && i == 0;
            if (is_stdout_capture) result.out.append(buf, static_cast<std::size_t>(r));
            else lines.feed(std::string_view(buf, static_cast<std::size_t>(r)), emit);
        }
    }
    lines.finish(emit);
    if (result.timed_out) {
        // SIGTERM first so a well-behaved child can clean up; SIGKILL after a short grace.
        kill_group(pid, SIGTERM);
        for (int i = 0; i < 20; ++i) {
            if (::waitpid(pid, nullptr, WNOHANG) == pid) {
                kill_group(pid, SIGKILL);
                result.seconds = std::chrono::duration<double>(Clock::now() - started).count();
                result.exit_code = -1;
                result.term_signal = SIGTERM;
                return result;
            }
            ::usleep(50 * 1000);
        }
        kill_group(pid, SIGKILL);
    }
    int st = 0;
    while (::waitpid(pid, &st, 0) == -1) {
        if (errno != EINTR) return sys_error("waitpid {}", pid);
    }
    // Grandchildren that outlived the child (daemonised by mistake) must not outlive the run.
    if (result.timed_out) kill_group(pid, SIGKILL);
    result.seconds = std::chrono::duration<double>(Clock::now() - started).count();
    if (WIFEXITED(st)) result.exit_code = WEXITSTATUS(st);
    if (WIFSIGNALED(st)) result.term_signal = WTERMSIG(st);
    return result;
}

std::vector<std::string> environ_entries() {
    std::vector<std::string> out;
    for (char** e = environ; e && *e; ++e) out.emplace_back(*e);
    return out;
}

void set_env(std::vector<std::string>& env, std::string_view key, std::string_view value) {
    std::string entry = fmt::format("{}={}", key, value);
    for (auto& e : env) {
        if (e.size() > key.size() && e.compare(0, key.size(), key) == 0 && e[key.size()] == '=') {
            e = std::move(entry);
            return;
        }
    }
    env.push_back(std::move(entry));
}

}  // namespace paasrun::release
