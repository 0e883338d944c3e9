#include "serve/gunicorn_settings.hpp"

namespace paasrun::worker {
namespace {

using K = GunicornKind;

const UnsupportedGunicornSetting kUnsupported[] = {
    // (--reload itself is a serve option: serve_option_table.cpp.)
    {"reload_engine", "--reload-engine", K::value, "--reload always uses inotify"},
    {"reload_extra_files", "--reload-extra-file", K::value,
     "--reload watches the whole source tree (minus .gitignore'd paths)"},
    {"spew", "--spew", K::flag, "a line tracer for debugging gunicorn itself"},
    {"sendfile", "--no-sendfile", K::flag,
     "sendfile(2) is always used for wsgi.file_wrapper over regular files"},
    {"daemon", "-D,--daemon", K::flag,
     "run under a supervisor (paasrun start, systemd); a daemon escapes it"},
    {"user", "-u,--user", K::value, "start paasrun as that user (systemd User=, container USER)"},
    {"group", "-g,--group", K::value, "start paasrun as that group"},
    {"umask", "-m,--umask", K::value, "set the umask of the process that starts paasrun"},
    {"initgroups", "--initgroups", K::flag, "no user switching"},
    {"tmp_upload_dir", "", K::setting, "large bodies are spooled to O_TMPFILE files in $TMPDIR"},
    {"secure_scheme_headers", "", K::setting,
     "X-Forwarded-Proto from --forwarded-allow-ips peers is the one scheme header believed"},
    {"disable_redirect_access_to_syslog", "--disable-redirect-access-to-syslog", K::flag,
     "no syslog"},
    {"capture_output", "--capture-output", K::flag,
     "the server's stderr (workers' too) goes to --error-logfile already"},
    {"logger_class", "--logger-class", K::value, "the log format is logfmt (no Python logger)"},
    {"logconfig", "--log-config", K::value, "no Python logging in the server"},
    {"logconfig_dict", "", K::setting, "no Python logging in the server"},
    {"syslog_addr", "--log-syslog-to", K::value,
     "no syslog: log to stderr and let the supervisor ship it"},
    {"syslog", "--log-syslog", K::flag, "no syslog"},
    {"syslog_prefix", "--log-syslog-prefix", K::value, "no syslog"},
    {"syslog_facility", "--log-syslog-facility", K::value, "no syslog"},
    {"enable_stdio_inheritance", "-R,--enable-stdio-inheritance", K::flag,
     "workers always inherit stdio (unbuffered)"},
    {"statsd_host", "--statsd-host", K::value, "metrics are Prometheus text on the admin API"},
    {"dogstatsd_tags", "--dogstatsd-tags", K::value, "no statsd"},
    {"statsd_prefix", "--statsd-prefix", K::value, "no statsd"},
    {"default_proc_name", "", K::setting, "internal to gunicorn (use -n/--name)"},
    {"paste", "--paste,--paster", K::value, "PasteDeploy apps: load them in a MODULE:CALLABLE"},
    {"raw_paste_global_conf", "--paste-global", K::value, "no PasteDeploy"},
    {"keyfile", "--keyfile", K::value, "terminate TLS in front (router, load balancer, nginx)"},
    {"certfile", "--certfile", K::value, "no TLS in serve"},
    {"ssl_version", "--ssl-version", K::value, "no TLS in serve"},
    {"cert_reqs", "--cert-reqs", K::value, "no TLS in serve"},
    {"ca_certs", "--ca-certs", K::value, "no TLS in serve"},
    {"suppress_ragged_eofs", "--suppress-ragged-eofs", K::flag, "no TLS in serve"},
    {"do_handshake_on_connect", "--do-handshake-on-connect", K::flag, "no TLS in serve"},
    {"ciphers", "--ciphers", K::value, "no TLS in serve"},
    {"strip_header_spaces", "--strip-header-spaces", K::flag,
     "a space before the colon is refused with 400 (request smuggling, RFC 9112 5.1)"},
    {"tolerate_dangerous_framing", "--tolerate-dangerous-framing", K::flag,
     "Content-Length with Transfer-Encoding is refused with 400 (request smuggling)"},
    {"on_starting", "", K::hook, "server hooks run Python in the arbiter, which has none"},
    {"on_reload", "", K::hook, "server hooks run Python in the arbiter, which has none"},
    {"when_ready", "", K::hook, "server hooks run Python in the arbiter, which has none"},
    {"pre_fork", "", K::hook, "server hooks run Python in the arbiter, which has none"},
    {"post_fork", "", K::hook, "workers are fork+exec'd; do per-worker setup at import time"},
    {"post_worker_init", "", K::hook,
     "do per-worker setup at import time (each worker imports the app)"},
    {"worker_int", "", K::hook, "server hooks are not supported"},
    {"worker_abort", "", K::hook, "a timed-out worker's stacks are dumped to stderr instead"},
    {"pre_exec", "", K::hook, "server hooks are not supported"},
    {"pre_request", "", K::hook, "use WSGI middleware"},
    {"post_request", "", K::hook, "use WSGI middleware"},
    {"child_exit", "", K::hook, "server hooks run Python in the arbiter, which has none"},
    {"worker_exit", "", K::hook, "use atexit in the app (it runs when a worker stops)"},
    {"nworkers_changed", "", K::hook, "server hooks run Python in the arbiter, which has none"},
    {"on_exit", "", K::hook, "server hooks run Python in the arbiter, which has none"},
};

}  // namespace

std::span<const UnsupportedGunicornSetting> unsupported_gunicorn_settings() {
    return kUnsupported;
}

const UnsupportedGunicornSetting* find_unsupported_gunicorn_setting(std::string_view name) {
    for (const auto& s : kUnsupported)
        if (s.name == name) return &s;
    return nullptr;
}

}  // namespace paasrun::worker
