#include "serve/arbiter.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>

#include "process/activation.hpp"
#include "process/backoff.hpp"
#include "process/exit_status.hpp"
#include "process/signal_queue.hpp"
#include "serve/heartbeat.hpp"
#include "serve/listen.hpp"
#include "serve/notify_arbiter.hpp"
#include "serve/notify_parent.hpp"
#include "serve/server_process.hpp"
#include "serve/source_watch.hpp"
#include "serve/stats_writer.hpp"
#include "serve/worker_command.hpp"
#include "serve/zygote.hpp"
#include "util/log.hpp"

namespace paasrun::worker {
namespace {

constexpr std::string_view kLog = "arbiter";
constexpr std::int64_t kStackDumpGraceMs = 1000;  // time for faulthandler before SIGKILL
constexpr std::int64_t kQuitGraceMs = 1000;       // SIGQUIT: workers get this long, then SIGKILL
constexpr std::int64_t kMaxPollMs = 1000;
constexpr int kMaxWorkers = 1024;
// --reload: a save is several events and `git checkout` hundreds; reload once they stop
// (50 ms of quiet), but never later than 300 ms after the first.
constexpr std::int64_t kReloadQuietMs = 50;
constexpr std::int64_t kReloadMaxDelayMs = 300;

using process::signal_name;
using process::SignalQueue;

/// Handled: SIGTERM, SIGINT (graceful stop), SIGQUIT (immediate stop), SIGHUP (rolling
/// restart), SIGTTIN / SIGTTOU (one worker more / less), SIGCHLD (reap). SIGUSR1, SIGUSR2 and
/// SIGWINCH are taken too so a stray one cannot kill the arbiter (logged, otherwise ignored).
constexpr int kArbiterSignals[] = {SIGTERM, SIGINT,  SIGQUIT, SIGHUP,  SIGTTIN,
                                   SIGTTOU, SIGCHLD, SIGUSR1, SIGUSR2, SIGWINCH};

/// "exit=0", "signal=SIGKILL" (process/exit_status.hpp), plus " core=dumped" when it did.
std::string describe_status(int status) {
    auto s = process::describe_status(status);
    if (WIFSIGNALED(status) && WCOREDUMP(status)) s += " core=dumped";
    return s;
}

std::int64_t delay_ms(process::Backoff::Seconds d) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

struct Worker {
    pid_t pid = -1;
    int index = 0;
    std::uint64_t serial = 0;
    HeartbeatSlot heartbeat;
    unique_fd control;  // read end of the worker's pipe; closed at EOF
    LineBuffer lines;
    std::int64_t spawned_ms = 0;
    bool ready = false;
    bool replacement = false;   // started to take over from a retiring worker of its slot
    std::string retire_reason;  // non-empty: replace me once a successor is ready
    std::string status;         // its last STATUS line: why it is failing (notify_arbiter.hpp)
    enum class Stop { none, term, quit, kill } stop = Stop::none;
    std::int64_t kill_at_ms = 0;  // when stop != none, or after a stack dump: SIGKILL time
    bool timed_out = false;       // stack dump sent for a missed heartbeat

    [[nodiscard]] bool serving() const { return stop == Stop::none && !timed_out; }
};

// Why a worker exited, as the dashboard shows it for its slot (stats_writer.hpp).
std::string exit_reason(const Worker& w, int status, bool running) {
    if (w.timed_out) return "timeout";
    if (!w.retire_reason.empty()) return w.retire_reason;  // max-requests, max-rss, reload ...
    if (w.stop != Worker::Stop::none || !running) return "stopped";
    return "crash " + process::describe_status(status);
}

class Arbiter {
public:
    Arbiter(const ArbiterConfig& cfg, std::vector<Listener> listeners, SignalQueue signals,
            ParentNotifier notifier, std::optional<RetiredStats> retired,
            std::optional<SourceWatch> watch = std::nullopt)
        : cfg_(cfg),
          target_(cfg.options.workers),
          listeners_(std::move(listeners)),
          signals_(std::move(signals)),
          notifier_(std::move(notifier)),
          retired_(std::move(retired)),
          watch_(std::move(watch)) {}

