// ServeOptions: everything `paasrun serve` accepts, and how the arbiter hands it to a worker.
//
// Names follow gunicorn's command line so `web: paasrun serve app:application --workers 4`
// reads like the gunicorn line it replaces. The arbiter resolves every default that depends
// on the environment (PORT, WEB_CONCURRENCY, FORWARDED_ALLOW_IPS, CPU/cgroup limits) with
// resolve_defaults() BEFORE it starts workers, so a worker receives only explicit values and
// never reads those variables itself.
//
// Arbiter -> worker hand-off (see docs/serve.md, "Process model"):
//   argv: /proc/self/exe __worker --index=N --serial=S --control-fd=FD --heartbeat-fd=FD
//         --listen-fds=3,4 --serve-options <to_args(options)...>
// Options travel as argv strings "--name=value" (one per value; list options repeat the
// name), produced by to_args() and read back by from_args(). Both are driven by one field
// table, so a round trip is the identity (tested in tests/unit/worker/test_options_*.cpp).
#pragma once

#include <csignal>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.hpp"

namespace paasrun::worker {

/// Signal the arbiter sends a worker that missed its heartbeat for longer than --timeout,
/// one second before SIGKILL. The worker dumps every Python thread's stack to stderr on it
/// (the wsgi bridge registers faulthandler.register(kStackDumpSignal, all_threads=True)).
/// Not SIGABRT (would end the process) and not SIGUSR1 (gunicorn's "reopen logs").
inline constexpr int kStackDumpSignal = SIGUSR2;

/// Worker exit codes with a meaning to the arbiter (gunicorn's WORKER_BOOT_ERROR and
/// APP_LOAD_ERROR). A worker that exits with one of them before it reported READY stops the
/// whole server: the arbiter stops the other workers and exits with the same code, once,
/// instead of respawning forever. Any other exit of a worker is a crash and is respawned.
inline constexpr int kExitOk = 0;
inline constexpr int kExitBootError = 3;     // worker could not start (python init, bad fds)
inline constexpr int kExitAppLoadError = 4;  // "module:callable" failed to import/resolve

/// --access-log-format: paasrun's logfmt (default), one JSON object per line, or Apache's
/// combined format (gunicorn's default --access-logformat). --access-logformat TEMPLATE
/// (gunicorn's atoms) overrides all three.
enum class AccessLogFormat { logfmt, json, combined };

/// --static PREFIX=DIR: URL prefix served from a directory without Python.
struct StaticMount {
    std::string prefix;  // URL path prefix, starts with '/'
    std::string dir;     // directory, relative to --chdir when not absolute

    bool operator==(const StaticMount&) const = default;
};

struct ServeOptions {
    // --- what to run ---------------------------------------------------------------------
    std::string app;    // positional "module:callable" (callable default "application")
    std::string chdir;  // --chdir DIR: cd before importing ("" = stay)
    std::vector<std::string>
        pythonpath;                  // --pythonpath DIR[,DIR] (repeatable), prepended to sys.path
    std::string venv;                // --venv DIR ("" = VIRTUAL_ENV, else .venv in the app dir)
    std::string interface = "auto";  // --interface auto|asgi|wsgi: auto = ASGI when the callable is
                                     // a coroutine function (or its __call__ is), else WSGI

    // --- sockets and processes (arbiter) -------------------------------------------------
    std::vector<std::string> bind;      // --bind HOST:PORT | [V6]:PORT | unix:PATH (repeatable);
                                        // default 0.0.0.0:$PORT with PORT set, else
                                        // 127.0.0.1:8000 (gunicorn's)
    bool reuse_port = false;            // --reuse-port: SO_REUSEPORT on the listening sockets
    int backlog = 2048;                 // --backlog: listen(2) queue length
    int workers = 0;                    // --workers N; 0 = WEB_CONCURRENCY else cpu/cgroup derived
    int threads = 1;                    // --threads T: app threads per worker
    std::string worker_class = "sync";  // -k: gunicorn's sync or gthread (both: this server)
    int worker_connections = 0;         // --worker-connections: open connections per worker;
                                        // 0 = min(10000, fd limit - 64)
    int loop_yield_us = 500;            // --loop-yield-us: event loop yields its CPU this often
                                        // while busy (event_loop.hpp); 0 = never
    int sched_slice_us = 300;           // --sched-slice-us: EEVDF slice asked for the worker's
                                        // threads (sched_slice.hpp); 0 = the kernel's default

    // --- timeouts, seconds ---------------------------------------------------------------
    int timeout = 30;           // --timeout: heartbeat silence before stack dump + SIGKILL; 0 = off
    int graceful_timeout = 30;  // --graceful-timeout: drain time after SIGTERM before SIGKILL
    int keep_alive = 5;         // --keep-alive: idle time of a kept-alive connection
    int request_timeout =
        0;  // --request-timeout: per request, 0 = off (worker decides 504/recycle)

    // --- recycling (the worker counts; it asks the arbiter via RECYCLE, notify_arbiter.hpp) -
    std::uint64_t max_requests = 0;         // --max-requests: 0 = never
    std::uint64_t max_requests_jitter = 0;  // --max-requests-jitter: + random [0, jitter]
    std::uint64_t max_rss_mb = 0;           // --max-rss MB: 0 = off

    // --- HTTP limits (documented defaults, docs/serve.md) --------------------------------
    std::uint64_t max_body = 100ull * 1024 * 1024;  // --max-body BYTES -> 413; 0 = unlimited
    int limit_request_line = 8190;                  // --limit-request-line -> 414 (gunicorn name)
    int limit_request_fields = 100;                 // --limit-request-fields -> 431
    int limit_request_field_size = 8190;            // --limit-request-field-size -> 431

