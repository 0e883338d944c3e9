// run_worker(): one worker process of `paasrun serve` (contract in serve/worker_context.hpp).
// Reads like its table of contents: signals, Python, app, front end, loop, teardown.
#include "worker/worker_main.hpp"

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <memory>
#include <random>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "util/log.hpp"
#include "worker/app_pool.hpp"
#include "worker/connection_config.hpp"
#include "worker/connection_manager.hpp"
#include "worker/event_loop.hpp"
#include "worker/sched_slice.hpp"
#include "serve/heartbeat.hpp"
#include "serve/notify_arbiter.hpp"
#include "worker/response_wsgi.hpp"
#include "worker/static_route.hpp"
#include "serve/stats_writer.hpp"
#include "worker/stop_signal.hpp"
#include "wsgi/app.hpp"
#include "wsgi/interpreter.hpp"

namespace paasrun::worker {
namespace {

namespace asio = boost::asio;

extern "C" void quit_now(int) { ::_exit(kExitOk); }

// SIGTERM/SIGINT: stop_signal.hpp (installed first, in run_worker); the rest per
// serve/worker_context.hpp.
void install_signal_dispositions() {
    for (int sig : {SIGPIPE, SIGHUP, SIGTTIN, SIGTTOU, SIGUSR1}) std::signal(sig, SIG_IGN);
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
std::optional<StatsWriter> open_stats() {
    auto dir = stats_dir_from_environment();
    if (!dir) return std::nullopt;
    auto w = StatsWriter::create(*dir, ::getppid());
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

// The event loop and everything it owns; runs with the GIL released.
int serve(const WorkerContext& ctx, const wsgi::App& app, int access_log_fd, HeartbeatWriter* heartbeat,
          StatsWriter* stats) {
    const auto& o = ctx.options;
    auto config = make_connection_config(o, access_log_fd);
    if (!config) {
        log::error("worker", "bad options error={}", log::quote(config.error().describe()));
        return kExitBootError;
    }
    config->max_connections = connection_cap();
    // --static mounts are served on the loop, before the app and without the GIL.
    auto static_route = StaticRoute::create(o);
    if (!static_route) {
        log::error("worker", "static files error={}", log::quote(static_route.error().describe()));
        return kExitBootError;
    }

    // A shorter EEVDF slice for the loop thread and the app threads (sched_slice.hpp).
    const auto slice = std::chrono::microseconds(o.sched_slice_us);
    if (auto st = request_sched_slice(slice); !st)
        log::debug("worker", "scheduler slice not changed error={}", log::quote(st.error().describe()));

    std::unique_ptr<AppPool> pool;
    if (o.threads > 1)
        pool = std::make_unique<AppPool>(
            static_cast<std::size_t>(o.threads),
            [slice] {
                (void)request_sched_slice(slice);  // reported once, above
                t_python_thread = std::make_unique<wsgi::PythonThread>();
            },
            [] { t_python_thread.reset(); });

    asio::io_context io(1);
    Recycler recycler(o, ctx.control_fd);
    ManagerHooks hooks;
    RssReader rss;
    std::uint64_t ticks = 0;
    hooks.on_tick = [&] {
        if (heartbeat) heartbeat->beat();
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

    ConnectionManager manager(
        io, std::move(*config), [&app] { return std::make_unique<WsgiProducer>(app); }, pool.get(),
        static_route->get(), std::move(hooks));
    manager.set_stats(stats);
    for (int fd : ctx.listen_fds) {
        if (auto st = manager.add_listener(fd); !st) {
            log::error("worker", "cannot use listen fd error={}", log::quote(st.error().describe()));
            return kExitBootError;
        }
    }

    asio::steady_timer graceful(io);
    auto stop_watch = StopWatch::start(io, [&](int sig) {
        log::info("worker", "graceful stop signal={} worker={} connections={}", sig, ctx.index,
                  manager.connection_count());
        if (stats) stats->set_ready(false);
        manager.begin_graceful_stop();
        graceful.expires_after(std::chrono::seconds(o.graceful_timeout));
        graceful.async_wait([&](const boost::system::error_code& e) {
            if (e) return;
            log::warn("worker", "graceful timeout, closing connections worker={} connections={}", ctx.index,
                      manager.connection_count());
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
    log::info("worker", "ready worker={} pid={} threads={}", ctx.index, ::getpid(), o.threads);
    run_event_loop(io, std::chrono::microseconds(o.loop_yield_us));

    if (stats) stats->set_ready(false);
    manager.force_stop();
    if (pool) pool->stop();  // finishes what app threads are running
    return kExitOk;
}

}  // namespace

int run_worker(const WorkerContext& ctx) {
    const auto& o = ctx.options;
    if (auto st = install_stop_signals(); !st) {
        log::error("worker", "stop signals error={}", log::quote(st.error().describe()));
        return kExitBootError;
    }
    install_signal_dispositions();
    raise_fd_limit();

    std::optional<HeartbeatWriter> heartbeat;
    if (ctx.heartbeat_fd >= 0) {
        auto hb = HeartbeatWriter::attach(ctx.heartbeat_fd);
        if (!hb) {
            log::error("worker", "heartbeat attach failed error={}", log::quote(hb.error().describe()));
            return kExitBootError;
        }
        heartbeat.emplace(std::move(*hb));
        heartbeat->beat();
    }
    auto stats = open_stats();
    auto access_log = open_access_log(o);
    if (!access_log) {
        log::error("worker", "access log error={}", log::quote(access_log.error().describe()));
        return kExitBootError;
    }

    wsgi::InterpreterOptions py;
    py.venv = o.venv;
    py.chdir = o.chdir;
    py.pythonpath = o.pythonpath;
    auto interpreter = wsgi::Interpreter::initialize(py);
    if (!interpreter) {
        std::fprintf(stderr, "%s\n", interpreter.error().describe().c_str());
        return kExitBootError;
    }
    if (auto st = wsgi::register_stack_dump(kStackDumpSignal); !st)
        log::warn("worker", "stack dumps unavailable error={}", log::quote(st.error().describe()));

    wsgi::AppOptions app_options;
    app_options.multithread = o.threads > 1;
    app_options.multiprocess = o.workers != 1;
    auto app = wsgi::App::load(o.app, app_options);
    if (!app) {
        std::fprintf(stderr, "%s\n", app.error().message.c_str());
        std::fflush(stderr);
        return kExitAppLoadError;
    }

    int rc = kExitOk;
    {
        // The loop thread runs without the GIL; producers take it per request.
        wsgi::GilRelease no_gil;
        rc = serve(ctx, *app, *access_log, heartbeat ? &*heartbeat : nullptr, stats ? &*stats : nullptr);
    }
    return rc;
}

}  // namespace paasrun::worker