    int run() {
        log::info(kLog, "starting pid={} app={} workers={} threads={} timeout={}", ::getpid(),
                  log::quote(cfg_.options.app), target_, cfg_.options.threads,
                  cfg_.options.timeout);
        while (true) {
            auto now = monotonic_ms();
            if (phase_ == Phase::running) converge(now);
            if (phase_ != Phase::running && workers_.empty() && !has_zygotes()) break;
            wait_for_events(poll_timeout(now));
            reap();
            check_timers(monotonic_ms());
            if (debounce_.take(monotonic_ms())) on_source_change();
        }
        for (auto& l : listeners_)
            if (!l.unlink_on_exit.empty()) ::unlink(l.unlink_on_exit.c_str());
        log::info(kLog, "stopped exit_code={}", exit_code_);
        return exit_code_;
    }

private:
    enum class Phase { running, stopping, halting };

    // ---- events ---------------------------------------------------------------------------

    void wait_for_events(int timeout_ms) {
        std::vector<pollfd> fds{{signals_.fd(), POLLIN, 0}};
        std::vector<Worker*> owners{nullptr};
        if (watch_) {
            fds.push_back({watch_->fd(), POLLIN, 0});
            owners.push_back(nullptr);
        }
        for (auto& w : workers_)
            if (w->control) {
                fds.push_back({w->control.get(), POLLIN, 0});
                owners.push_back(w.get());
            }
        const std::size_t first_zygote = fds.size();  // --preload: zygote sockets come last
        std::vector<Zygote*> zygotes;
        for (Zygote* z : {zygote_.get(), next_zygote_.get()})
            if (z && z->fd() >= 0) {
                fds.push_back({z->fd(), POLLIN, 0});
                zygotes.push_back(z);
            }
        int n = ::poll(fds.data(), fds.size(), timeout_ms);
        if (n == -1) {
            if (errno != EINTR)
                log::error(kLog, "poll failed error={}", log::quote(std::strerror(errno)));
            return;
        }
        for (std::size_t i = 1; i < first_zygote; ++i)
            if (fds[i].revents && owners[i]) read_control(*owners[i]);
        for (std::size_t i = first_zygote; i < fds.size(); ++i)
            if (fds[i].revents && zygotes[i - first_zygote]->on_readable())
                on_zygote_ready(*zygotes[i - first_zygote]);
        if (watch_ && fds[1].revents)
            if (auto path = watch_->changed()) {
                if (!debounce_.pending())
                    log::info(kLog, "source changed path={}", log::quote(*path));
                debounce_.change(monotonic_ms());
            }
        if (fds[0].revents)
            for (int sig : signals_.drain()) on_signal(sig);
    }

    void on_signal(int sig) {
        switch (sig) {
            case SIGCHLD:
                return;  // reap() runs after every wake-up
            case SIGTERM:
            case SIGINT:
                // A second Ctrl-C while draining means "now" (as in gunicorn).
                if (phase_ == Phase::stopping && sig == SIGINT) return quit("SIGINT");
                return stop_gracefully(signal_name(sig));
            case SIGQUIT:
                return quit("SIGQUIT");
            case SIGHUP:
                return start_reload();
            case SIGTTIN:
                return resize(target_ + 1);
            case SIGTTOU:
                return resize(target_ - 1);
            case SIGUSR1:
                return reopen_logs();
            default:
                log::info(kLog, "ignoring signal signal={}", signal_name(sig));
        }
    }

    // SIGUSR1 (gunicorn's, for logrotate): reopen --error-logfile here, then every worker
    // reopens it and its access log (server_process.hpp).
    void reopen_logs() {
        if (auto st = reopen_log_file(cfg_.options.error_log, 2); !st)
            log::error(kLog, "cannot reopen the error log error={}",
                       log::quote(st.error().describe()));
        for (auto& w : workers_)
            if (w->pid > 0) ::kill(w->pid, SIGUSR1);
        log::info(kLog, "log files reopened workers={}", workers_.size());
    }

    void read_control(Worker& w) {
        char buf[1024];
        while (true) {
            ssize_t n = ::read(w.control.get(), buf, sizeof buf);
            if (n == -1 && errno == EINTR) continue;
            if (n == -1 && errno == EAGAIN) return;
            if (n <= 0) {  // EOF: the worker exited or closed its end; reap() handles the rest
                w.control.reset();
                return;
            }
            for (auto& line : w.lines.feed(std::string_view(buf, static_cast<std::size_t>(n))))
                on_message(w, parse_worker_message(line));
        }
    }

