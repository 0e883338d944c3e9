#include "supervisor/supervisor.hpp"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>

#include "supervisor/child_env.hpp"
#include "supervisor/exit_status.hpp"
#include "supervisor/prefix.hpp"
#include "supervisor/signals.hpp"
#include "supervisor/spawn.hpp"

namespace paasrun::supervisor {
namespace {

using Seconds = std::chrono::duration<double>;

// A read of at most this much per readiness event keeps one chatty process from starving
// the others (epoll is level-triggered, so the rest is read on the next round).
constexpr std::size_t kReadRound = 256 * 1024;
// On exit a process's pipe is drained up to this much before its exit is logged, so its
// last lines come before the "process exited" line.
constexpr std::size_t kDrainOnExit = 4 * 1024 * 1024;
// After SIGKILL, processes normally vanish at once; one stuck in uninterruptible sleep
// must not keep a container from stopping forever.
constexpr auto kAfterKill = std::chrono::seconds(5);
constexpr auto kLingerPoll = std::chrono::milliseconds(50);
constexpr int kCrashLoopWarning = 3;

std::size_t name_width(const std::vector<ProcessSpec>& formation) {
    std::size_t w = std::string_view("system").size();
    for (const auto& p : formation) w = std::max(w, p.name.size());
    return w;
}

bool group_alive(pid_t pgid) {
    return ::kill(-pgid, 0) == 0 || errno == EPERM;
}

}  // namespace

Result<std::unique_ptr<Supervisor>> Supervisor::create(SupervisorOptions options) {
    sigset_t old_mask;
    ::pthread_sigmask(SIG_SETMASK, nullptr, &old_mask);
    auto sfd = open_signalfd(kSupervisorSignals);
    if (!sfd) return sfd.error();
    auto loop = EventLoop::create();
    if (!loop) return loop.error();
    unique_fd devnull{::open("/dev/null", O_RDONLY | O_CLOEXEC)};
    if (!devnull) return sys_error("open /dev/null");
    // PID 1 of a namespace gets orphans by definition; anywhere else ask for them, so
    // grandchildren whose parent died are reaped here instead of by the host's init.
    if (::getpid() != 1 && ::prctl(PR_SET_CHILD_SUBREAPER, 1) == -1)
        return sys_error("prctl(PR_SET_CHILD_SUBREAPER)");
    std::unique_ptr<Supervisor> sup(new Supervisor(std::move(options), std::move(*loop),
                                                   std::move(*sfd), std::move(devnull), old_mask));
    int fd = sup->signals_.get();
    Supervisor* self = sup.get();
    if (auto st = sup->loop_->watch(fd, EPOLLIN, [self](std::uint32_t) { self->on_signals(); });
        !st)
        return st.error();
    return sup;
}

Supervisor::Supervisor(SupervisorOptions options, std::unique_ptr<EventLoop> loop,
                       unique_fd signals, unique_fd devnull, sigset_t old_mask)
    : options_(std::move(options)),
      loop_(std::move(loop)),
      signals_(std::move(signals)),
      devnull_(std::move(devnull)),
      old_mask_(old_mask),
      output_(options_.output_fd, name_width(options_.formation), options_.color) {
    Seconds initial{options_.restart.initial_delay}, max{options_.restart.max_delay},
        reset{options_.restart.reset_after};
    for (std::size_t i = 0; i < options_.formation.size(); ++i)
        slots_.push_back(Slot{options_.formation[i],
                              color_for(i),
                              State::down,
                              0,
                              {},
                              Backoff(initial, max, reset),
                              0,
                              {},
                              -1,
                              0});
}

Supervisor::~Supervisor() {
    // Give the thread its signals back (matters for tests that create several supervisors).
    ::pthread_sigmask(SIG_SETMASK, &old_mask_, nullptr);
}

int Supervisor::run() {
    output_.info("starting processes={} grace_period={}s mode={}", slots_.size(),
                 options_.grace_period.count(), options_.stop_on_exit ? "stop-on-exit" : "restart");
    start_all();
    if (auto st = loop_->run(); !st) {
        output_.error("event loop failed error={}", log::quote(st.error().describe()));
        return kExitConfigError;
    }
    return exit_code_;
}

void Supervisor::request_stop() {
    loop_->post([this] { begin_stop(StopCause::signal, 0, "stop requested"); });
}

// ---------------------------------------------------------------------------------------
// Starting processes

void Supervisor::start_all() {
    for (auto& slot : slots_) {
        if (stop_cause_ != StopCause::none) return;
        start(slot);
    }
    if (slots_.empty()) begin_stop(StopCause::nothing_left, 0, "no processes to run");
}

void Supervisor::start(Slot& slot) {
    slot.restart_timer = 0;
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) == -1) {
        auto err = sys_error("pipe2");
        output_.error("cannot start process proc={} error={}", slot.spec.name,
                      log::quote(err.describe()));
        return on_exit(slot, W_EXITCODE(kExitNotExecutable, 0));
    }
    unique_fd read_end{fds[0]}, write_end{fds[1]};
    ::fcntl(read_end.get(), F_SETFL, O_NONBLOCK);  // the child's end stays blocking

    config::EnvMap env = options_.env;
    env["PORT"] = std::to_string(slot.spec.port);
    env["DYNO"] = slot.spec.name;
    env["PS"] = slot.spec.name;
    SpawnRequest req{shell_command_argv(slot.spec.command),
                     to_envp(env),
                     options_.app_dir,
                     devnull_.get(),
                     write_end.get(),
                     write_end.get(),
                     true};
    auto pid = spawn(req);
    write_end.reset();
    if (!pid) {
        output_.error("cannot start process proc={} error={}", slot.spec.name,
                      log::quote(pid.error().describe()));
        return on_exit(slot, W_EXITCODE(exec_failure_code(pid.error().sys_errno), 0));
    }
    slot.pid = *pid;
    slot.state = State::up;
    slot.started = Clock::now();
    output_.info("process started proc={} pid={} port={} command={}", slot.spec.name, slot.pid,
                 slot.spec.port, log::quote(slot.spec.command));
    watch_pipe(std::move(read_end), slot);
}

