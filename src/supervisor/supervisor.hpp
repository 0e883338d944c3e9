// Supervisor: runs a formation (web.1, web.2, worker.1, ...) and is a correct PID 1.
//
// One loop thread (event_loop.hpp) owns all state. It reacts to:
// - signals, read from a signalfd (process/signal_queue.hpp):
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
//
// Generations (zero-downtime deploys, docs/deploys.md): every process belongs to a
// generation, a group started together from one RunSpec (a release's slug, environment and
// process types). The deploy engine starts a new generation beside the current one, waits
// for it (readiness on PAASRUN_NOTIFY_FD, health checks), then commits it, which retires the
// old generation's processes (SIGTERM: they drain and are never restarted), or aborts it.
// Web processes of every generation accept on one listening socket the supervisor owns.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <future>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "config/manifest.hpp"
#include "config/settings.hpp"
#include "process/backoff.hpp"
#include "process/line_splitter.hpp"
#include "process/signal_queue.hpp"
#include "supervisor/event_loop.hpp"
#include "supervisor/formation.hpp"
#include "supervisor/output.hpp"
#include "supervisor/process_event.hpp"
#include "supervisor/process_state.hpp"
#include "util/result.hpp"
#include "util/unique_fd.hpp"

namespace paasrun::supervisor {

/// Exit code of a stop in which some process group had to be SIGKILLed (128 + SIGKILL).
inline constexpr int kExitForcedStop = 137;
/// Exit code for configuration and start-up errors.
inline constexpr int kExitConfigError = 1;

/// What a group of processes runs: a release's slug with its environment, or the app
/// directory as-is (release 0). Shared (immutable) by every process of a generation.
struct RunSpec {
    int release = 0;
    std::string app_dir;  // cwd
    /// Where the build's `.profile.d/*.sh` are sourced from and the release's own
    /// paasrun.yaml is read: the slug's app dir. Empty: `app_dir`. Differs from `app_dir` when
    /// `up` runs a release in place (the code in the source dir, the environment from the
    /// build; deploy/run_spec.hpp).
    std::string slug_dir;
    [[nodiscard]] const std::string& build_dir() const {
        return slug_dir.empty() ? app_dir : slug_dir;
    }
    config::EnvMap env;  // before PORT, DYNO, PS and the web variables
    /// Process types in declaration order: ports follow this order (formation.hpp).
    std::vector<std::pair<std::string, std::string>> process_types;
    [[nodiscard]] const std::string* command(std::string_view type) const;
};

struct SupervisorOptions {
    std::string app_dir;                 // cwd of every child
    std::string slug_dir;                // RunSpec::slug_dir of the first generation
    std::vector<ProcessSpec> formation;  // what to run
    config::EnvMap env;                  // child environment before PORT/DYNO/PS
    std::chrono::duration<double> grace_period{30};
    bool stop_on_exit = true;       // `up`: any exit stops everything
    config::RestartPolicy restart;  // used when !stop_on_exit
    bool color = false;
    int output_fd = 1;
    LogStyle log_style = LogStyle::logfmt;  // human_log.hpp (`up`: human)

    // --- deploys (all optional; the defaults give foreman's behaviour) ---
    int release = 0;  // what `formation` runs (0: the app dir as-is)
    /// Every process type with its command, in Procfile order (also those scaled to 0); empty:
    /// the types of `formation`.
    std::vector<std::pair<std::string, std::string>> process_types;
    int base_port = 5000;  // for processes started later (scale, deploys)
    /// Bind the web PORT once and pass it to every web process (web_socket.hpp).
    bool shared_web_socket = false;
    std::string web_host = "0.0.0.0";
    std::string stats_dir;  // PAASRUN_STATS_DIR for web processes; empty: not set
    /// On SIGTERM/SIGINT/request_stop: readiness goes off (draining()) this long before the
    /// processes get SIGTERM; counted inside the grace period.
    std::chrono::duration<double> shutdown_delay{0};
    /// Every line of the multiplexed log, without colour, as it is written (loop thread).
    std::function<void(std::string_view)> log_tap;
};

/// One process as the admin API reports it.
struct ProcessStatus {
    std::string name;  // web.1
    std::string type;  // web
    int index = 0;
    int port = 0;
    pid_t pid = 0;                            // 0 when not running
    ProcessState state = ProcessState::down;  // process_state.hpp
    int restarts = 0;
    double uptime = 0;                          // s since the current start; 0 when not running
    std::string last_exit;                      // "exit=1", "signal=SIGKILL", "" before any exit
    int release = 0;                            // the release it runs (0: the app dir as-is)
    int generation = 0;                         // the group of processes it was started with
    ProcessPhase phase = ProcessPhase::active;  // process_state.hpp
    bool ready = false;                         // web: reported READY=1 on PAASRUN_NOTIFY_FD
    int exits = 0;                              // times it exited while active
};

/// A generation just started (start_generation).
struct GenerationInfo {
    int id = 0;
    int health_port = 0;  // shared mode: a private 127.0.0.1 socket only this generation serves
    std::vector<std::string> names;
};

class Supervisor {
public:
    /// Blocks the supervisor's signals in the calling thread: call before any thread exists
    /// (threads started later inherit the mask, so only the loop reads the signals). Binds
    /// the shared web socket when asked to.
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