    void on_message(Worker& w, const WorkerMessage& m) {
        switch (m.kind) {
            case WorkerMessage::Kind::ready:
                if (w.ready) return;
                w.ready = true;
                log::info(kLog, "worker ready index={} pid={} boot_ms={}", w.index, w.pid,
                          monotonic_ms() - w.spawned_ms);
                return;
            case WorkerMessage::Kind::recycle:
                if (!w.retire_reason.empty() || !w.serving()) return;
                w.retire_reason = m.reason;
                log::info(kLog, "worker asked to be recycled index={} pid={} reason={}", w.index,
                          w.pid, log::quote(m.reason));
                return;
            case WorkerMessage::Kind::status:
                w.status = m.reason;
                return;
            case WorkerMessage::Kind::unknown:
                log::warn(kLog, "unknown worker message index={} pid={} line={}", w.index, w.pid,
                          log::quote(m.reason));
                return;
        }
    }

    // ---- children -------------------------------------------------------------------------

    void reap() {
        while (true) {
            int status = 0;
            pid_t pid = ::waitpid(-1, &status, WNOHANG);
            if (pid <= 0) return;  // 0: none exited; -1 ECHILD: no children
            if (on_zygote_exit(pid, status)) continue;
            auto it = std::find_if(workers_.begin(), workers_.end(),
                                   [&](auto& w) { return w->pid == pid; });
            if (it == workers_.end()) continue;  // not ours (cannot happen without subreaping)
            std::unique_ptr<Worker> w = std::move(*it);
            workers_.erase(it);
            // Drain what it wrote last (a READY or RECYCLE just before exiting is still news).
            if (w->control) read_control(*w);
            on_exit(*w, status);
            // Keep its counters in our .retired sum before its stats file goes away.
            if (retired_)
                retired_->worker_exited(w->pid, phase_ == Phase::running && w->index <= target_,
                                        w->index,
                                        exit_reason(*w, status, phase_ == Phase::running));
        }
    }

    void on_exit(Worker& w, int status) {
        auto now = monotonic_ms();
        auto uptime = now - w.spawned_ms;
        auto how = describe_status(status);
        if (w.timed_out) {  // its replacement was started when the heartbeat stopped
            log::error(kLog, "worker died index={} pid={} {} uptime_ms={} reason=timeout", w.index,
                       w.pid, how, uptime);
            return;
        }
        if (w.stop != Worker::Stop::none || phase_ != Phase::running) {
            log::info(kLog, "worker exited index={} pid={} {} uptime_ms={}", w.index, w.pid, how,
                      uptime);
            return;
        }
        int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        if (!w.ready && (code == kExitBootError || code == kExitAppLoadError))
            return on_boot_failure(w, code);

        log::error(kLog, "worker died index={} pid={} {} uptime_ms={}", w.index, w.pid, how,
                   uptime);
        auto delay = delay_ms(backoff_for(w.index).on_exit(std::chrono::milliseconds(uptime)));
        next_spawn_ms_[w.index] = now + delay;
        if (delay > 0)
            log::warn(kLog, "worker keeps dying, backing off index={} failures={} delay_ms={}",
                      w.index, backoff_for(w.index).consecutive(), delay);
    }

    void on_boot_failure(Worker& w, int code) {
        const char* what = code == kExitAppLoadError ? "app load error" : "boot error";
        bool old_still_serving = std::any_of(workers_.begin(), workers_.end(), [&](auto& o) {
            return o->index == w.index && o->serving() && !o->retire_reason.empty();
        });
        if (watch_ && !(w.replacement && old_still_serving) && phase_ == Phase::running) {
            // --reload (development): code that does not import yet is waited on, not fatal;
            // the traceback is above, in the worker's output.
            if (!waiting_for_fix_)
                log::error(kLog,
                           "worker failed to boot, waiting for a source change index={} pid={} "
                           "exit_code={} error={}",
                           w.index, w.pid, code, log::quote(what));
            waiting_for_fix_ = true;
            return;
        }
        if (w.replacement && old_still_serving) {
            // A rolling restart met code that no longer imports: keep the old generation
            // serving rather than take the whole service down (gunicorn would halt here).
            log::error(kLog,
                       "replacement worker failed to boot, rolling restart aborted, old workers "
                       "keep serving "
                       "index={} pid={} exit_code={} error={}",
                       w.index, w.pid, code, log::quote(what));
            for (auto& o : workers_) o->retire_reason.clear();
            if (reloading_) {
                reloading_ = false;
                notifier_.send(process::kReady);
            }
            return;
        }
        log::error(kLog,
                   "worker failed to boot, shutting down index={} pid={} exit_code={} error={}",
                   w.index, w.pid, code, log::quote(what));
        // The worker's reason (an ASGI lifespan startup message) goes to our parent as
        // sd_notify's STATUS=, so a deploy that fails on it says why (docs/serve.md).
        if (!w.status.empty()) notifier_.send("STATUS=" + w.status);
        halt(code);
    }

