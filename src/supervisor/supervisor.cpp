#include "supervisor/supervisor.hpp"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>

#include "process/activation.hpp"
#include "process/exit_status.hpp"
#include "process/spawn.hpp"
#include "supervisor/child_env.hpp"
#include "supervisor/prefix.hpp"
#include "supervisor/sd_notify.hpp"
#include "supervisor/web_socket.hpp"

namespace paasrun::supervisor {
namespace {

using process::describe_status;
using process::exec_failure_code;
using process::exit_code_of;
using process::kExitNotExecutable;
using process::signal_name;
using Seconds = std::chrono::duration<double>;

/// The signals `up`/`start` handle: SIGCHLD and the ones they act on or forward.
constexpr int kSupervisorSignals[] = {SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGUSR2};

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

// web.1's port by foreman's rule (the port every web process shares in shared mode).
int web_port_of(const SupervisorOptions& o) {
    for (const auto& p : o.formation)
        if (p.type == "web") return p.port - (p.index - 1);
    for (std::size_t i = 0; i < o.process_types.size(); ++i)
        if (o.process_types[i].first == "web") return port_for(o.base_port, i, 1);
    return o.base_port;
}

bool group_alive(pid_t pgid) {
    return ::kill(-pgid, 0) == 0 || errno == EPERM;
}

}  // namespace

Result<std::unique_ptr<Supervisor>> Supervisor::create(SupervisorOptions options) {
    auto sfd = process::SignalQueue::open(kSupervisorSignals);
    if (!sfd) return sfd.error();
    auto loop = EventLoop::create();
    if (!loop) return loop.error();
    unique_fd devnull{::open("/dev/null", O_RDONLY | O_CLOEXEC)};
    if (!devnull) return sys_error("open /dev/null");
    // PID 1 of a namespace gets orphans by definition; anywhere else ask for them, so
    // grandchildren whose parent died are reaped here instead of by the host's init.
    if (::getpid() != 1 && ::prctl(PR_SET_CHILD_SUBREAPER, 1) == -1)
        return sys_error("prctl(PR_SET_CHILD_SUBREAPER)");
    unique_fd web;
    int web_port = 0;
    if (options.shared_web_socket) {
        web_port = web_port_of(options);
        auto sock = listen_tcp(options.web_host, web_port);
        if (!sock) return std::move(sock).error();
        web = std::move(*sock);
        web_port = bound_port(web.get());
    }
    std::unique_ptr<Supervisor> sup(
        new Supervisor(std::move(options), std::move(*loop), std::move(*sfd), std::move(devnull)));
    sup->web_listener_ = std::move(web);
    if (sup->web_listener_) {
        sup->web_port_ = web_port;
        for (auto& slot : sup->slots_)
            if (slot.spec.type == "web") slot.spec.port = web_port;  // one socket, one PORT
        sup->output_.info("listening on shared web socket addr={}:{}", sup->options_.web_host,
                          web_port);
    }
    int fd = sup->signals_.fd();
    Supervisor* self = sup.get();
    if (auto st = sup->loop_->watch(fd, EPOLLIN, [self](std::uint32_t) { self->on_signals(); });
        !st)
        return st.error();
    return sup;
}

Supervisor::Supervisor(SupervisorOptions options, std::unique_ptr<EventLoop> loop,
                       process::SignalQueue signals, unique_fd devnull)
    : options_(std::move(options)),
      loop_(std::move(loop)),
      signals_(std::move(signals)),
      devnull_(std::move(devnull)),
      output_(options_.output_fd, name_width(options_.formation), options_.color) {
    output_.set_tap(options_.log_tap);
    output_.set_style(options_.log_style);
    auto run = std::make_shared<RunSpec>();
    run->release = options_.release;
    run->app_dir = options_.app_dir;
    run->slug_dir = options_.slug_dir;
    run->env = options_.env;
    run->process_types = options_.process_types;
    for (const auto& p : options_.formation) {
        if (!run->command(p.type)) run->process_types.emplace_back(p.type, p.command);
        ++counts_[p.type];
    }
    for (const auto& [type, command] : run->process_types) counts_.try_emplace(type, 0);
    current_run_ = run;
    current_gen_ = new_generation(run, false);
    web_port_ = web_port_of(options_);
    for (const auto& p : options_.formation) {
        Slot& slot = add_slot(current_gen_, p.type, p.index, Phase::active);
        slot.spec = p;  // as given (ports included)
    }
}

// The signal queue gives the thread its signals back (matters for tests that create several
// supervisors).
Supervisor::~Supervisor() = default;

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
    std::vector<Slot*> initial;
    for (auto& slot : slots_) initial.push_back(&slot);
    for (Slot* slot : initial) {
        if (stop_cause_ != StopCause::none) return;
        start(*slot);
    }
    if (slots_.empty()) begin_stop(StopCause::nothing_left, 0, "no processes to run");
}

