#include "serve/serve_option_table.hpp"

#include <fmt/format.h>

#include <type_traits>

#include "util/log.hpp"
#include "util/strings.hpp"

namespace paasrun::worker {
namespace {

using O = ServeOptions;
using A = OptionArity;

// gunicorn's --access-logfile: "-" is stdout there, while paasrun's --access-log "-" is off.
Status set_access_logfile(O& o, std::string_view v, bool) {
    if (v.empty()) return Error("--access-logfile: empty file name");
    o.access_log = v == "-" ? std::string("stdout") : std::string(v);
    return {};
}

// gunicorn's --error-logfile/--log-file: "-" is stderr.
Status set_error_logfile(O& o, std::string_view v, bool) {
    if (v.empty()) return Error("--error-logfile: empty file name");
    o.error_log = std::string(v);
    return {};
}

// -k: gunicorn's sync and gthread workers are what a paasrun worker is (an event loop in
// front, the app on the loop thread with --threads 1 or on a pool of --threads); the
// async worker classes run a different programming model the app was written for.
Status set_worker_class(O& o, std::string_view v, bool) {
    for (std::string_view ok :
         {"sync", "gthread", "gunicorn.workers.sync.SyncWorker",
          "gunicorn.workers.gthread.ThreadWorker", "egg:gunicorn#sync", "egg:gunicorn#gthread"})
        if (v == ok) {
            o.worker_class = v.find("thread") != std::string_view::npos ? "gthread" : "sync";
            return {};
        }
    // uvicorn's gunicorn worker class: the app is ASGI, which this server runs itself.
    if (v == "uvicorn.workers.UvicornWorker" || v == "uvicorn.workers.UvicornH11Worker") {
        o.worker_class = "sync";
        o.interface = "asgi";
        return {};
    }
    return Error(fmt::format(
        "-k/--worker-class {}: paasrun serve runs sync, gthread and uvicorn (ASGI) apps; other "
        "worker classes are not supported (docs/gunicorn-migration.md)",
        log::quote(v)));
}

Status set_log_level(O& o, std::string_view v, bool) {
    for (std::string_view ok : {"debug", "info", "warning", "error", "critical"})
        if (iequals(v, ok)) {
            o.log_level = std::string(ok);
            return {};
        }
    return Error(fmt::format("--log-level {}: expected debug, info, warning, error or critical",
                             log::quote(v)));
}

Status set_raw_env(O& o, std::string_view v, bool first) {
    auto eq = v.find('=');
    if (eq == std::string_view::npos || eq == 0)
        return Error(fmt::format("-e/--env {}: expected KEY=VALUE", log::quote(v)));
    if (first) o.raw_env.clear();
    o.raw_env.emplace_back(v);
    return {};
}

Status set_access_log_format(O& o, std::string_view v, bool) {
    auto f = parse_access_log_format(v);
    if (!f)
        return Error(fmt::format("--access-log-format {}: expected logfmt, json or combined",
                                 log::quote(v)));
    o.access_log_format = *f;
    return {};
}

const ServeOptionRow kRows[] = {
    // --- what to run ---
    {"app", "app", &O::app, A::value, "wsgi_app",
     "the WSGI or ASGI app, MODULE:CALLABLE (positional)", "(required)"},
    {"--chdir", "chdir", &O::chdir, A::value, "chdir",
     "change to this directory before importing the app", "none"},
    {"--pythonpath", "pythonpath", &O::pythonpath, A::list, "pythonpath",
     "directories to prepend to sys.path (repeatable, comma lists)", "none"},
    {"--venv", "venv", &O::venv, A::value, "", "the app's virtualenv",
     "`$VIRTUAL_ENV`, else `.venv` in the app dir"},
    {"-c,--config", "config", &O::config, A::value, "config",
     "gunicorn config file (Python) to read settings from", "`./gunicorn.conf.py` if present"},
    // --- sockets and processes ---
    {"-b,--bind", "bind", &O::bind, A::list, "bind",
     "HOST:PORT, HOST, :PORT, [IPV6]:PORT, unix:PATH or fd://N; repeatable",
     "`0.0.0.0:$PORT` when `PORT` is set, else `127.0.0.1:8000`"},
    {"--backlog", "backlog", &O::backlog, A::value, "backlog", "listen(2) queue length", "2048"},
    {"--reuse-port", "reuse-port", &O::reuse_port, A::flag, "reuse_port",
     "set SO_REUSEPORT on the listening sockets", "off"},
    {"-w,--workers", "workers", &O::workers, A::value, "workers", "worker processes",
     "`web.workers`, else `$WEB_CONCURRENCY`, else from CPUs and memory"},
    {"-k,--worker-class", "worker-class", &O::worker_class, A::value, "worker_class",
     "sync or gthread (both are this server's worker; --threads sets the app threads)", "sync",
     set_worker_class},
    {"--threads", "threads", &O::threads, A::value, "threads", "app threads per worker", "1"},
    {"--interface", "interface", &O::interface, A::value, "",
     "asgi, wsgi, or auto: ASGI when the callable is a coroutine function", "auto"},
    {"--reload", "reload", &O::reload, A::flag, "reload",
     "development: replace the workers when a source file changes (each new one imports first; "
     "if that fails the old ones keep serving)",
     "off, or `PAASRUN_RELOAD=1` (`paasrun up --reload`)"},
    {"--preload", "preload", &O::preload, A::flag, "preload_app",
     "import the app once, before the workers are forked from it (copy-on-write, gc.freeze); "
     "an import error stops serve at once",
     "off"},
    {"--worker-connections", "worker-connections", &O::worker_connections, A::value,
     "worker_connections", "open connections per worker; more wait in the backlog",
     "0 = min(10000, fd limit - 64)"},
    {"--loop-yield-us", "loop-yield-us", &O::loop_yield_us, A::value, "",
     "microseconds of busy event loop between CPU yields (0 = never)", "500"},
    {"--sched-slice-us", "sched-slice-us", &O::sched_slice_us, A::value, "",
     "EEVDF scheduler slice asked for each worker thread (Linux >= 6.12, 100-100000; 0 = "
     "kernel default)",
     "300"},
    // --- timeouts ---
    {"-t,--timeout", "timeout", &O::timeout, A::value, "timeout",
     "seconds a worker's heartbeat may be silent before stack dump and SIGKILL (0 = off)", "30"},
    {"--graceful-timeout", "graceful-timeout", &O::graceful_timeout, A::value, "graceful_timeout",
     "seconds to finish in-flight requests on stop", "30"},
    {"--keep-alive", "keep-alive", &O::keep_alive, A::value, "keepalive",
     "seconds an idle kept-alive connection stays open", "5"},
    {"--request-timeout", "request-timeout", &O::request_timeout, A::value, "",
     "seconds a request may run (0 = off)", "0"},
    // --- recycling ---
    {"--max-requests", "max-requests", &O::max_requests, A::value, "max_requests",
     "recycle a worker after this many requests (0 = never)", "0"},
    {"--max-requests-jitter", "max-requests-jitter", &O::max_requests_jitter, A::value,
     "max_requests_jitter", "random extra requests before recycling", "0"},
    {"--max-rss", "max-rss", &O::max_rss_mb, A::value, "",
     "recycle a worker whose RSS exceeds this many MB (0 = off)", "0"},
    // --- HTTP limits ---
    {"--max-body", "max-body", &O::max_body, A::value, "",
     "largest request body in bytes, else 413 (0 = unlimited)", "104857600"},
    {"--limit-request-line", "limit-request-line", &O::limit_request_line, A::value,
     "limit_request_line", "longest request line (without CRLF), else 414", "8190"},
    {"--limit-request-fields", "limit-request-fields", &O::limit_request_fields, A::value,
     "limit_request_fields", "most header fields, else 431", "100"},
    {"--limit-request-field-size,--limit-request-field_size", "limit-request-field-size",
     &O::limit_request_field_size, A::value, "limit_request_field_size",
     "longest header line (without CRLF), else 431", "8190"},
    // --- WebSockets (ASGI apps) ---
    {"--ws-max-size", "ws-max-size", &O::ws_max_size, A::value, "",
     "largest WebSocket message in bytes (after decompression), else close 1009", "16777216"},
    {"--ws-ping-interval", "ws-ping-interval", &O::ws_ping_interval, A::value, "",
     "seconds a WebSocket may be silent before the server pings it (0 = never)", "20"},
    {"--ws-ping-timeout", "ws-ping-timeout", &O::ws_ping_timeout, A::value, "",
     "seconds to wait for any frame after a ping, else close 1011 (0 = wait forever)", "20"},
    {"--ws-idle-timeout", "ws-idle-timeout", &O::ws_idle_timeout, A::value, "",
     "seconds without a data message either way before close 1001 (pings do not count; 0 = off)",
     "0"},
    {"--ws-per-message-deflate", "ws-per-message-deflate", &O::ws_per_message_deflate, A::value, "",
     "true: accept permessage-deflate (RFC 7692) compression offers", "true"},
    // --- proxies, paths ---
    {"--forwarded-allow-ips", "forwarded-allow-ips", &O::forwarded_allow_ips, A::list,
     "forwarded_allow_ips", "proxies trusted for X-Forwarded-* (CIDR list, * = all)",
     "`$FORWARDED_ALLOW_IPS`, else `127.0.0.1,::1`"},
    {"--root-path", "root-path", &O::root_path, A::value, "", "SCRIPT_NAME prefix", "none"},
    {"--proxy-protocol", "proxy-protocol", &O::proxy_protocol, A::flag, "proxy_protocol",
     "accept a PROXY protocol v1/v2 header (HAProxy, cloud load balancers) before the request",
     "off"},
    {"--proxy-allow-from", "proxy-allow-from", &O::proxy_allow_ips, A::list, "proxy_allow_ips",
     "peers allowed to send a PROXY header (CIDR list, * = all)", "`127.0.0.1`"},
    // --- logs ---
    {"--access-log", "access-log", &O::access_log, A::value, "",
     "access log: stderr, stdout, a file path, or - for off", "stderr"},
    {"--access-logfile", "", &O::access_log, A::value, "accesslog",
     "gunicorn's spelling of --access-log: - is stdout", "", set_access_logfile},
    {"--access-log-format", "access-log-format", &O::access_log_format, A::value, "",
     "logfmt, json or combined (Apache's)", "logfmt", set_access_log_format},
    {"--access-logformat", "access-logformat", &O::access_log_template, A::value,
     "access_log_format", "gunicorn's format string: %(h)s %(r)s %(s)s %({header}i)s ...",
     "none (--access-log-format applies)"},
    {"--error-logfile,--log-file", "error-logfile", &O::error_log, A::value, "errorlog",
     "file the server's own log (stderr) goes to; - = stderr", "-", set_error_logfile},
    {"--log-level", "log-level", &O::log_level, A::value, "loglevel",
     "debug, info, warning, error or critical", "info", set_log_level},
    // --- the server process ---
    {"-n,--name", "name", &O::proc_name, A::value, "proc_name",
     "process name of the arbiter and workers (ps -o comm, top)", "none"},
    {"-p,--pid", "pid", &O::pidfile, A::value, "pidfile",
     "write the arbiter's pid to this file (removed at exit)", "none"},
    {"-e,--env", "env", &O::raw_env, A::list, "raw_env",
     "KEY=VALUE set in the server's environment (repeatable)", "none", set_raw_env},
    {"--worker-tmp-dir", "worker-tmp-dir", &O::worker_tmp_dir, A::value, "worker_tmp_dir",
     "accepted, not needed: heartbeats live in a memfd", "none"},
    {"--check-config", "check-config", &O::check_config, A::flag, "check_config",
     "check the configuration and that the app imports, then exit (0 = good)", "off"},
    {"--print-config", "print-config", &O::print_config, A::flag, "print_config",
     "print the resolved options, then exit", "off"},
    // --- static files ---
    {"--static", "static", &O::static_mounts, A::list, "",
     "serve URL PREFIX from DIR without Python: PREFIX=DIR (repeatable)", "none"},
    {"--static-root", "static-root", &O::static_root, A::value, "",
     "serve this directory at / (robots.txt, favicon.ico); misses go to the app", "none"},
    {"--static-fallthrough", "static-fallthrough", &O::static_fallthrough, A::value, "",
     "true: a miss under a --static prefix goes to the app; false: 404", "true"},
    {"--static-max-age", "static-max-age", &O::static_max_age, A::value, "",
     "Cache-Control max-age (seconds) of static names without a content hash", "60"},
    {"--static-immutable", "static-immutable", &O::static_immutable, A::list, "",
     "URL prefix whose files are cached for a year (repeatable)", "none"},
    {"--static-cors", "static-cors", &O::static_cors, A::flag, "",
     "Access-Control-Allow-Origin: * on static responses", "off"},
};

// Exactly "true" or "false": what the wire, flags and config-file booleans produce.
bool parse_bool(std::string_view v, bool& out) {
    if (v != "true" && v != "false") return false;
    out = v == "true";
    return true;
}

std::string_view option_name(const ServeOptionRow& row) {
    // "-b,--bind" -> "--bind" for messages; the positional "app" stays "app".
    auto comma = row.flags.rfind(',');
    return comma == std::string_view::npos ? row.flags : row.flags.substr(comma + 1);
}

}  // namespace

std::span<const ServeOptionRow> serve_option_table() {
    return kRows;
}

const ServeOptionRow* find_option_by_wire(std::string_view wire) {
    for (const auto& r : kRows)
        if (!r.wire.empty() && r.wire == wire) return &r;
    return nullptr;
}

const ServeOptionRow* find_option_by_gunicorn(std::string_view setting) {
    for (const auto& r : kRows)
        if (!r.gunicorn.empty() && r.gunicorn == setting) return &r;
    return nullptr;
}

std::string_view primary_wire_name(const ServeOptionRow& row) {
    if (!row.wire.empty()) return row.wire;
    for (const auto& r : kRows)
        if (!r.wire.empty() && r.member == row.member) return r.wire;
    return {};
}

Status set_option(ServeOptions& o, const ServeOptionRow& row, std::string_view value, bool first) {
    if (row.set) return row.set(o, value, first);
    auto name = option_name(row);
    return std::visit(
        [&](auto member) -> Status {
            using T = std::remove_cvref_t<decltype(o.*member)>;
            auto& v = o.*member;
            if constexpr (std::is_same_v<T, std::string>) {
                v = std::string(value);
            } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
                if (first) v.clear();
                v.emplace_back(value);
            } else if constexpr (std::is_same_v<T, std::vector<StaticMount>>) {
                auto m = parse_static_mount(value);
                if (!m) return m.error();
                if (first) v.clear();
                v.push_back(std::move(*m));
            } else if constexpr (std::is_same_v<T, AccessLogFormat>) {
                auto f = parse_access_log_format(value);
                if (!f) return Error(fmt::format("{}: unknown format {}", name, log::quote(value)));
                v = *f;
            } else if constexpr (std::is_same_v<T, bool>) {
                if (!parse_bool(value, v))
                    return Error(
                        fmt::format("{}: expected true or false, got {}", name, log::quote(value)));
            } else {
                if (!parse_int(value, v))
                    return Error(fmt::format("{}: not a number: {}", name, log::quote(value)));
            }
            return {};
        },
        row.member);
}