    void halt(int code) {
        exit_code_ = code;
        phase_ = Phase::halting;
        notifier_.send(process::kStopping);
        auto deadline = monotonic_ms() + cfg_.options.graceful_timeout * std::int64_t{1000};
        for (auto& o : workers_) terminate(*o, deadline);
        stop_zygotes(deadline);
    }

    // ---- convergence ----------------------------------------------------------------------

    void converge(std::int64_t now) {
        if (cfg_.options.preload) ensure_zygote(now);
        // Slots above the target (after SIGTTOU): drain their workers.
        for (auto& w : workers_)
            if (w->index > target_ && w->serving()) {
                log::info(kLog, "stopping worker above target index={} pid={} target={}", w->index,
                          w->pid, target_);
                terminate(*w, now + cfg_.options.graceful_timeout * std::int64_t{1000});
            }

        bool replacement_booting = std::any_of(workers_.begin(), workers_.end(), [](auto& w) {
            return w->replacement && w->serving() && !w->ready;
        });
        for (int idx = 1; idx <= target_; ++idx) {
            std::vector<Worker*> fresh, retiring;
            for (auto& w : workers_)
                if (w->index == idx && w->serving())
                    (w->retire_reason.empty() ? fresh : retiring).push_back(w.get());
            if (fresh.empty()) {
                if (next_spawn_ms_[idx] > now || waiting_for_fix_)
                    continue;  // crash backoff, or --reload
                if (cfg_.options.preload && !(zygote_ && zygote_->ready()))
                    continue;  // still importing
                // A replacement is started one slot at a time, so a rolling restart never
                // takes more than one worker's capacity away at once.
                if (!retiring.empty() && replacement_booting) continue;
                if (spawn(idx, !retiring.empty(), now) && !retiring.empty())
                    replacement_booting = true;
                continue;
            }
            if (fresh.front()->ready)
                for (Worker* old : retiring) {
                    log::info(kLog, "replacing worker index={} old_pid={} new_pid={} reason={}",
                              idx, old->pid, fresh.front()->pid, log::quote(old->retire_reason));
                    terminate(*old, now + cfg_.options.graceful_timeout * std::int64_t{1000});
                }
        }
        check_readiness();
    }

    void check_readiness() {
        for (int idx = 1; idx <= target_; ++idx) {
            bool ok = std::any_of(workers_.begin(), workers_.end(), [&](auto& w) {
                return w->index == idx && w->serving() && w->ready && w->retire_reason.empty();
            });
            if (!ok) return;
        }
        if (!announced_ready_) {
            announced_ready_ = true;
            log::info(kLog, "ready workers={}", target_);
            notifier_.send(process::kReady);
        }
        if (reloading_ && !next_zygote_) {  // --preload: the new zygote is still importing
            reloading_ = false;
            log::info(kLog, "reload complete workers={}", target_);
            notifier_.send(process::kReady);
        }
    }

    bool spawn(int index, bool replacement, std::int64_t now) {
        auto fail = [&](const Error& e) {
            log::error(kLog, "cannot start worker index={} error={}", index,
                       log::quote(e.describe()));
            next_spawn_ms_[index] = now + delay_ms(backoff_for(index).on_exit({}));
            return false;
        };
        auto hb = HeartbeatSlot::create(now);
        if (!hb) return fail(hb.error());
        int pipe_fds[2];
        if (::pipe2(pipe_fds, O_CLOEXEC) == -1) return fail(sys_error("pipe2"));
        unique_fd read_end{pipe_fds[0]}, write_end{pipe_fds[1]};
        if (::fcntl(read_end.get(), F_SETFL, O_NONBLOCK) == -1)
            return fail(sys_error("fcntl(O_NONBLOCK)"));

        WorkerContext ctx;
        ctx.options = cfg_.options;
        ctx.index = index;
        ctx.serial = ++serial_;
        for (auto& l : listeners_) ctx.listen_fds.push_back(l.fd.get());
        ctx.control_fd = write_end.get();
        ctx.heartbeat_fd = hb->fd();
        // --preload: forked by the zygote (which closes its copies of the fds we pass). Else
        // spawned; a worker program that cannot be run at all is a boot error (below).
        bool cannot_run = false;
        auto pid = cfg_.options.preload
                       ? zygote_->fork_worker(index, ctx.serial, ctx.control_fd, ctx.heartbeat_fd)
                       : spawn_worker(cfg_.worker_command, ctx, &cannot_run);
        if (!pid && !cannot_run) return fail(pid.error());

        auto w = std::make_unique<Worker>(Worker{pid ? *pid : -1,
                                                 index,
                                                 ctx.serial,
                                                 std::move(*hb),
                                                 std::move(read_end),
                                                 {},
                                                 now,
                                                 false,
                                                 replacement,
                                                 {},
                                                 {},
                                                 Worker::Stop::none,
                                                 0,
                                                 false});
        if (!pid) {  // the program cannot be run (missing, not executable): a boot error, not a
                     // loop
            log::error(kLog, "cannot start worker index={} error={}", index,
                       log::quote(pid.error().describe()));
            on_boot_failure(*w, kExitBootError);
            return false;
        }
        log::info(kLog, "worker spawned index={} pid={} serial={}{}", index, w->pid, w->serial,
                  replacement ? " replacement=true" : "");
        workers_.push_back(std::move(w));
        return true;
    }

