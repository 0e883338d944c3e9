#include "worker/zygote_main.hpp"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <optional>

#include "serve/server_process.hpp"
#include "serve/zygote_protocol.hpp"
#include "util/log.hpp"
#include "worker/worker_main.hpp"
#include "wsgi/fork.hpp"

namespace paasrun::worker {
namespace {

constexpr std::string_view kLog = "zygote";

extern "C" void zygote_quit(int) {
    ::_exit(kExitOk);
}

void install_zygote_signals() {
    for (int sig : {SIGPIPE, SIGHUP, SIGTTIN, SIGTTOU}) std::signal(sig, SIG_IGN);
    std::signal(SIGQUIT, zygote_quit);
}

void close_pair(int p[2]) {
    if (p[0] >= 0) ::close(p[0]);
    if (p[1] >= 0) ::close(p[1]);
}

bool read_all(int fd, void* buf, std::size_t len) {
    auto* p = static_cast<char*>(buf);
    while (len > 0) {
        ssize_t n = ::read(fd, p, len);
        if (n == -1 && errno == EINTR) continue;
        if (n <= 0) return false;
        p += n;
        len -= static_cast<std::size_t>(n);
    }
    return true;
}

// The double fork (see the header). Returns the worker's pid in the zygote and 0 in the
// worker; an error in the zygote when no worker exists. GIL held.
Result<pid_t> fork_worker_process(pid_t arbiter) {
    int gate[2] = {-1, -1}, report[2] = {-1, -1};
    if (::pipe2(gate, O_CLOEXEC) == -1) return sys_error("pipe2");
    if (::pipe2(report, O_CLOEXEC) == -1) {
        auto e = sys_error("pipe2");
        close_pair(gate);
        return e;
    }
    std::fflush(nullptr);  // nothing buffered is written twice
    wsgi::before_fork();
    pid_t mid = ::fork();
    if (mid == 0) {
        // The intermediate: no Python, no allocation; fork once more and leave.
        pid_t w = ::_Fork();
        if (w == 0) {
            ::close(gate[1]);
            ::close(report[1]);
            ::close(report[0]);
            char c;
            while (::read(gate[0], &c, 1) == -1 && errno == EINTR) {
            }  // EOF: the zygote reaped the intermediate, the arbiter is our parent now
            ::close(gate[0]);
            if (::prctl(PR_SET_PDEATHSIG, SIGKILL) == -1 || ::getppid() != arbiter)
                ::_exit(kExitBootError);
            wsgi::after_fork_child();
            return pid_t{0};
        }
        int v = w > 0 ? w : -errno;
        [[maybe_unused]] auto n = ::write(report[1], &v, sizeof v);
        ::_exit(0);
    }
    int fork_errno = errno;
    wsgi::after_fork_parent();
    ::close(report[1]);
    report[1] = -1;
    if (mid == -1) {
        close_pair(gate);
        close_pair(report);
        errno = fork_errno;
        return sys_error("fork");
    }
    int v = 0;
    bool got = read_all(report[0], &v, sizeof v);
    int status = 0;
    while (::waitpid(mid, &status, 0) == -1 && errno == EINTR) {
    }
    close_pair(gate);  // lets the worker go on (it waits for this EOF)
    close_pair(report);
    if (!got) return Error("the intermediate process exited without a worker pid");
    if (v <= 0) {
        errno = -v;
        return sys_error("fork of the worker");
    }
    return pid_t{v};
}

}  // namespace

int run_zygote(const WorkerContext& ctx) {
    const auto& o = ctx.options;
    install_zygote_signals();
    log::set_level(log_level_from_name(o.log_level));
    set_process_name(o.proc_name);
    const pid_t arbiter = ::getppid();

    int code = kExitOk;
    auto loaded = load_app(o, true, code);
    if (!loaded) return code;
    log::info(kLog, "app imported pid={} app={} interface={}", ::getpid(), log::quote(o.app),
              loaded->asgi ? "asgi" : "wsgi");
    if (auto st = send_zygote_message(ctx.control_fd, zygote_ready_message()); !st) return kExitOk;

    while (true) {
        std::optional<Result<ZygoteRecord>> rec;
        {
            wsgi::GilRelease no_gil;  // threads the app's import started may run meanwhile
            rec.emplace(receive_zygote_message(ctx.control_fd));
        }
        if (!*rec) {
            log::error(kLog, "socket error error={}", log::quote(rec->error().describe()));
            return kExitBootError;
        }
        ZygoteRecord& r = **rec;
        if (r.eof) return kExitOk;  // the arbiter is stopping (or replaced us)
        auto m = parse_zygote_message(r.text);
        if (m.kind != ZygoteMessage::Kind::fork || r.fds.size() != 2) {
            (void)send_zygote_message(ctx.control_fd,
                                      zygote_fork_failed_message("bad request: " + r.text));
            continue;
        }
        auto pid = fork_worker_process(arbiter);
        if (pid && *pid == 0) {
            // The worker: the zygote's own socket and heartbeat are not its business.
            ::close(ctx.control_fd);
            if (ctx.heartbeat_fd >= 0) ::close(ctx.heartbeat_fd);
            WorkerContext w;
            w.options = o;
            w.index = m.index;
            w.serial = m.serial;
            w.listen_fds = ctx.listen_fds;
            w.control_fd = r.fds[0].release();
            w.heartbeat_fd = r.fds[1].release();
            return run_preloaded_worker(w, *loaded);
        }
        auto reply =
            pid ? zygote_forked_message(*pid) : zygote_fork_failed_message(pid.error().describe());
        if (auto st = send_zygote_message(ctx.control_fd, reply); !st) return kExitOk;
    }
}

}  // namespace paasrun::worker
