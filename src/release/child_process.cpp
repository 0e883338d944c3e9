#include "release/child_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "process/exit_status.hpp"
#include "process/line_splitter.hpp"
#include "process/spawn.hpp"
#include "util/unique_fd.hpp"

extern char** environ;  // environ_entries()

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

}  // namespace

std::string ChildResult::describe() const {
    if (timed_out) return fmt::format("timed out after {:.0f}s and was killed", seconds);
    if (term_signal)
        return fmt::format("was killed (signal={})", process::signal_name(term_signal));
    return fmt::format("failed (exit={})", exit_code);
}

Result<ChildResult> run_child(const ChildSpec& spec) {
    if (spec.argv.empty()) return Error("run_child: empty argv");
    auto out = make_pipe();
    if (!out) return std::move(out).error();
    Result<Pipe> err = spec.capture_stdout ? make_pipe() : Result<Pipe>(Pipe{});
    if (!err) return std::move(err).error();
    unique_fd devnull(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    if (!devnull) return sys_error("open /dev/null");

    // Its own process group (a timeout reaches pip's children too), killed with paasrun.
    process::SpawnSpec child;
    child.argv = spec.argv;
    child.env = spec.env;
    child.cwd = spec.cwd;
    int child_err = spec.capture_stdout ? err->write.get() : out->write.get();
    child.fds = {{devnull.get(), 0}, {out->write.get(), 1}, {child_err, 2}};
    child.new_process_group = true;
    child.pdeathsig = SIGKILL;
    auto started = Clock::now();
    auto spawned = process::spawn(child);
    if (!spawned) return std::move(spawned).error();
    const pid_t pid = *spawned;
    out->write.reset();
    err->write.reset();

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
            auto left =
                std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now())
                    .count();
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
            if (is_stdout_capture)
                result.out.append(buf, static_cast<std::size_t>(r));
            else
                lines.feed(std::string_view(buf, static_cast<std::size_t>(r)), emit);
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