    // ---- stopping -------------------------------------------------------------------------

    void send(Worker& w, int sig) {
        if (::kill(w.pid, sig) == -1 && errno != ESRCH)
            log::warn(kLog, "kill failed pid={} signal={} error={}", w.pid, signal_name(sig),
                      log::quote(std::strerror(errno)));
    }

    void terminate(Worker& w, std::int64_t kill_at) {
        if (w.stop == Worker::Stop::term || w.stop == Worker::Stop::kill) return;
        w.stop = Worker::Stop::term;
        w.kill_at_ms = w.timed_out ? std::min(w.kill_at_ms, kill_at) : kill_at;
        send(w, SIGTERM);
    }

    void stop_gracefully(std::string_view why) {
        if (phase_ != Phase::running) return;
        phase_ = Phase::stopping;
        log::info(kLog, "graceful stop signal={} graceful_timeout={} workers={}", why,
                  cfg_.options.graceful_timeout, workers_.size());
        notifier_.send(process::kStopping);
        auto deadline = monotonic_ms() + cfg_.options.graceful_timeout * std::int64_t{1000};
        for (auto& w : workers_) terminate(*w, deadline);
        stop_zygotes(deadline);
    }

    void quit(std::string_view why) {
        log::info(kLog, "immediate stop signal={} workers={}", why, workers_.size());
        if (phase_ == Phase::running) notifier_.send(process::kStopping);
        if (phase_ != Phase::halting) phase_ = Phase::stopping;
        auto deadline = monotonic_ms() + kQuitGraceMs;
        for (auto& w : workers_) {
            if (w->stop == Worker::Stop::kill) continue;
            w->stop = Worker::Stop::quit;
            w->kill_at_ms = std::min(w->kill_at_ms == 0 ? deadline : w->kill_at_ms, deadline);
            send(*w, SIGQUIT);
        }
        stop_zygotes(deadline);
    }

    void start_reload() {
        if (phase_ != Phase::running) return;
        if (cfg_.options.preload) return reload_zygote();
        retire_all_for_reload();
    }

    void retire_all_for_reload() {
        int n = 0;
        for (auto& w : workers_)
            if (w->serving() && w->retire_reason.empty()) {
                w->retire_reason = "reload";
                ++n;
            }
        reloading_ = true;
        log::info(kLog, "reload: replacing workers one by one workers={}", n);
        notifier_.send("RELOADING=1");
    }

    // --reload: the debounced change. Workers that are up are replaced the SIGHUP way (each
    // replacement imports first; if it fails the old one keeps serving); after a boot failure
    // with nothing serving, the workers are started again.
    void on_source_change() {
        if (phase_ != Phase::running) return;
        if (waiting_for_fix_) {
            waiting_for_fix_ = false;
            log::info(kLog, "reload: starting workers again");
            return;
        }
        start_reload();
    }

    void resize(int n) {
        if (phase_ != Phase::running) return;
        if (n < 1 || n > kMaxWorkers) {
            log::warn(kLog, "worker count unchanged target={} requested={}", target_, n);
            return;
        }
        log::info(kLog, "worker count changed from={} to={}", target_, n);
        target_ = n;
    }

    // ---- timers ---------------------------------------------------------------------------