    // --- WebSockets (ASGI apps; uvicorn's names and defaults) ------------------------------
    std::uint64_t ws_max_size = 16ull * 1024 * 1024;  // --ws-max-size: largest message -> 1009
    int ws_ping_interval = 20;  // --ws-ping-interval S: ping a connection silent this long; 0 = off
    int ws_ping_timeout = 20;   // --ws-ping-timeout S: close (1011) when no pong within; 0 = off
    int ws_idle_timeout = 0;    // --ws-idle-timeout S: close (1001) with no data message; 0 = off
    bool ws_per_message_deflate = true;  // --ws-per-message-deflate: RFC 7692 compression

    // --- proxies, paths, logs -------------------------------------------------------------
    std::vector<std::string> forwarded_allow_ips{
        "127.0.0.1", "::1"};      // --forwarded-allow-ips
                                  // CIDR/IP list, "*" = all; env FORWARDED_ALLOW_IPS when not given
    std::string root_path;        // --root-path: SCRIPT_NAME prefix ("" = none)
    bool proxy_protocol = false;  // --proxy-protocol: accept a PROXY v1/v2 header first
    std::vector<std::string> proxy_allow_ips{"127.0.0.1"};  // --proxy-allow-from: who may send it
    AccessLogFormat access_log_format = AccessLogFormat::logfmt;  // --access-log-format
    std::string access_log = "stderr";       // --access-log: "stderr" (default), "stdout",
                                             // "-" = off, or a file path opened for append
    std::vector<StaticMount> static_mounts;  // --static PREFIX=DIR (repeatable)
    std::string static_root;         // --static-root DIR: served at "/", misses go to the app
    bool static_fallthrough = true;  // --static-fallthrough false: a miss under a mount is 404
    int static_max_age = 60;         // --static-max-age S: Cache-Control max-age, non-hashed names
    std::vector<std::string> static_immutable;  // --static-immutable PREFIX: cached for a year
    bool static_cors = false;                   // --static-cors: Access-Control-Allow-Origin: *
    std::string access_log_template;  // --access-logformat: gunicorn's %(h)s atoms ("" = off,
                                      // then access_log_format applies)

    // --- the server process (gunicorn's names) -------------------------------------------
    std::string error_log = "-";       // --error-logfile: "-" = stderr, else a file (append)
                                       // that the server's stderr goes to; SIGUSR1 reopens
    std::string log_level = "info";    // --log-level debug|info|warning|error|critical
    std::string proc_name;             // -n/--name: process name (comm) of arbiter and workers
    std::string pidfile;               // -p/--pid FILE: the arbiter's pid, removed at exit
    std::vector<std::string> raw_env;  // -e/--env KEY=VALUE: set before workers start
    std::string worker_tmp_dir;        // --worker-tmp-dir: accepted, not needed (heartbeats
                                       // are in a memfd)
    std::string config;                // -c/--config FILE ("" = ./gunicorn.conf.py if present)
    bool check_config = false;         // --check-config: validate (and import the app), exit
    bool print_config = false;         // --print-config: print the resolved options, exit
    bool reload = false;  // --reload (or PAASRUN_RELOAD=1, `up --reload`): replace the workers when
                          // the source changes (source_watch.hpp, docs/serve.md)
    bool preload = false;  // --preload / preload_app: import once in a zygote that forks the
                           // workers (serve/zygote.hpp, docs/serve.md "--preload")

    // (paasrun.yaml's `web:` and `static:` sections fill these below the environment and the
    // flags: serve_manifest.hpp.)

    [[nodiscard]] bool access_log_enabled() const { return access_log != "-"; }

    bool operator==(const ServeOptions&) const = default;
};

/// Looks up an environment variable; std::nullopt when unset. Injected so tests stay pure.
using EnvLookup = std::function<std::optional<std::string>(std::string_view)>;

/// The process environment (std::getenv).
[[nodiscard]] EnvLookup process_env();

/// Fills environment-dependent defaults: bind from PORT, forwarded_allow_ips from
/// FORWARDED_ALLOW_IPS when `forwarded_from_cli` is false, workers from WEB_CONCURRENCY or
/// `auto_workers` (cpu_count.hpp computes it), and splits comma lists. Validates every value
/// (ranges, app spec, static mounts); an error names the option.
[[nodiscard]] Status resolve_defaults(ServeOptions& opts, const EnvLookup& env,
                                      bool forwarded_from_cli, int auto_workers);

/// Checks ranges and shapes without touching the environment.
[[nodiscard]] Status validate(const ServeOptions& opts);

/// Serialises to argv strings "--name=value" (see the file comment).
[[nodiscard]] std::vector<std::string> to_args(const ServeOptions& opts);

/// Parses what to_args() produced. Strict: an unknown name, a missing '=', or a bad number
/// is an error naming the argument (1-based index in Where::column).
[[nodiscard]] Result<ServeOptions> from_args(const std::vector<std::string>& args);

/// Splits "a,b, c" into {"a","b","c"} (empty items dropped).
[[nodiscard]] std::vector<std::string> split_list(std::string_view text);

/// "json" | "logfmt".
[[nodiscard]] std::string_view to_string(AccessLogFormat f);
[[nodiscard]] std::optional<AccessLogFormat> parse_access_log_format(std::string_view s);

/// "PREFIX=DIR" -> StaticMount; PREFIX must start with '/', DIR must be non-empty.
[[nodiscard]] Result<StaticMount> parse_static_mount(std::string_view text);

}  // namespace paasrun::worker