// ---------------------------------------------------------------------------------------
// Signals and reaping

void Supervisor::on_signals() {
    bool child_exited = false;
    for (const auto& info : read_signals(signals_.get())) {
        int sig = static_cast<int>(info.ssi_signo);
        switch (sig) {
            case SIGCHLD:
                child_exited = true;
                break;
            case SIGTERM:
            case SIGINT:
                if (stop_cause_ == StopCause::none) {
                    begin_stop(StopCause::signal, 0, signal_name(sig));
                } else if (sig == SIGINT && !forced_) {
                    // A second Ctrl-C means "now" (foreman, honcho and compose agree). A
                    // repeated SIGTERM does not: tools like timeout(1) send it twice.
                    output_.warn("second interrupt: killing now signal={}", signal_name(sig));
                    force_kill();
                } else {
                    output_.info("already stopping signal={}", signal_name(sig));
                }
                break;
            default:
                forward(sig);
                break;
        }
    }
    if (child_exited) reap();
}

void Supervisor::forward(int sig) {
    output_.info("forwarding signal signal={}", signal_name(sig));
    for (const auto& slot : slots_)
        if (slot.state == State::up) signal_group(slot.pid, sig, slot.spec.name);
}

void Supervisor::reap() {
    while (true) {
        int status = 0;
        pid_t pid = ::waitpid(-1, &status, WNOHANG);
        if (pid == 0) break;
        if (pid == -1) {
            if (errno == EINTR) continue;
            break;  // ECHILD: nothing left to reap
        }
        auto it = std::find_if(slots_.begin(), slots_.end(), [pid](const Slot& s) {
            return s.state == State::up && s.pid == pid;
        });
        if (it == slots_.end()) {
            output_.debug("reaped orphan pid={} {}", pid, describe_status(status));
            continue;
        }
        on_exit(*it, status);
    }
    if (stop_cause_ != StopCause::none) check_stopped();
}