void Supervisor::start(Slot& slot) {
    slot.restart_timer = 0;
    slot.ready = false;
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) == -1) {
        auto err = sys_error("pipe2");
        output_.error("cannot start process proc={} error={}", slot.spec.name,
                      log::quote(err.describe()));
        return on_exit(slot, W_EXITCODE(kExitNotExecutable, 0));
    }
    unique_fd read_end{fds[0]}, write_end{fds[1]};
    ::fcntl(read_end.get(), F_SETFL, O_NONBLOCK);  // the child's end stays blocking

    const RunSpec& run = *slot.gen->run;
    config::EnvMap env = run.env;
    env["PORT"] = std::to_string(slot.spec.port);
    env["DYNO"] = slot.spec.name;
    env["PS"] = slot.spec.name;
    std::vector<std::pair<int, int>> extra;
    unique_fd notify_read, notify_write;
    bool web = slot.spec.type == "web";
    if (web) {
        // LISTEN_FDS: the shared socket at fd 3, the generation's health socket at fd 4.
        if (web_listener_) {
            if (slot.gen->shared_socket)
                extra.emplace_back(web_listener_.get(), process::kListenFdsStart);
            if (slot.gen->health_listener)
                extra.emplace_back(slot.gen->health_listener.get(),
                                   process::kListenFdsStart + static_cast<int>(extra.size()));
            env[process::kListenFds] = std::to_string(extra.size());
            env.erase(process::kListenFdNames);
        }
        int nfds[2];
        if (::pipe2(nfds, O_CLOEXEC) == 0) {
            notify_read.reset(nfds[0]);
            notify_write.reset(nfds[1]);
            ::fcntl(notify_read.get(), F_SETFL, O_NONBLOCK);
            int target = process::kListenFdsStart + static_cast<int>(extra.size());
            extra.emplace_back(notify_write.get(), target);
            env[process::kNotifyFd] = std::to_string(target);
        }
        if (!options_.stats_dir.empty()) env["PAASRUN_STATS_DIR"] = options_.stats_dir;
    }
    if (!web || !web_listener_) {
        env.erase(process::kListenFds);
        env.erase(process::kListenPid);
    }
    // Its own process group, so a signal reaches the program and everything it started.
    process::SpawnSpec req;
    req.argv = shell_command_argv(slot.spec.command, web && web_listener_.valid(), run.slug_dir);
    req.env = to_envp(env);
    req.cwd = run.app_dir;
    req.fds = {{devnull_.get(), 0}, {write_end.get(), 1}, {write_end.get(), 2}};
    req.fds.insert(req.fds.end(), extra.begin(), extra.end());
    req.new_process_group = true;
    auto pid = process::spawn(req);
    write_end.reset();
    notify_write.reset();
    if (!pid) {
        output_.error("cannot start process proc={} error={}", slot.spec.name,
                      log::quote(pid.error().describe()));
        return on_exit(slot, W_EXITCODE(exec_failure_code(pid.error().sys_errno), 0));
    }
    slot.pid = *pid;
    slot.state = State::up;
    slot.started = Clock::now();
    slot.status.clear();
    notify_observer(ProcessEvent::Kind::started, slot);
    if (run.release > 0)
        output_.info("process started proc={} pid={} port={} command={} release=v{}",
                     slot.spec.name, slot.pid, slot.spec.port, log::quote(slot.spec.command),
                     run.release);
    else
        output_.info("process started proc={} pid={} port={} command={}", slot.spec.name, slot.pid,
                     slot.spec.port, log::quote(slot.spec.command));
    watch_pipe(std::move(read_end), slot);
    if (notify_read) watch_notify(std::move(notify_read), slot);
}

// ---------------------------------------------------------------------------------------
// Generations

const std::string* RunSpec::command(std::string_view type) const {
    for (const auto& [name, command] : process_types)
        if (name == type) return &command;
    return nullptr;
}

