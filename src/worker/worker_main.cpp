// run_worker(): one worker process of `paasrun serve` (contract in serve/worker_context.hpp).
// Reads like its table of contents: signals, Python, app, front end, loop, teardown.
#include "worker/worker_main.hpp"

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <csignal>
#include <cstdio>
#include <memory>
#include <random>

#include "asgi/runtime.hpp"
#include "serve/heartbeat.hpp"
#include "serve/notify_arbiter.hpp"
#include "serve/server_process.hpp"
#include "serve/stats_writer.hpp"
#include "util/log.hpp"
#include "worker/app_pool.hpp"
#include "worker/connection_config.hpp"
#include "worker/connection_manager.hpp"
#include "worker/drain_budget.hpp"
#include "worker/event_loop.hpp"
#include "worker/reactor_fd.hpp"
#include "worker/response_asgi.hpp"
#include "worker/response_wsgi.hpp"
#include "worker/sched_slice.hpp"
#include "worker/static_route.hpp"
#include "worker/stop_signal.hpp"
#include "wsgi/app.hpp"
#include "wsgi/fork.hpp"
#include "wsgi/interpreter.hpp"

namespace paasrun::worker {
namespace {

namespace asio = boost::asio;

extern "C" void quit_now(int) {
    ::_exit(kExitOk);
}

// SIGTERM/SIGINT: stop_signal.hpp (installed first, in run_worker); the rest per
// serve/worker_context.hpp.
void install_signal_dispositions() {
    for (int sig : {SIGPIPE, SIGHUP, SIGTTIN, SIGTTOU}) std::signal(sig, SIG_IGN);
    install_reopen_signal();  // SIGUSR1: reopen the log files at the next tick
    // SIGQUIT: exit at once, even while the loop thread runs a stuck app (a C handler, not
    // the loop, so it works when the loop is blocked).
    std::signal(SIGQUIT, quit_now);
}

// Thousands of keep-alive clients need more than the usual soft limit of 1024 fds.
void raise_fd_limit() {
    rlimit rl{};
    if (::getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &rl);
    }
}

std::size_t connection_cap() {
    rlimit rl{};
    if (::getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY) return 10'000;
    auto fds = static_cast<std::size_t>(rl.rlim_cur);
    return fds > 128 ? std::min<std::size_t>(fds - 64, 10'000) : 64;
}

Result<int> open_access_log(const ServeOptions& o) {
    if (o.access_log == "-" || o.access_log == "stderr") return 2;
    if (o.access_log == "stdout") return 1;
    int fd = ::open(o.access_log.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return sys_error("open access log {}", o.access_log);
    return fd;
}

// The worker's stats file when PAASRUN_STATS_DIR is set; stats are optional, so a failure
// is logged and the worker serves without them.
std::optional<StatsWriter> open_stats(int index) {
    auto dir = stats_dir_from_environment();
    if (!dir) return std::nullopt;
    auto w = StatsWriter::create(*dir, ::getppid(), index);
    if (!w) {
        log::warn("worker", "stats file unavailable error={}", log::quote(w.error().describe()));
        return std::nullopt;
    }
    return std::move(*w);
}

// Counts requests and watches RSS; asks the arbiter for a replacement once (RECYCLE).
class Recycler {
public:
    Recycler(const ServeOptions& o, int control_fd) : opts_(o), control_fd_(control_fd) {
        limit_ = o.max_requests;
        if (limit_ > 0 && o.max_requests_jitter > 0) {
            std::mt19937_64 rng{std::random_device{}()};
            limit_ += std::uniform_int_distribution<std::uint64_t>(0, o.max_requests_jitter)(rng);
        }
    }
    void request_done() {
        ++served_;
        if (limit_ > 0 && served_ >= limit_) ask("max-requests");
    }
    [[nodiscard]] bool watches_rss() const { return opts_.max_rss_mb > 0; }
    void check_rss(std::uint64_t rss_bytes) {
        if (opts_.max_rss_mb > 0 && rss_bytes / (1024 * 1024) > opts_.max_rss_mb) ask("max-rss");
    }
    void ask(std::string_view reason) {
        if (asked_) return;
        asked_ = true;
        log::info("worker", "asking to be recycled reason={} requests={}", reason, served_);
        send_recycle(control_fd_, reason);
    }

private:
    const ServeOptions& opts_;
    int control_fd_;
    std::uint64_t limit_ = 0;
    std::uint64_t served_ = 0;
    bool asked_ = false;
};

thread_local std::unique_ptr<wsgi::PythonThread> t_python_thread;

// Starts the ASGI runtime and runs the lifespan startup (GIL held). The error is the exit
// code: a failed startup is the app's failure to load (kExitAppLoadError, message on stderr),
// so the arbiter halts and a deploy's health gate sees it; an app that does not support
// lifespan (raises on that scope) is served without it. The failure's message also goes to
// the arbiter (STATUS), which passes it on when it halts, so a failed deploy names it.
int start_asgi(const wsgi::App& app, int control_fd, std::unique_ptr<asgi::Runtime>& out) {
    auto rt = asgi::Runtime::create(app, asgi::RuntimeOptions{});
    if (!rt) {
        log::error("worker", "asgi runtime error={}", log::quote(rt.error().describe()));
        return kExitBootError;
    }
    auto started = (*rt)->startup();
    if (!started) {
        std::fprintf(stderr, "%s\n", started.error().describe().c_str());
        return kExitAppLoadError;
    }
    switch (started->kind) {
        case asgi::StartupResult::Kind::ok:
            log::info("asgi", "lifespan startup complete");
            break;
        case asgi::StartupResult::Kind::unsupported:
            log::info("asgi", "lifespan not supported by the app, serving without it reason={}",
                      log::quote(started->message));
            break;
        case asgi::StartupResult::Kind::failed:
            log::error("asgi", "lifespan startup failed message={}", log::quote(started->message));
            std::fprintf(stderr, "ASGI lifespan startup failed: %s\n", started->message.c_str());
            std::fflush(stderr);
            send_status(control_fd, "ASGI lifespan startup failed: " + started->message);
            return kExitAppLoadError;
    }
    out = std::move(*rt);
    return kExitOk;
}

// The event loop and everything it owns; runs with the GIL released.
// `asgi`: the ASGI runtime when the app is ASGI (null for WSGI).
int serve(const WorkerContext& ctx, const wsgi::App& app, int access_log_fd,
          HeartbeatWriter* heartbeat, StatsWriter* stats, asgi::Runtime* asgi) {
    const auto& o = ctx.options;
    auto config = make_connection_config(o, access_log_fd);
    if (!config) {
        log::error("worker", "bad options error={}", log::quote(config.error().describe()));
        return kExitBootError;
    }
    // --worker-connections, capped by what the fd limit allows.
    config->max_connections =
        o.worker_connections > 0
            ? std::min(connection_cap(), static_cast<std::size_t>(o.worker_connections))
            : connection_cap();
    if (asgi) config->inline_app = false;  // requests go to the asyncio thread, never the loop's
    // --static mounts are served on the loop, before the app and without the GIL.
    auto static_route = StaticRoute::create(o);
    if (!static_route) {
        log::error("worker", "static files error={}", log::quote(static_route.error().describe()));
        return kExitBootError;
    }

    // A shorter EEVDF slice for the loop thread and the app threads (sched_slice.hpp).
    const auto slice = std::chrono::microseconds(o.sched_slice_us);
    if (auto st = request_sched_slice(slice); !st)
        log::debug("worker", "scheduler slice not changed error={}",
                   log::quote(st.error().describe()));

    std::unique_ptr<AppPool> pool;
    if (o.threads > 1 && !asgi)
        pool = std::make_unique<AppPool>(
            static_cast<std::size_t>(o.threads),
            [slice] {
                (void)request_sched_slice(slice);  // reported once, above
                t_python_thread = std::make_unique<wsgi::PythonThread>();
            },
            [] { t_python_thread.reset(); });

    // ASGI: this whole function holds the GIL; the asyncio loop drives the io_context below
    // (asgi/runtime.hpp), so C++ handlers call into the app directly.
    std::optional<wsgi::GilGuard> gil;
    if (asgi) gil.emplace();
    const auto epolls_before = asgi ? epoll_fds() : std::set<int>{};
    asio::io_context io(1);
    Recycler recycler(o, ctx.control_fd);
    ManagerHooks hooks;
    RssReader rss;
    std::uint64_t ticks = 0;
    hooks.on_tick = [&] {
        // ASGI: this tick runs inside the asyncio loop's thread, so an app that blocks the
        // event loop stops the heartbeat exactly like a stuck --threads 1 WSGI worker.
        if (heartbeat) heartbeat->beat();
        if (take_reopen_request()) {
            auto st = reopen_log_file(o.error_log, 2);
            if (st && access_log_fd > 2) st = reopen_log_file(o.access_log, access_log_fd);
            if (!st)
                log::error("worker", "cannot reopen a log file error={}",
                           log::quote(st.error().describe()));
        }
        // RSS once a second (every 4th 250 ms tick): for the stats file and --max-rss.
        if ((stats || recycler.watches_rss()) && ticks++ % 4 == 0) {
            auto bytes = rss.read();
            if (stats) stats->set_rss(bytes);
            recycler.check_rss(bytes);
        }
    };
    hooks.on_request_done = [&] { recycler.request_done(); };
    hooks.on_request_timeout = [&] { recycler.ask("request-timeout"); };
    hooks.on_drained = [&] { io.stop(); };

    ProducerFactory factory = [&app] { return std::make_unique<WsgiProducer>(app); };
    if (asgi) factory = [asgi] { return std::make_unique<AsgiProducer>(*asgi); };
    ConnectionManager manager(io, std::move(*config), std::move(factory), pool.get(),
                              static_route->get(), std::move(hooks));
    manager.set_stats(stats);
    manager.set_websocket_runtime(asgi);
    for (int fd : ctx.listen_fds) {
        if (auto st = manager.add_listener(fd); !st) {
            log::error("worker", "cannot use listen fd error={}",
                       log::quote(st.error().describe()));
            return kExitBootError;
        }
    }

    asio::steady_timer graceful(io);
    const std::chrono::milliseconds timeout_ms(std::int64_t{o.graceful_timeout} * 1000);
    const DrainBudget drain = drain_budget(timeout_ms);
    std::optional<std::chrono::steady_clock::time_point> stop_began;
    auto stop_watch = StopWatch::start(io, [&](int sig) {
        stop_began = std::chrono::steady_clock::now();
        log::info("worker", "graceful stop signal={} worker={} connections={}", sig, ctx.index,
                  manager.connection_count());
        if (stats) stats->set_ready(false);
        manager.begin_graceful_stop();
        // An ASGI worker stops waiting for connections early enough to cancel its tasks, log
        // their stacks and run the lifespan shutdown before the arbiter's SIGKILL.
        graceful.expires_after(asgi ? drain.cancel_at : timeout_ms);
        graceful.async_wait([&](const boost::system::error_code& e) {
            if (e) return;
            log::warn("worker", "graceful timeout, closing connections worker={} connections={}",
                      ctx.index, manager.connection_count());
            manager.force_stop();
            io.stop();
        });
    });
    if (!stop_watch) {
        log::error("worker", "stop signals error={}", log::quote(stop_watch.error().describe()));
        return kExitBootError;
    }

    manager.start();
    if (heartbeat) heartbeat->beat();
    send_ready(ctx.control_fd);
    if (stats) stats->set_ready(true);
    if (asgi)
        log::info("worker", "ready worker={} pid={} interface=asgi loop={}", ctx.index, ::getpid(),
                  asgi->loop_name());
    else
        log::info("worker", "ready worker={} pid={} threads={}", ctx.index, ::getpid(), o.threads);
    if (asgi) {
        auto reactor = new_epoll_fd(epolls_before, epoll_fds());
        if (!reactor) {
            log::error("worker", "asgi front end error={}", log::quote(reactor.error().describe()));
            return kExitBootError;
        }
        // Stop the loop once: uvloop's stop() queues a callback, and a second one (a poll that
        // was already scheduled runs after the io_context stopped) would be left queued and
        // stop the shutdown's run_until_complete at once ("Event loop stopped before Future
        // completed"), so tasks were never waited for nor cancelled.
        bool stop_asked = false;
        // --loop-yield-us as for WSGI (event_loop.hpp): a busy loop never blocks in epoll.
        CooperativeYield cooperative(std::chrono::microseconds(o.loop_yield_us));
        auto ran = asgi->run(*reactor, [&] {
            io.poll();
            manager.flush_access_log();
            cooperative.tick();
            if (io.stopped() && !stop_asked) {
                stop_asked = true;
                asgi->stop_soon();
            }
        });
        if (!ran) log::error("worker", "asgi loop error={}", log::quote(ran.error().describe()));
    } else {
        run_event_loop(io, std::chrono::microseconds(o.loop_yield_us));
    }

    if (stats) stats->set_ready(false);
    manager.force_stop();
    if (pool) pool->stop();  // finishes what app threads are running
    if (asgi) {
        // Background tasks and the lifespan shutdown get what is left of the grace period,
        // split by drain_budget so the worker exits by itself before the arbiter's SIGKILL.
        // (A loop that stopped without a stop signal has the whole budget from now.)
        auto began = stop_began.value_or(std::chrono::steady_clock::now());
        asgi->shutdown(began + drain.cancel_at, drain.cancel_wait, began + drain.exit_by);
    }
    return kExitOk;
}

}  // namespace

namespace {

// What a worker sets up for itself before it serves, whether it imports the app itself or
// was forked from the --preload zygote with the app already imported.
struct WorkerProcess {
    std::optional<HeartbeatWriter> heartbeat;
    std::optional<StatsWriter> stats;
    int access_log = 2;
};

int set_up_process(const WorkerContext& ctx, WorkerProcess& out) {
    const auto& o = ctx.options;
    if (auto st = install_stop_signals(); !st) {
        log::error("worker", "stop signals error={}", log::quote(st.error().describe()));
        return kExitBootError;
    }
    install_signal_dispositions();
    log::set_level(log_level_from_name(o.log_level));
    set_process_name(o.proc_name);
    raise_fd_limit();

    if (ctx.heartbeat_fd >= 0) {
        auto hb = HeartbeatWriter::attach(ctx.heartbeat_fd);
        if (!hb) {
            log::error("worker", "heartbeat attach failed error={}",
                       log::quote(hb.error().describe()));
            return kExitBootError;
        }
        out.heartbeat.emplace(std::move(*hb));
        out.heartbeat->beat();
    }
    out.stats = open_stats(ctx.index);
    auto access_log = open_access_log(o);
    if (!access_log) {
        log::error("worker", "access log error={}", log::quote(access_log.error().describe()));
        return kExitBootError;
    }
    out.access_log = *access_log;
    return kExitOk;
}

// From the imported app to the end of serving: the ASGI start-up (per worker, also when the
// app was preloaded: an event loop does not survive a fork), then the loop without the GIL.
int serve_loaded(const WorkerContext& ctx, WorkerProcess& proc, LoadedApp& loaded) {
    std::unique_ptr<asgi::Runtime> asgi;
    if (loaded.asgi)
        if (int rc = start_asgi(loaded.app, ctx.control_fd, asgi); rc != kExitOk) return rc;
    // The loop thread runs without the GIL; producers take it per request.
    wsgi::GilRelease no_gil;
    return serve(ctx, loaded.app, proc.access_log, proc.heartbeat ? &*proc.heartbeat : nullptr,
                 proc.stats ? &*proc.stats : nullptr, asgi.get());
}

}  // namespace

std::unique_ptr<LoadedApp> load_app(const ServeOptions& o, bool for_fork, int& exit_code) {
    wsgi::InterpreterOptions py;
    py.venv = o.venv;
    py.chdir = o.chdir;
    py.pythonpath = o.pythonpath;
    auto interpreter = wsgi::Interpreter::initialize(py);
    if (!interpreter) {
        std::fprintf(stderr, "%s\n", interpreter.error().describe().c_str());
        exit_code = kExitBootError;
        return nullptr;
    }
    if (auto st = wsgi::register_stack_dump(kStackDumpSignal); !st)
        log::warn("worker", "stack dumps unavailable error={}", log::quote(st.error().describe()));
    if (for_fork)  // wsgi/fork.hpp: no collections while importing, then freeze
        if (auto st = wsgi::gc_disable(); !st)
            log::warn("zygote", "gc.disable failed error={}", log::quote(st.error().describe()));

    wsgi::AppOptions app_options;
    app_options.multithread = o.threads > 1;
    app_options.multiprocess = o.workers != 1;
    auto app = wsgi::App::load(o.app, app_options);
    if (!app) {
        std::fprintf(stderr, "%s\n", app.error().message.c_str());
        std::fflush(stderr);
        exit_code = kExitAppLoadError;
        return nullptr;
    }
    bool is_asgi = o.interface == "asgi" || (o.interface == "auto" && asgi::looks_like_asgi(*app));
    if (for_fork && is_asgi)
        // An ASGI worker builds its event loop after the fork (a loop does not survive one),
        // but the modules behind it can be shared: uvloop when installed (asgi/runtime.hpp
        // prefers it), else asyncio's.
        for (const char* m : {"asyncio", "uvloop"})
            if (auto st = wsgi::preimport(m); !st)
                log::debug("zygote", "not preloaded module={} error={}", m,
                           log::quote(st.error().describe()));
    if (for_fork)
        if (auto st = wsgi::gc_freeze(); !st)
            log::warn("zygote", "gc.freeze failed error={}", log::quote(st.error().describe()));
    return std::make_unique<LoadedApp>(
        LoadedApp{std::move(*interpreter), std::move(*app), is_asgi});
}

int run_worker(const WorkerContext& ctx) {
    WorkerProcess proc;
    if (int rc = set_up_process(ctx, proc); rc != kExitOk) return rc;
    int code = kExitOk;
    auto loaded = load_app(ctx.options, false, code);
    if (!loaded) return code;
    return serve_loaded(ctx, proc, *loaded);
}

int run_preloaded_worker(const WorkerContext& ctx, LoadedApp& loaded) {
    WorkerProcess proc;
    if (int rc = set_up_process(ctx, proc); rc != kExitOk) return rc;
    if (auto st = wsgi::gc_enable(); !st)
        log::warn("worker", "gc.enable failed error={}", log::quote(st.error().describe()));
    return serve_loaded(ctx, proc, loaded);
}

}  // namespace paasrun::worker