std::string option_value_text(const ServeOptions& o, const ServeOptionRow& row) {
    return std::visit(
        [&](auto member) -> std::string {
            using T = std::remove_cvref_t<decltype(o.*member)>;
            const auto& v = o.*member;
            if constexpr (std::is_same_v<T, std::string>) {
                return v;
            } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
                return fmt::format("{}", fmt::join(v, ","));
            } else if constexpr (std::is_same_v<T, std::vector<StaticMount>>) {
                std::string out;
                for (const auto& m : v) out += (out.empty() ? "" : ",") + m.prefix + "=" + m.dir;
                return out;
            } else if constexpr (std::is_same_v<T, AccessLogFormat>) {
                return std::string(to_string(v));
            } else if constexpr (std::is_same_v<T, bool>) {
                return v ? "true" : "false";
            } else {
                return std::to_string(v);
            }
        },
        row.member);
}

std::string options_markdown_table() {
    std::string out = "| option | default | gunicorn setting | meaning |\n|---|---|---|---|\n";
    for (const auto& r : kRows) {
        std::string flags;
        if (r.flags == "app") {
            flags = "`MODULE:CALLABLE`";
        } else {
            for (auto rest = r.flags; !rest.empty();) {
                auto comma = rest.find(',');
                flags += (flags.empty() ? "`" : ", `") + std::string(rest.substr(0, comma)) + "`";
                if (comma == std::string_view::npos) break;
                rest.remove_prefix(comma + 1);
            }
        }
        auto gunicorn = r.gunicorn.empty() ? std::string("-") : fmt::format("`{}`", r.gunicorn);
        out += fmt::format("| {} | {} | {} | {} |\n", flags, r.default_text, gunicorn, r.help);
    }
    return out;
}

}  // namespace paasrun::worker