std::shared_ptr<Supervisor::Generation> Supervisor::new_generation(
    std::shared_ptr<const RunSpec> run, bool health_socket) {
    auto gen = std::make_shared<Generation>();
    gen->id = next_generation_++;
    gen->run = std::move(run);
    if (health_socket && web_listener_) {
        // A private socket only this generation's web processes accept on, so a health
        // check reaches the new generation, never the old one behind the shared socket.
        if (auto sock = listen_tcp("127.0.0.1", 0, 64)) {
            gen->health_port = bound_port(sock->get());
            gen->health_listener = std::move(*sock);
        } else {
            output_.warn("no private health-check socket error={}",
                         log::quote(sock.error().describe()));
        }
    }
    return gen;
}

int Supervisor::port_of(const RunSpec& run, const std::string& type, int index) const {
    if (type == "web" && web_listener_) return web_port_;
    for (std::size_t i = 0; i < run.process_types.size(); ++i)
        if (run.process_types[i].first == type) return port_for(options_.base_port, i, index);
    return port_for(options_.base_port, run.process_types.size(), index);
}

Supervisor::Slot& Supervisor::add_slot(std::shared_ptr<Generation> gen, const std::string& type,
                                       int index, Phase phase) {
    Seconds initial{options_.restart.initial_delay}, max{options_.restart.max_delay},
        reset{options_.restart.reset_after};
    const std::string* command = gen->run->command(type);
    Slot slot{next_slot_++,
              ProcessSpec{type, index, fmt::format("{}.{}", type, index),
                          command ? *command : std::string(), port_of(*gen->run, type, index)},
              std::move(gen),
              color_for(next_color_++),
              phase,
              State::down,
              0,
              {},
              process::Backoff(initial, max, reset),
              0,
              0,
              {},
              -1,
              -1,
              false,
              0,
              {}};
    slots_.push_back(std::move(slot));
    return slots_.back();
}

Supervisor::Slot* Supervisor::find_slot(std::uint64_t id) {
    for (auto& s : slots_)
        if (s.id == id) return &s;
    return nullptr;
}

Result<GenerationInfo> Supervisor::start_generation(std::shared_ptr<const RunSpec> run,
                                                    const Counts& counts, bool shared_socket) {
    if (stop_cause_ != StopCause::none) return Error("the supervisor is stopping");
    for (const auto& [type, n] : counts)
        if (n > 0 && !run->command(type))
            return Error(fmt::format("process type \"{}\" is not declared by release v{}", type,
                                     run->release));
    bool has_web = counts.count("web") && counts.at("web") > 0;
    if (!shared_socket && !web_listener_) return Error("a canary needs the shared web socket");
    auto gen = new_generation(std::move(run), has_web);
    gen->shared_socket = shared_socket;
    if (!shared_socket && !gen->health_listener) return Error("no private socket for the canary");
    GenerationInfo info;
    info.id = gen->id;
    info.health_port = gen->health_port;
    std::vector<Slot*> started;
    for (const auto& [type, command] : gen->run->process_types) {
        auto it = counts.find(type);
        if (it == counts.end()) continue;
        for (int i = 1; i <= it->second; ++i) {
            Slot& slot = add_slot(gen, type, i, Phase::starting);
            info.names.push_back(slot.spec.name);
            started.push_back(&slot);
        }
    }
    output_.info("starting generation generation={} release=v{} processes={}", gen->id,
                 gen->run->release, started.size());
    for (Slot* slot : started) start(*slot);
    return info;
}

std::vector<ProcessStatus> Supervisor::generation(int id) const {
    std::vector<ProcessStatus> out;
    for (const auto& st : snapshot())
        if (st.generation == id) out.push_back(st);
    return out;
}

void Supervisor::retire(Slot& slot, std::string_view why) {
    if (slot.phase == Phase::retiring) return;
    slot.phase = Phase::retiring;
    if (slot.restart_timer != 0) {
        loop_->cancel(slot.restart_timer);
        slot.restart_timer = 0;
        slot.state = State::down;
    }
    if (slot.state == State::up) {
        output_.info("retiring process proc={} pid={} generation={} reason={}", slot.spec.name,
                     slot.pid, slot.gen->id, log::quote(why));
        signal_group(slot.pid, SIGTERM, slot.spec.name);
        return;
    }
    remove_slot(slot.id);
}

void Supervisor::remove_slot(std::uint64_t id) {
    for (auto it = slots_.begin(); it != slots_.end(); ++it) {
        if (it->id != id) continue;
        if (it->restart_timer != 0) loop_->cancel(it->restart_timer);
        if (it->notify_fd >= 0) close_notify(it->notify_fd);
        notify_observer(ProcessEvent::Kind::gone, *it);
        slots_.erase(it);
        return;
    }
}