void Supervisor::on_exit(Slot& slot, int status) {
    auto uptime = slot.state == State::up ? Seconds(Clock::now() - slot.started) : Seconds(0);
    if (slot.pipe_fd >= 0) {
        if (auto it = pipes_.find(slot.pipe_fd); it != pipes_.end()) {
            bool open = read_pipe(it->second, kDrainOnExit);
            it->second.out.finish();
            if (!open) close_pipe(slot.pipe_fd);
        }
        slot.pipe_fd = -1;  // a grandchild may still hold it; it is relayed until EOF
    }
    pid_t pid = slot.pid;
    slot.state = State::down;
    slot.last_exit = describe_status(status);
    int code = exit_code_of(status);
    last_exit_code_ = code;
    output_.info("process exited proc={} pid={} {} uptime={:.3f}s", slot.spec.name, pid,
                 slot.last_exit, uptime.count());
    if (pid > 0) {
        slot.pid = 0;
        if (group_alive(pid)) {
            lingering_.insert(pid);
            if (stop_cause_ == StopCause::none) signal_group(pid, SIGTERM, slot.spec.name);
        }
    }
    if (stop_cause_ != StopCause::none) return check_stopped();
    if (options_.stop_on_exit)
        return begin_stop(StopCause::process_exit, code, slot.spec.name + " exited");
    schedule_restart(slot, status, uptime);
}