    // --- generations (the deploy engine, src/deploy; loop thread only) ---
    /// Starts `counts` processes per type of `run` as a new generation in phase `starting`:
    /// they run beside the current processes, are not restarted when they exit, and do not
    /// stop `up`. Types missing from `counts` are not started.
    /// `shared_socket` false: web processes get only the generation's private socket (a
    /// canary that takes no traffic, docs/deploys.md).
    [[nodiscard]] Result<GenerationInfo> start_generation(std::shared_ptr<const RunSpec> run,
                                                          const Counts& counts,
                                                          bool shared_socket = true);
    /// The processes of a generation (retired ones that are gone are not listed).
    [[nodiscard]] std::vector<ProcessStatus> generation(int id) const;
    /// Makes a generation current: its processes become active (restart policy applies),
    /// its RunSpec is what later restarts and scaling use, and every active process of an
    /// older generation of the same types is retired (SIGTERM, drained, never restarted).
    /// With `retire_other_types`, also those of types the new run does not declare.
    void commit_generation(int id, bool retire_other_types);
    /// Retires every process of a generation (a failed deploy).
    void abort_generation(int id);
    /// Retires the active processes of `type` (per-process ports: the old web must let go
    /// of its PORT before a new one can bind it).
    void retire_type(const std::string& type);
    /// Sets the desired count of each named type of the current run and starts or retires
    /// active processes to match (the highest instances go first).
    [[nodiscard]] Status scale(const Counts& counts);
    /// Desired count per type of the current run (also 0s).
    [[nodiscard]] Counts formation() const;
    /// Counts for starting `run` with the current formation: known types keep their count,
    /// new types run once.
    [[nodiscard]] Counts counts_for(const RunSpec& run) const;
    [[nodiscard]] std::shared_ptr<const RunSpec> current_run() const { return current_run_; }
    [[nodiscard]] bool shared_web_socket() const { return web_listener_.valid(); }
    [[nodiscard]] int web_port() const { return web_port_; }
    /// The health-check port of a generation (0: none) and of the current web processes.
    [[nodiscard]] int health_port(int generation) const;
    /// Restarts per process type since the supervisor started (never decreases).
    [[nodiscard]] const std::map<std::string, std::uint64_t>& restart_totals() const {
        return restart_totals_;
    }
    /// While a ChildGuard lives, the loop reaps only its own processes by pid, never with
    /// waitpid(-1): another thread (the deploy engine running a build or a release phase)
    /// is waiting for children of its own, which a blanket reap would steal. Orphans are
    /// reaped when the last guard goes. Thread-safe.
    class ChildGuard {
    public:
        explicit ChildGuard(Supervisor& s);
        ~ChildGuard();
        ChildGuard(const ChildGuard&) = delete;
        ChildGuard& operator=(const ChildGuard&) = delete;

    private:
        Supervisor& s_;
    };

    /// Tells `observer` of every process started, ready, exited and gone (process_event.hpp).
    /// Set it before run() or on the loop thread; an empty function removes it.
    void set_process_observer(ProcessObserver observer) { observer_ = std::move(observer); }