void Supervisor::commit_generation(int id, bool retire_other_types) {
    std::shared_ptr<Generation> gen;
    std::set<std::string> types;
    for (auto& s : slots_)
        if (s.gen->id == id) {
            gen = s.gen;
            types.insert(s.spec.type);
        }
    if (!gen) return;
    current_gen_ = gen;
    current_run_ = gen->run;
    for (const auto& [type, command] : gen->run->process_types) counts_.try_emplace(type, 1);
    std::vector<Slot*> old;
    for (auto& s : slots_) {
        if (s.gen->id == id) {
            if (s.phase == Phase::starting) s.phase = Phase::active;
            continue;
        }
        if (s.phase != Phase::active) continue;
        bool declared = gen->run->command(s.spec.type) != nullptr;
        if (types.count(s.spec.type) || (retire_other_types && !declared)) old.push_back(&s);
    }
    output_.info("generation is current generation={} release=v{} retiring={}", id,
                 gen->run->release, old.size());
    for (Slot* s : old) retire(*s, fmt::format("replaced by generation {}", id));
}

void Supervisor::abort_generation(int id) {
    std::vector<Slot*> mine;
    for (auto& s : slots_)
        if (s.gen->id == id) mine.push_back(&s);
    output_.info("abandoning generation generation={} processes={}", id, mine.size());
    for (Slot* s : mine) retire(*s, "deploy abandoned");
}

void Supervisor::retire_type(const std::string& type) {
    std::vector<Slot*> mine;
    for (auto& s : slots_)
        if (s.spec.type == type && s.phase == Phase::active) mine.push_back(&s);
    for (Slot* s : mine) retire(*s, "restart");
}

Status Supervisor::scale(const Counts& counts) {
    for (const auto& [type, n] : counts) {
        if (!current_run_->command(type))
            return Error(fmt::format("process type \"{}\" is not in the current release", type));
        if (n < 0 || n > config::max_formation_count)
            return Error(
                fmt::format("{}={}: counts are 0..{}", type, n, config::max_formation_count));
    }
    for (const auto& [type, n] : counts) {
        counts_[type] = n;
        std::vector<Slot*> active;
        std::set<int> used;
        for (auto& s : slots_)
            if (s.spec.type == type && s.phase == Phase::active) {
                active.push_back(&s);
                used.insert(s.spec.index);
            }
        std::sort(active.begin(), active.end(),
                  [](const Slot* a, const Slot* b) { return a->spec.index < b->spec.index; });
        output_.info("scaling type={} from={} to={}", type, active.size(), n);
        for (int i = static_cast<int>(active.size()) - 1; i >= n; --i)
            retire(*active[static_cast<std::size_t>(i)], "scaled down");
        std::vector<Slot*> added;
        for (int index = 1; static_cast<int>(active.size() + added.size()) < n; ++index) {
            if (used.count(index)) continue;
            added.push_back(&add_slot(current_gen_, type, index, Phase::active));
        }
        for (Slot* s : added) start(*s);
    }
    return {};
}

Counts Supervisor::formation() const {
    Counts out;
    for (const auto& [type, command] : current_run_->process_types) {
        auto it = counts_.find(type);
        out[type] = it == counts_.end() ? 1 : it->second;
    }
    return out;
}

Counts Supervisor::counts_for(const RunSpec& run) const {
    Counts out;
    for (const auto& [type, command] : run.process_types) {
        auto it = counts_.find(type);
        out[type] = it == counts_.end() ? 1 : it->second;
    }
    return out;
}

int Supervisor::health_port(int generation) const {
    for (const auto& s : slots_)
        if (s.gen->id == generation) return s.gen->health_port;
    return 0;
}

// ---------------------------------------------------------------------------------------
// Signals and reaping