    void check_timers(std::int64_t now) {
        for (Zygote* z : all_zygotes()) z->check_timers(now);
        const std::int64_t timeout_ms = cfg_.options.timeout * std::int64_t{1000};
        for (auto& wp : workers_) {
            Worker& w = *wp;
            if (w.stop == Worker::Stop::kill) continue;
            if ((w.stop != Worker::Stop::none || w.timed_out) && now >= w.kill_at_ms) {
                log::warn(kLog, "killing worker index={} pid={} reason={}", w.index, w.pid,
                          w.timed_out ? "timeout" : "stop-deadline");
                w.stop = Worker::Stop::kill;
                send(w, SIGKILL);
                continue;
            }
            if (timeout_ms > 0 && w.stop == Worker::Stop::none && !w.timed_out &&
                now - w.heartbeat.last_beat_ms() > timeout_ms) {
                log::error(kLog, "worker timeout, dumping stacks index={} pid={} silent_ms={}",
                           w.index, w.pid, now - w.heartbeat.last_beat_ms());
                w.timed_out = true;
                w.kill_at_ms = now + kStackDumpGraceMs;
                send(w, kStackDumpSignal);
            }
        }
    }

    int poll_timeout(std::int64_t now) const {
        std::int64_t next = now + kMaxPollMs;
        const std::int64_t timeout_ms = cfg_.options.timeout * std::int64_t{1000};
        for (auto& w : workers_) {
            if (w->stop == Worker::Stop::kill) continue;
            if (w->stop != Worker::Stop::none || w->timed_out)
                next = std::min(next, w->kill_at_ms);
            else if (timeout_ms > 0)
                next = std::min(next, w->heartbeat.last_beat_ms() + timeout_ms + 1);
        }
        if (debounce_.pending()) next = std::min(next, debounce_.due_at());
        for (const Zygote* z : all_zygotes())
            if (z->next_timer_ms() > 0) next = std::min(next, z->next_timer_ms());
        if (cfg_.options.preload && !zygote_ && zygote_retry_ms_ > now)
            next = std::min(next, zygote_retry_ms_);
        if (phase_ == Phase::running)
            for (auto& [idx, at] : next_spawn_ms_)
                if (at > now && idx <= target_) next = std::min(next, at);
        return static_cast<int>(std::clamp<std::int64_t>(next - now, 0, kMaxPollMs));
    }

    // ---- --preload: the zygote (serve/zygote.hpp) ------------------------------------------
    // zygote_ forks the workers once it is ready; on a reload (SIGHUP, --reload) next_zygote_
    // imports the new code while zygote_ keeps forking, and takes over once it is ready (then
    // the workers are replaced one by one, as without --preload). If the new import fails,
    // the old zygote and workers stay. Stopped zygotes wait in old_zygotes_ to be reaped.

    [[nodiscard]] bool has_zygotes() const {
        return zygote_ || next_zygote_ || !old_zygotes_.empty();
    }

    std::vector<Zygote*> all_zygotes() const {
        std::vector<Zygote*> out;
        for (Zygote* z : {zygote_.get(), next_zygote_.get()})
            if (z) out.push_back(z);
        for (auto& z : old_zygotes_) out.push_back(z.get());
        return out;
    }

    std::unique_ptr<Zygote> start_zygote(std::int64_t now) {
        std::vector<int> fds;
        for (auto& l : listeners_) fds.push_back(l.fd.get());
        auto z = Zygote::start(cfg_.worker_command, cfg_.options, fds, ++serial_, now);
        if (!z) {
            log::error(kLog, "cannot start the zygote error={}", log::quote(z.error().describe()));
            return nullptr;
        }
        log::info(kLog, "zygote spawned pid={} serial={} (importing the app once for --preload)",
                  (*z)->pid(), (*z)->serial());
        return std::move(*z);
    }

    void ensure_zygote(std::int64_t now) {
        if (zygote_ || waiting_for_fix_ || now < zygote_retry_ms_) return;
        zygote_ = start_zygote(now);
        if (!zygote_) zygote_retry_ms_ = now + delay_ms(zygote_backoff_.on_exit({}));
    }

    void retire_zygote(std::unique_ptr<Zygote>& z, std::int64_t kill_at) {
        if (!z) return;
        z->stop(kill_at);
        old_zygotes_.push_back(std::move(z));
    }

    void stop_zygotes(std::int64_t kill_at) {
        retire_zygote(zygote_, kill_at);
        retire_zygote(next_zygote_, kill_at);
        for (auto& z : old_zygotes_) z->stop(kill_at);
    }