    /// A stop began (readiness is off).
    [[nodiscard]] bool draining() const { return stop_cause_ != StopCause::none; }

private:
    using Clock = EventLoop::Clock;
    enum class State { up, crashed, down };
    using Phase = ProcessPhase;
    struct Generation {
        int id = 0;
        std::shared_ptr<const RunSpec> run;
        unique_fd health_listener;
        int health_port = 0;
        bool shared_socket = true;  // web processes accept on the shared socket
    };
    struct Slot {
        std::uint64_t id = 0;
        ProcessSpec spec;
        std::shared_ptr<Generation> gen;
        std::string_view color;
        Phase phase = Phase::active;
        State state = State::down;
        pid_t pid = 0;
        Clock::time_point started{};
        process::Backoff backoff;
        int restarts = 0;
        int exits = 0;
        std::string last_exit;
        int pipe_fd = -1;
        int notify_fd = -1;
        bool ready = false;
        EventLoop::TimerId restart_timer = 0;
        std::string status;  // the last STATUS= line on its notify fd (cleared at start)
    };
    struct Pipe {
        unique_fd fd;
        ChildOutput out;
    };
    struct Notify {
        unique_fd fd;
        std::uint64_t slot = 0;
        process::LineSplitter lines{256};
    };
    enum class StopCause { none, signal, process_exit, nothing_left };

    Supervisor(SupervisorOptions options, std::unique_ptr<EventLoop> loop,
               process::SignalQueue signals, unique_fd devnull);

    Slot& add_slot(std::shared_ptr<Generation> gen, const std::string& type, int index,
                   Phase phase);
    [[nodiscard]] std::shared_ptr<Generation> new_generation(std::shared_ptr<const RunSpec> run,
                                                             bool health_socket);
    [[nodiscard]] int port_of(const RunSpec& run, const std::string& type, int index) const;
    void retire(Slot& slot, std::string_view why);
    void remove_slot(std::uint64_t id);
    Slot* find_slot(std::uint64_t id);

    void start_all();
    void start(Slot& slot);
    void on_signals();
    void forward(int sig);
    void reap();
    void on_exit(Slot& slot, int status);
    void schedule_restart(Slot& slot, int status, std::chrono::duration<double> uptime);
    void begin_stop(StopCause cause, int code, std::string_view why);
    void terminate_all();
    void force_kill();
    void check_stopped();
    void finish();
    void signal_group(pid_t pgid, int sig, std::string_view proc);

    void notify_observer(ProcessEvent::Kind kind, const Slot& slot);

    void watch_pipe(unique_fd fd, Slot& slot);
    void on_pipe(int fd);
    bool read_pipe(Pipe& pipe, std::size_t max_bytes);  // false at EOF/error
    void close_pipe(int fd);
    void watch_notify(unique_fd fd, Slot& slot);
    void on_notify(int fd);
    void close_notify(int fd);

    SupervisorOptions options_;
    std::unique_ptr<EventLoop> loop_;
    process::SignalQueue signals_;
    unique_fd devnull_;
    Output output_;
    std::list<Slot> slots_;  // a list: timers and handlers keep Slot pointers/ids
    std::unordered_map<int, Pipe> pipes_;
    std::unordered_map<int, Notify> notify_;
    std::set<pid_t> lingering_;  // process groups whose leader exited but members remain
    std::mutex reap_mutex_;      // guards foreign_children_ against a blanket reap
    int foreign_children_ = 0;

    ProcessObserver observer_;
    std::shared_ptr<const RunSpec> current_run_;
    std::shared_ptr<Generation> current_gen_;
    Counts counts_;
    std::map<std::string, std::uint64_t> restart_totals_;
    unique_fd web_listener_;
    int web_port_ = 0;
    int next_generation_ = 1;
    std::uint64_t next_slot_ = 1;
    std::size_t next_color_ = 0;

    StopCause stop_cause_ = StopCause::none;
    int exit_code_ = 0;
    bool forced_ = false;
    bool finished_ = false;
    EventLoop::TimerId kill_timer_ = 0;
    EventLoop::TimerId term_timer_ = 0;
    EventLoop::TimerId last_resort_timer_ = 0;
    EventLoop::TimerId linger_poll_ = 0;
    int last_exit_code_ = 0;
};

}  // namespace paasrun::supervisor