void Supervisor::on_signals() {
    bool child_exited = false;
    for (int sig : signals_.drain()) {
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

Supervisor::ChildGuard::ChildGuard(Supervisor& s) : s_(s) {
    std::lock_guard lock(s_.reap_mutex_);
    ++s_.foreign_children_;
}

Supervisor::ChildGuard::~ChildGuard() {
    {
        std::lock_guard lock(s_.reap_mutex_);
        --s_.foreign_children_;
    }
    s_.loop_->post([&s = s_] { s.reap(); });  // orphans that exited meanwhile
}

void Supervisor::reap() {
    // Our own processes first, by pid.
    std::vector<std::pair<std::uint64_t, int>> exited;
    for (auto& slot : slots_) {
        if (slot.state != State::up || slot.pid <= 0) continue;
        int status = 0;
        pid_t r;
        do {
            r = ::waitpid(slot.pid, &status, WNOHANG);
        } while (r == -1 && errno == EINTR);
        if (r == slot.pid) exited.emplace_back(slot.id, status);
    }
    for (auto [id, status] : exited)
        if (Slot* slot = find_slot(id)) on_exit(*slot, status);
    // Then everything else: orphans re-parented to us (PID 1 duty), unless another thread
    // is waiting for children of its own (ChildGuard).
    std::unique_lock lock(reap_mutex_);
    while (foreign_children_ == 0) {
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
        lock.unlock();
        on_exit(*it, status);
        lock.lock();
    }
    lock.unlock();
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
    if (slot.notify_fd >= 0) on_notify(slot.notify_fd);  // a READY=1 written just before exit
    pid_t pid = slot.pid;
    slot.state = State::down;
    slot.ready = false;
    slot.last_exit = describe_status(status);
    int code = exit_code_of(status);
    last_exit_code_ = code;
    output_.info("process exited proc={} pid={} {} uptime={:.3f}s", slot.spec.name, pid,
                 slot.last_exit, uptime.count());
    notify_observer(ProcessEvent::Kind::exited, slot);
    if (pid > 0) {
        slot.pid = 0;
        if (group_alive(pid)) {
            lingering_.insert(pid);
            if (stop_cause_ == StopCause::none) signal_group(pid, SIGTERM, slot.spec.name);
        }
    }
    if (stop_cause_ != StopCause::none) return check_stopped();
    // A retired process is gone for good; one of a generation being started is reported to
    // the deploy engine (generation()), which abandons the deploy: neither is restarted, and
    // neither stops `up`.
    if (slot.phase == Phase::retiring) return remove_slot(slot.id);
    if (slot.phase == Phase::starting) return;
    ++slot.exits;
    if (options_.stop_on_exit) {
        // honcho#175: a one-shot process that finishes its job (exit 0) leaves the others
        // running; `web` exiting, a failure or a signal stops everything (foreman's rule).
        bool clean = WIFEXITED(status) && WEXITSTATUS(status) == 0;
        if (!clean || slot.spec.type == "web")
            return begin_stop(StopCause::process_exit, code, slot.spec.name + " exited");
        bool any = std::any_of(slots_.begin(), slots_.end(),
                               [](const Slot& s) { return s.state != State::down; });
        output_.info("process finished, the others keep running proc={}", slot.spec.name);
        if (!any) begin_stop(StopCause::nothing_left, 0, "every process finished");
        return;
    }
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
    std::uint64_t id = slot.id;
    slot.restart_timer =
        loop_->after(std::chrono::duration_cast<Clock::duration>(delay), [this, id] {
            Slot* s = find_slot(id);
            if (!s) return;
            ++s->restarts;
            ++restart_totals_[s->spec.type];
            start(*s);
        });
}

// ---------------------------------------------------------------------------------------
// Stopping

void Supervisor::begin_stop(StopCause cause, int code, std::string_view why) {
    if (stop_cause_ != StopCause::none) return;
    stop_cause_ = cause;
    exit_code_ = code;
    sd_notify(process::kStopping);  // systemd Type=notify (sd_notify.hpp)
    output_.info("stopping all processes reason={} grace_period={}s", log::quote(why),
                 options_.grace_period.count());
    for (auto& slot : slots_) {
        if (slot.restart_timer != 0) {
            loop_->cancel(slot.restart_timer);
            slot.restart_timer = 0;
            slot.state = State::down;
        }
    }
    kill_timer_ =
        loop_->after(std::chrono::duration_cast<Clock::duration>(options_.grace_period), [this] {
            kill_timer_ = 0;
            output_.warn("grace period over grace_period={}s", options_.grace_period.count());
            force_kill();
        });
    // Container shutdown (docs/deploys.md): readiness is already off (draining()); a load
    // balancer gets shutdown_delay to stop sending traffic before the processes stop
    // accepting. Only for an outside stop: when a process died, nobody gains by waiting.
    auto delay = std::min(options_.shutdown_delay, options_.grace_period);
    if (cause == StopCause::signal && delay.count() > 0) {
        output_.info("readiness off, waiting before stopping shutdown_delay={}s", delay.count());
        term_timer_ = loop_->after(std::chrono::duration_cast<Clock::duration>(delay), [this] {
            term_timer_ = 0;
            terminate_all();
        });
        return;
    }
    terminate_all();
}

void Supervisor::terminate_all() {
    for (auto& slot : slots_)
        if (slot.state == State::up) signal_group(slot.pid, SIGTERM, slot.spec.name);
    for (pid_t g : lingering_) signal_group(g, SIGTERM, "lingering");
    check_stopped();
}

void Supervisor::force_kill() {
    forced_ = true;
    for (auto* id : {&kill_timer_, &term_timer_}) {
        if (*id != 0) loop_->cancel(*id);
        *id = 0;
    }
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
    for (auto id : {kill_timer_, term_timer_, last_resort_timer_, linger_poll_})
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

void Supervisor::watch_pipe(unique_fd fd, Slot& slot) {
    int raw = fd.get();
    pipes_.emplace(raw, Pipe{std::move(fd), ChildOutput(output_, slot.spec.name, slot.color)});
    if (auto st = loop_->watch(raw, EPOLLIN, [this, raw](std::uint32_t) { on_pipe(raw); }); !st) {
        output_.error("cannot watch output proc={} error={}", slot.spec.name,
                      log::quote(st.error().describe()));
        pipes_.erase(raw);
        return;
    }
    slot.pipe_fd = raw;
}

void Supervisor::watch_notify(unique_fd fd, Slot& slot) {
    int raw = fd.get();
    notify_.emplace(raw, Notify{std::move(fd), slot.id});
    if (auto st = loop_->watch(raw, EPOLLIN, [this, raw](std::uint32_t) { on_notify(raw); }); !st) {
        notify_.erase(raw);
        return;
    }
    slot.notify_fd = raw;
}

// PAASRUN_NOTIFY_FD: one `STATE` line per state change (docs/serve.md).
void Supervisor::on_notify(int fd) {
    auto it = notify_.find(fd);
    if (it == notify_.end()) return;
    char buf[512];
    bool eof = false;
    while (true) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n > 0) {
            it->second.lines.feed(
                std::string_view(buf, static_cast<std::size_t>(n)), [&](std::string_view line) {
                    Slot* s = find_slot(it->second.slot);
                    if (!s) return;
                    if (line == process::kReady && !s->ready) {
                        s->ready = true;
                        output_.info("process ready proc={} pid={}", s->spec.name, s->pid);
                        notify_observer(ProcessEvent::Kind::ready, *s);
                    } else if (line == process::kStopping || line == process::kReloading) {
                        s->ready = line == process::kReloading && s->ready;
                    } else if (line.starts_with(process::kStatusPrefix)) {
                        s->status = std::string(line.substr(process::kStatusPrefix.size()));
                    }
                });
            continue;
        }
        if (n == -1 && errno == EINTR) continue;
        eof = !(n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK));
        break;
    }
    if (eof) close_notify(fd);
}