    void reload_zygote() {
        auto now = monotonic_ms();
        if (!zygote_ || !zygote_->ready()) {  // still importing the first time: start over
            retire_zygote(zygote_, now + kQuitGraceMs);
            zygote_ = start_zygote(now);
            return;
        }
        retire_zygote(next_zygote_, now + kQuitGraceMs);  // a newer change supersedes it
        next_zygote_ = start_zygote(now);
        if (!next_zygote_) return;
        reloading_ = true;
        log::info(kLog, "reload: importing the app again in a new zygote pid={}",
                  next_zygote_->pid());
        notifier_.send("RELOADING=1");
    }

    void on_zygote_ready(Zygote& z) {
        log::info(kLog, "zygote ready pid={} boot_ms={}", z.pid(), monotonic_ms() - z.started_ms());
        if (&z != next_zygote_.get()) return;
        retire_zygote(zygote_, monotonic_ms() + kQuitGraceMs);
        zygote_ = std::move(next_zygote_);
        retire_all_for_reload();  // each replacement is forked from the new zygote
    }

    // waitpid() returned `pid`: true when it was a zygote (handled here).
    bool on_zygote_exit(pid_t pid, int status) {
        auto how = describe_status(status);
        for (auto it = old_zygotes_.begin(); it != old_zygotes_.end(); ++it)
            if ((*it)->pid() == pid) {
                log::info(kLog, "zygote exited pid={} {}", pid, how);
                old_zygotes_.erase(it);
                return true;
            }
        std::unique_ptr<Zygote>* slot = nullptr;
        if (zygote_ && zygote_->pid() == pid) slot = &zygote_;
        if (next_zygote_ && next_zygote_->pid() == pid) slot = &next_zygote_;
        if (!slot) return false;
        std::unique_ptr<Zygote> z = std::move(*slot);
        if (phase_ != Phase::running) {
            log::info(kLog, "zygote exited pid={} {}", pid, how);
            return true;
        }
        const auto now = monotonic_ms();
        const int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        const bool import_failed =
            !z->ready() && (code == kExitAppLoadError || code == kExitBootError);
        if (slot == &next_zygote_) {  // a reload's import: the old zygote and workers stay
            log::error(kLog,
                       "reload aborted: the new zygote failed, old workers keep serving pid={} {}",
                       pid, how);
            if (reloading_) {
                reloading_ = false;
                notifier_.send(process::kReady);
            }
            return true;
        }
        bool serving = std::any_of(workers_.begin(), workers_.end(),
                                   [](auto& w) { return w->serving() && w->ready; });
        if (import_failed && !serving) {
            if (watch_) {  // --reload (development): wait for the fix, as for a worker
                log::error(kLog,
                           "zygote failed to import the app, waiting for a source change pid={} "
                           "exit_code={}",
                           pid, code);
                waiting_for_fix_ = true;
                return true;
            }
            log::error(kLog, "zygote failed to import the app, shutting down pid={} exit_code={}",
                       pid, code);
            halt(code);
            return true;
        }
        auto delay =
            delay_ms(zygote_backoff_.on_exit(std::chrono::milliseconds(now - z->started_ms())));
        zygote_retry_ms_ = now + delay;
        log::error(kLog,
                   "zygote died, workers keep serving, starting a new one pid={} {} delay_ms={}",
                   pid, how, delay);
        return true;
    }

    std::unique_ptr<Zygote> zygote_;
    std::unique_ptr<Zygote> next_zygote_;
    std::vector<std::unique_ptr<Zygote>> old_zygotes_;
    process::Backoff zygote_backoff_{process::kWorkerSlotBackoff};
    std::int64_t zygote_retry_ms_ = 0;