void Supervisor::schedule_restart(Slot& slot, int status, Seconds uptime) {
    const auto& policy = options_.restart.policy;
    bool failed = !(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    bool again = policy == "always" || (policy == "on-failure" && failed);
    if (!again) {
        output_.info("not restarting proc={} policy={}", slot.spec.name, policy);
        bool any = std::any_of(slots_.begin(), slots_.end(),
                               [](const Slot& s) { return s.state != State::down; });
        if (!any)
            begin_stop(StopCause::nothing_left, exit_code_of(status), "no process left to run");
        return;
    }
    auto delay = slot.backoff.on_exit(uptime);
    int crashes = slot.backoff.consecutive();
    slot.state = State::crashed;
    if (crashes >= kCrashLoopWarning)
        output_.warn("crash loop proc={} crashes={} restarts={} restart_in={:.3f}s", slot.spec.name,
                     crashes, slot.restarts, delay.count());
    else
        output_.info("restarting proc={} crashes={} restarts={} restart_in={:.3f}s", slot.spec.name,
                     crashes, slot.restarts, delay.count());
    Slot* s = &slot;
    slot.restart_timer =
        loop_->after(std::chrono::duration_cast<Clock::duration>(delay), [this, s] {
            ++s->restarts;
            start(*s);
        });
}

// ---------------------------------------------------------------------------------------
// Stopping

void Supervisor::begin_stop(StopCause cause, int code, std::string_view why) {
    if (stop_cause_ != StopCause::none) return;
    stop_cause_ = cause;
    exit_code_ = code;
    output_.info("stopping all processes reason={} grace_period={}s", log::quote(why),
                 options_.grace_period.count());
    for (auto& slot : slots_) {
        if (slot.restart_timer != 0) {
            loop_->cancel(slot.restart_timer);
            slot.restart_timer = 0;
            slot.state = State::down;
        }
        if (slot.state == State::up) signal_group(slot.pid, SIGTERM, slot.spec.name);
    }
    for (pid_t g : lingering_) signal_group(g, SIGTERM, "lingering");
    kill_timer_ =
        loop_->after(std::chrono::duration_cast<Clock::duration>(options_.grace_period), [this] {
            kill_timer_ = 0;
            output_.warn("grace period over grace_period={}s", options_.grace_period.count());
            force_kill();
        });
    check_stopped();
}

void Supervisor::force_kill() {
    forced_ = true;
    if (kill_timer_ != 0) loop_->cancel(kill_timer_);
    kill_timer_ = 0;
    for (const auto& slot : slots_)
        if (slot.state == State::up) signal_group(slot.pid, SIGKILL, slot.spec.name);
    for (pid_t g : lingering_) signal_group(g, SIGKILL, "lingering");
    last_resort_timer_ = loop_->after(kAfterKill, [this] {
        last_resort_timer_ = 0;
        output_.error("processes survived SIGKILL; exiting anyway");
        finish();
    });
}

void Supervisor::check_stopped() {
    if (finished_) return;
    if (std::any_of(slots_.begin(), slots_.end(),
                    [](const Slot& s) { return s.state == State::up; }))
        return;
    for (auto it = lingering_.begin(); it != lingering_.end();)
        it = group_alive(*it) ? std::next(it) : lingering_.erase(it);
    if (lingering_.empty()) return finish();
    // Members of an exited leader's group are not necessarily our children, so their end
    // is not always announced by SIGCHLD: poll until they are gone or the deadline kills them.
    if (linger_poll_ == 0)
        linger_poll_ = loop_->after(kLingerPoll, [this] {
            linger_poll_ = 0;
            reap();
        });
}

void Supervisor::finish() {
    if (finished_) return;
    finished_ = true;
    for (auto id : {kill_timer_, last_resort_timer_, linger_poll_})
        if (id != 0) loop_->cancel(id);
    std::vector<int> open;
    for (auto& [fd, pipe] : pipes_) open.push_back(fd);
    for (int fd : open) {
        auto& pipe = pipes_.at(fd);
        read_pipe(pipe, kDrainOnExit);
        close_pipe(fd);
    }
    if (stop_cause_ == StopCause::signal) exit_code_ = forced_ ? kExitForcedStop : 0;
    output_.info("stopped exit_code={} forced={}", exit_code_, forced_ ? "true" : "false");
    loop_->stop();
}

void Supervisor::signal_group(pid_t pgid, int sig, std::string_view proc) {
    if (pgid <= 0) return;  // never kill(0) or kill(-1)
    if (::kill(-pgid, sig) == -1 && errno != ESRCH) {
        auto err = sys_error("kill(-{}, {})", pgid, signal_name(sig));
        output_.warn("cannot signal process group proc={} error={}", proc,
                     log::quote(err.describe()));
        return;
    }
    output_.debug("signalled process group proc={} pgid={} signal={}", proc, pgid,
                  signal_name(sig));
}

// ---------------------------------------------------------------------------------------
// Output pipes

void Supervisor::watch_pipe(unique_fd fd, const Slot& slot) {
    int raw = fd.get();
    pipes_.emplace(raw, Pipe{std::move(fd), ChildOutput(output_, slot.spec.name, slot.color)});
    if (auto st = loop_->watch(raw, EPOLLIN, [this, raw](std::uint32_t) { on_pipe(raw); }); !st) {
        output_.error("cannot watch output proc={} error={}", slot.spec.name,
                      log::quote(st.error().describe()));
        pipes_.erase(raw);
        return;
    }
    for (auto& s : slots_)
        if (&s == &slot) s.pipe_fd = raw;
}

void Supervisor::on_pipe(int fd) {
    auto it = pipes_.find(fd);
    if (it == pipes_.end()) return;
    if (!read_pipe(it->second, kReadRound)) close_pipe(fd);
}

bool Supervisor::read_pipe(Pipe& pipe, std::size_t max_bytes) {
    char buf[64 * 1024];
    std::size_t total = 0;
    while (total < max_bytes) {
        ssize_t n = ::read(pipe.fd.get(), buf, sizeof buf);
        if (n > 0) {
            pipe.out.relay(std::string_view(buf, static_cast<std::size_t>(n)));
            total += static_cast<std::size_t>(n);
            continue;
        }
        if (n == -1 && errno == EINTR) continue;
        if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
        return false;  // EOF (every writer closed it) or a read error
    }
    return true;
}

void Supervisor::close_pipe(int fd) {
    auto it = pipes_.find(fd);
    if (it == pipes_.end()) return;
    it->second.out.finish();
    loop_->unwatch(fd);
    for (auto& s : slots_)
        if (s.pipe_fd == fd) s.pipe_fd = -1;
    pipes_.erase(it);
}

// ---------------------------------------------------------------------------------------

std::vector<ProcessStatus> Supervisor::snapshot() const {
    std::vector<ProcessStatus> out;
    auto now = Clock::now();
    for (const auto& s : slots_) {
        ProcessStatus st;
        st.name = s.spec.name;
        st.type = s.spec.type;
        st.index = s.spec.index;
        st.port = s.spec.port;
        st.pid = s.state == State::up ? s.pid : 0;
        st.restarts = s.restarts;
        st.last_exit = s.last_exit;
        switch (s.state) {
            case State::up:
                st.state = stop_cause_ == StopCause::none ? "up" : "stopping";
                st.uptime = Seconds(now - s.started).count();
                break;
            case State::crashed:
                st.state = "crashed";
                break;
            case State::down:
                st.state = "down";
                break;
        }
        out.push_back(std::move(st));
    }
    return out;
}

}  // namespace paasrun::supervisor