void Supervisor::notify_observer(ProcessEvent::Kind kind, const Slot& slot) {
    if (!observer_) return;
    observer_(ProcessEvent{kind, slot.gen->id, slot.spec.name, slot.spec.type,
                           kind == ProcessEvent::Kind::exited ? slot.last_exit : std::string(),
                           kind == ProcessEvent::Kind::exited ? slot.status : std::string(),
                           Clock::now()});
}

void Supervisor::close_notify(int fd) {
    auto it = notify_.find(fd);
    if (it == notify_.end()) return;
    loop_->unwatch(fd);
    if (Slot* s = find_slot(it->second.slot); s && s->notify_fd == fd) s->notify_fd = -1;
    notify_.erase(it);
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
        st.release = s.gen->run->release;
        st.generation = s.gen->id;
        st.phase = s.phase;
        st.ready = s.ready;
        st.exits = s.exits;
        switch (s.state) {
            case State::up:
                st.state = stop_cause_ == StopCause::none && s.phase != Phase::retiring
                               ? ProcessState::up
                               : ProcessState::stopping;
                st.uptime = Seconds(now - s.started).count();
                break;
            case State::crashed:
                st.state = ProcessState::crashed;
                break;
            case State::down:
                st.state = ProcessState::down;
                break;
        }
        out.push_back(std::move(st));
    }
    return out;
}

}  // namespace paasrun::supervisor