    const ArbiterConfig& cfg_;
    int target_;
    std::vector<Listener> listeners_;
    SignalQueue signals_;
    ParentNotifier notifier_;
    std::optional<RetiredStats> retired_;  // PAASRUN_STATS_DIR set; removed with the arbiter
    std::optional<SourceWatch> watch_;     // --reload
    Debounce debounce_{kReloadQuietMs, kReloadMaxDelayMs};
    bool waiting_for_fix_ = false;  // --reload: a worker failed to boot with nothing serving
    std::vector<std::unique_ptr<Worker>> workers_;
    std::map<int, process::Backoff> backoff_;
    process::Backoff& backoff_for(int index) {
        return backoff_.try_emplace(index, process::kWorkerSlotBackoff).first->second;
    }
    std::map<int, std::int64_t> next_spawn_ms_;
    std::uint64_t serial_ = 0;
    Phase phase_ = Phase::running;
    bool announced_ready_ = false;
    bool reloading_ = false;
    int exit_code_ = 0;
};

Result<std::vector<Listener>> open_listeners(const ServeOptions& opts) {
    auto inherited = inherit_listeners();
    if (!inherited) return inherited.error();
    if (!inherited->empty()) {
        for (auto& l : *inherited)
            log::info(kLog, "listening on inherited socket at={} fd={}", l.name, l.fd.get());
        return inherited;
    }
    std::vector<Listener> out;
    for (const auto& b : opts.bind) {
        auto addr = parse_bind(b);
        if (!addr) return addr.error();
        auto l = open_listener(*addr, opts.backlog, opts.reuse_port);
        if (!l) return l.error();
        log::info(kLog, "listening at={}", l->name);
        out.push_back(std::move(*l));
    }
    return out;
}

// Every resolved option as `name=value` fields (to_args()'s names), for the debug line that
// says what the server runs with, as gunicorn's "Current configuration" does at debug.
std::string configuration_fields(const ServeOptions& opts) {
    std::string out;
    for (const auto& arg : to_args(opts)) {
        std::string_view a = arg;
        if (a.substr(0, 2) == "--") a.remove_prefix(2);
        auto eq = a.find('=');
        if (!out.empty()) out += ' ';
        out += a.substr(0, eq);
        out += '=';
        out += log::quote(eq == std::string_view::npos ? std::string_view{} : a.substr(eq + 1));
    }
    return out;
}

}  // namespace

WorkerCommand self_worker_command() {
    // The lean paasrun-worker next to this binary, else `/proc/self/exe __worker`
    // (worker_command.hpp explains both and why the fallback exists).
    std::error_code ec;
    auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
    return worker_command_for(ec ? std::filesystem::path() : exe);
}

int run_arbiter(const ArbiterConfig& config) {
    auto fail = [](const Error& e) {
        log::error(kLog, "cannot start error={}", log::quote(e.describe()));
        return 1;
    };
    const auto& o = config.options;
    if (auto st = reopen_log_file(o.error_log, 2); !st) return fail(st.error());
    log::set_level(log_level_from_name(o.log_level));
    log::debug(kLog, "configuration {}", configuration_fields(o));
    set_process_name(o.proc_name);
    std::optional<PidFile> pidfile;
    if (!o.pidfile.empty()) {
        auto p = PidFile::create(o.pidfile);
        if (!p) return fail(p.error());
        pidfile.emplace(std::move(*p));
    }
    auto notifier = ParentNotifier::from_environment();
    if (!notifier) return fail(notifier.error());
    auto listeners = open_listeners(config.options);
    if (!listeners) return fail(listeners.error());
    auto signals = SignalQueue::open(kArbiterSignals);
    if (!signals) return fail(signals.error());
    std::optional<RetiredStats> retired;
    if (auto dir = stats_dir_from_environment()) {
        // Stats are an add-on: without them the service still runs.
        if (auto r = RetiredStats::create(*dir); r)
            retired.emplace(std::move(*r));
        else
            log::warn(kLog, "stats unavailable error={}", log::quote(r.error().describe()));
    }
    std::optional<SourceWatch> watch;
    if (config.options.reload) {
        std::error_code ec;
        auto root =
            std::filesystem::absolute(config.options.chdir.empty() ? "." : config.options.chdir, ec)
                .lexically_normal();
        auto w = SourceWatch::open(root);
        if (!w) return fail(Error(fmt::format("--reload: {}", w.error().describe())));
        if (!w->warning().empty()) log::warn(kLog, "reload: {}", log::quote(w->warning()));
        log::info(kLog, "reload: watching the source root={} dirs={}", log::quote(root.string()),
                  w->watched_dirs());
        watch.emplace(std::move(*w));
    }
    // --preload: the zygote double-forks each worker, which then becomes our child
    // (serve/zygote.hpp).
    if (o.preload && ::prctl(PR_SET_CHILD_SUBREAPER, 1) == -1)
        return fail(sys_error("prctl(PR_SET_CHILD_SUBREAPER)"));
    Arbiter arbiter(config, std::move(*listeners), std::move(*signals), std::move(*notifier),
                    std::move(retired), std::move(watch));
    return arbiter.run();
}

}  // namespace paasrun::worker
