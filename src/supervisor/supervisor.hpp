// Supervisor: runs a formation (web.1, web.2, worker.1, ...) and is a correct PID 1.
//
// One loop thread (event_loop.hpp) owns all state. It reacts to:
// - signals, read from a signalfd (signals.hpp):
//     SIGCHLD            reap every exited child, ours or orphans re-parented to us
//     SIGTERM, SIGINT    graceful stop: SIGTERM to every process group, SIGKILL to the
//                        groups still alive when the grace period ends; a second
//                        SIGINT during a stop sends SIGKILL at once (a repeated SIGTERM
//                        does not)
//     SIGHUP, SIGUSR1, SIGUSR2   forwarded to every running process group
// - child output pipes (one per process, relayed line by line through output.hpp);
// - timers (restart backoff, the grace-period deadline);
// - commands posted from other threads (submit(), for the admin API).
//
// Each child is `/bin/sh -c CMD` in its own process group (setpgid), so a signal reaches the
// real program and everything it started, and a Ctrl-C on the terminal reaches only the
// supervisor, which then stops the children in order. When not PID 1 the supervisor makes
// itself a child subreaper (PR_SET_CHILD_SUBREAPER) so orphans are re-parented to it and
// reaped, as they would be by PID 1.
//
// What happens when a process exits depends on the mode:
//   stop_on_exit (paasrun up):   stop the others, exit with the process's code
//   restart (start, up --restart): restart per policy with exponential backoff (backoff.hpp)
// Exit codes are listed in docs/supervisor.md and on run().
#pragma once

#include <sys/types.h>

#include <chrono>
#include <future>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "config/manifest.hpp"
#include "config/settings.hpp"
#include "supervisor/backoff.hpp"
#include "supervisor/event_loop.hpp"
#include "supervisor/formation.hpp"
#include "supervisor/output.hpp"
#include "util/result.hpp"
#include "util/unique_fd.hpp"

namespace paasrun::supervisor {

/// Exit code of a stop in which some process group had to be SIGKILLed (128 + SIGKILL).
inline constexpr int kExitForcedStop = 137;
/// Exit code for configuration and start-up errors.
inline constexpr int kExitConfigError = 1;

struct SupervisorOptions {
    std::string app_dir;                 // cwd of every child
    std::vector<ProcessSpec> formation;  // what to run
    config::EnvMap env;                  // child environment before PORT/DYNO/PS
    std::chrono::duration<double> grace_period{30};
    bool stop_on_exit = true;       // `up`: any exit stops everything
    config::RestartPolicy restart;  // used when !stop_on_exit
    bool color = false;
    int output_fd = 1;
};

/// One process as the admin API will report it.
struct ProcessStatus {
    std::string name;  // web.1
    std::string type;  // web
    int index = 0;
    int port = 0;
    pid_t pid = 0;      // 0 when not running
    std::string state;  // up | crashed (waiting to restart) | down | stopping
    int restarts = 0;
    double uptime = 0;      // s since the current start; 0 when not running
    std::string last_exit;  // "exit=1", "signal=SIGKILL", "" before any exit
};

class Supervisor {
public:
    /// Blocks the supervisor's signals in the calling thread: call before any thread exists
    /// (threads started later inherit the mask, so only the loop reads the signals).
    [[nodiscard]] static Result<std::unique_ptr<Supervisor>> create(SupervisorOptions options);
    ~Supervisor();
    Supervisor(const Supervisor&) = delete;
    Supervisor& operator=(const Supervisor&) = delete;

    /// Starts the formation and runs the loop on the calling thread until everything has
    /// stopped. Returns the exit code:
    ///   0    stopped by SIGTERM/SIGINT (or request_stop) and every process ended in time
    ///   137  same, but some process group had to be SIGKILLed after the grace period
    ///   N    stop_on_exit: the code of the process that exited first (128+S if signal S)
    ///   N    restart mode when nothing is left to run (policy never/on-failure): the code
    ///        of the last process that exited
    ///   1    the loop itself failed (epoll)
    [[nodiscard]] int run();

    /// Thread-safe: runs fn(*this) on the loop thread and returns its result through a future.
    /// If the supervisor finishes first, the future reports std::future_error(broken_promise).
    template <typename F>
    auto submit(F&& fn) -> std::future<std::invoke_result_t<F&, Supervisor&>> {
        using R = std::invoke_result_t<F&, Supervisor&>;
        auto task = std::make_shared<std::packaged_task<R(Supervisor&)>>(std::forward<F>(fn));
        auto fut = task->get_future();
        loop_->post([this, task] { (*task)(*this); });
        return fut;
    }

    /// Thread-safe: a graceful stop, as if SIGTERM had arrived.
    void request_stop();

    // Loop-thread only (call them through submit() from elsewhere).
    [[nodiscard]] std::vector<ProcessStatus> snapshot() const;
    [[nodiscard]] EventLoop& loop() { return *loop_; }
    [[nodiscard]] const Output& output() const { return output_; }

private:
    using Clock = EventLoop::Clock;
    enum class State { up, crashed, down };
    struct Slot {
        ProcessSpec spec;
        std::string_view color;
        State state = State::down;
        pid_t pid = 0;
        Clock::time_point started{};
        Backoff backoff;
        int restarts = 0;
        std::string last_exit;
        int pipe_fd = -1;
        EventLoop::TimerId restart_timer = 0;
    };
    struct Pipe {
        unique_fd fd;
        ChildOutput out;
    };
    enum class StopCause { none, signal, process_exit, nothing_left };

    Supervisor(SupervisorOptions options, std::unique_ptr<EventLoop> loop, unique_fd signals,
               unique_fd devnull, sigset_t old_mask);

    void start_all();
    void start(Slot& slot);
    void on_signals();
    void forward(int sig);
    void reap();
    void on_exit(Slot& slot, int status);
    void schedule_restart(Slot& slot, int status, std::chrono::duration<double> uptime);
    void begin_stop(StopCause cause, int code, std::string_view why);
    void force_kill();
    void check_stopped();
    void finish();
    void signal_group(pid_t pgid, int sig, std::string_view proc);
    void note_lingering_group(const Slot& slot);

    void watch_pipe(unique_fd fd, const Slot& slot);
    void on_pipe(int fd);
    bool read_pipe(Pipe& pipe, std::size_t max_bytes);  // false at EOF/error
    void close_pipe(int fd);

    SupervisorOptions options_;
    std::unique_ptr<EventLoop> loop_;
    unique_fd signals_;
    unique_fd devnull_;
    sigset_t old_mask_;
    Output output_;
    std::vector<Slot> slots_;
    std::unordered_map<int, Pipe> pipes_;
    std::set<pid_t> lingering_;  // process groups whose leader exited but members remain

    StopCause stop_cause_ = StopCause::none;
    int exit_code_ = 0;
    bool forced_ = false;
    bool finished_ = false;
    EventLoop::TimerId kill_timer_ = 0;
    EventLoop::TimerId last_resort_timer_ = 0;
    EventLoop::TimerId linger_poll_ = 0;
    int last_exit_code_ = 0;
};

}  // namespace paasrun::supervisor
