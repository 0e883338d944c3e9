// `paasrun serve MODULE:CALLABLE [options]`: the pre-forking WSGI server (gunicorn's option
// names), and the hidden `paasrun __worker ...` the arbiter execs for each worker when the
// lean `paasrun-worker` is not installed next to `paasrun` (serve/worker_command.hpp).
// Argument wiring only: serve/arbiter.hpp and worker/worker_main.hpp do the work.
#include <filesystem>
#include <memory>

#include "app/commands.hpp"
#include "util/log.hpp"
#include "serve/arbiter.hpp"
#include "serve/arbiter_exec.hpp"
#include "serve/cpu_count.hpp"
#include "app/serve_manifest.hpp"
#include "serve/serve_options.hpp"
#include "worker/worker_entry.hpp"

namespace paasrun::app {
namespace {

using worker::ServeOptions;

struct ServeArgs {
    ServeOptions opts;
    std::vector<std::string> statics;
    std::string access_log_format = "logfmt";
    std::string worker_cmd;  // tests only: exec this instead of `paasrun __worker`
    CLI::Option* forwarded = nullptr;
    CLI::App* command = nullptr;
};

// paasrun.yaml in the app directory (--chdir, else the current one), below env and flags.
bool apply_app_manifest(ServeArgs& a) {
    auto m = worker::load_app_manifest(a.opts.chdir);
    if (!m) {
        log::error("arbiter", "bad manifest error={}", log::quote(m.error().describe()));
        return false;
    }
    if (!*m) return true;
    auto given = [&a](std::string_view name) {
        auto* opt = a.command->get_option_no_throw("--" + std::string(name));
        return opt && opt->count() > 0;
    };
    worker::apply_manifest(a.opts, **m, given);
    log::info("arbiter", "settings from manifest file={}",
              log::quote((std::filesystem::path(a.opts.chdir.empty() ? "." : a.opts.chdir) /
                          worker::kManifestFile)
                             .string()));
    return true;
}

int run_serve(ServeArgs& a) {
    ServeOptions& o = a.opts;
    auto fmt_value = worker::parse_access_log_format(a.access_log_format);
    if (!fmt_value) {
        log::error("arbiter", "bad --access-log-format value={} (logfmt|json)",
                   log::quote(a.access_log_format));
        return 2;
    }
    o.access_log_format = *fmt_value;
    for (const auto& s : a.statics) {
        auto m = worker::parse_static_mount(s);
        if (!m) {
            log::error("arbiter", "bad option error={}", log::quote(m.error().message));
            return 2;
        }
        o.static_mounts.push_back(std::move(*m));
    }
    if (!apply_app_manifest(a)) return 2;
    bool auto_count = o.workers == 0;
    auto count = worker::auto_worker_count(worker::probe_cpu_facts());
    auto st =
        worker::resolve_defaults(o, worker::process_env(), a.forwarded->count() > 0, count.workers);
    if (!st) {
        log::error("arbiter", "bad option error={}", log::quote(st.error().describe()));
        return 2;
    }
    if (auto_count && !worker::process_env()("WEB_CONCURRENCY"))
        log::info("arbiter", "worker count derived from the machine workers={} {}", o.workers,
                  count.reason);

    if (a.worker_cmd.empty()) {
        // Hand the arbiter role to the lean paasrun-arbiter (serve/arbiter_exec.hpp); on
        // success this does not return. Without it this process stays the arbiter.
        std::error_code ec;
        auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
        if (auto lean = worker::lean_arbiter_for(ec ? std::filesystem::path() : exe)) {
            auto err = worker::exec_lean_arbiter(*lean, o);
            log::warn("arbiter", "staying the arbiter error={}", log::quote(err.describe()));
        }
    }
    worker::ArbiterConfig cfg{o, a.worker_cmd.empty()
                                     ? worker::self_worker_command()
                                     : worker::WorkerCommand{worker::split_list(a.worker_cmd),
                                                             ""}};  // "argv0,arg,..." (tests)
    return worker::run_arbiter(cfg);
}

}  // namespace

void register_serve(CLI::App& app, Commands& cmds) {
    auto a = std::make_shared<ServeArgs>();
    ServeOptions& o = a->opts;
    auto* s = app.add_subcommand("serve",
                                 "Serve a WSGI app with pre-forked embedded-CPython workers "
                                 "(gunicorn-compatible options; see docs/serve.md)");
    s->add_option("app", o.app, "WSGI app as MODULE:CALLABLE (callable defaults to application)")
        ->required();
    s->add_option("-b,--bind", o.bind,
                  "HOST:PORT, [IPV6]:PORT, unix:PATH or fd://N; repeatable (default 0.0.0.0:$PORT, "
                  "PORT=8000)")
        ->allow_extra_args(false);
    s->add_option("--backlog", o.backlog, "listen(2) backlog")->capture_default_str();
    s->add_option("-w,--workers", o.workers,
                  "worker processes (default $WEB_CONCURRENCY, else from CPUs/cgroup)");
    s->add_option("--threads", o.threads, "app threads per worker")->capture_default_str();
    s->add_option("--loop-yield-us", o.loop_yield_us,
                  "microseconds of busy event loop between CPU yields, so workers sharing a "
                  "core take turns finely (0=never)")
        ->capture_default_str();
    s->add_option("--sched-slice-us", o.sched_slice_us,
                  "scheduler slice asked for each worker thread (Linux >= 6.12, 100-100000; "
                  "0=kernel default)")
        ->capture_default_str();
    s->add_option("-t,--timeout", o.timeout,
                  "seconds a worker may miss its heartbeat before it is killed (0=off)")
        ->capture_default_str();
    s->add_option("--graceful-timeout", o.graceful_timeout,
                  "seconds to finish in-flight requests on stop")
        ->capture_default_str();
    s->add_option("--keep-alive", o.keep_alive, "seconds an idle keep-alive connection stays open")
        ->capture_default_str();
    s->add_option("--request-timeout", o.request_timeout, "seconds a request may run (0=off)")
        ->capture_default_str();
    s->add_option("--max-requests", o.max_requests,
                  "recycle a worker after this many requests (0=never)");
    s->add_option("--max-requests-jitter", o.max_requests_jitter,
                  "random extra requests before recycling");
    s->add_option("--max-rss", o.max_rss_mb,
                  "recycle a worker whose RSS exceeds this many MB (0=off)");
    s->add_option("--max-body", o.max_body, "largest request body in bytes, else 413 (0=unlimited)")
        ->capture_default_str();
    s->add_option("--limit-request-line", o.limit_request_line, "longest request line, else 414")
        ->capture_default_str();
    s->add_option("--limit-request-fields", o.limit_request_fields, "most header fields, else 431")
        ->capture_default_str();
    s->add_option("--limit-request-field-size", o.limit_request_field_size,
                  "longest header field, else 431")
        ->capture_default_str();
    a->forwarded = s->add_option("--forwarded-allow-ips", o.forwarded_allow_ips,
                                 "proxies trusted for X-Forwarded-* (CIDR list, * = all; "
                                 "default $FORWARDED_ALLOW_IPS else 127.0.0.1,::1)")
                       ->allow_extra_args(false);
    s->add_option("--root-path", o.root_path, "SCRIPT_NAME prefix the app is mounted at");
    s->add_option("--access-log-format", a->access_log_format, "logfmt or json")
        ->capture_default_str();
    s->add_option("--access-log", o.access_log, "stderr, stdout, a file path, or - for off")
        ->capture_default_str();
    s->add_option("--chdir", o.chdir, "change to this directory before importing the app");
    s->add_option("--pythonpath", o.pythonpath,
                  "directories to prepend to sys.path (repeatable, comma list)")
        ->allow_extra_args(false);
    s->add_option("--venv", o.venv, "virtualenv of the app (default $VIRTUAL_ENV, else .venv)");
    s->add_option("--static", a->statics,
                  "serve URL PREFIX from DIR without Python: PREFIX=DIR (repeatable)")
        ->allow_extra_args(false);
    s->add_option("--static-root", o.static_root,
                  "serve this directory at / (robots.txt, favicon.ico); misses go to the app");
    s->add_option("--static-fallthrough", o.static_fallthrough,
                  "true: a miss under a --static prefix goes to the app; false: 404")
        ->capture_default_str();
    s->add_option("--static-max-age", o.static_max_age,
                  "Cache-Control max-age in seconds for static names without a content hash")
        ->capture_default_str();
    s->add_option("--static-immutable", o.static_immutable,
                  "URL prefix whose files are cached for a year (repeatable)")
        ->allow_extra_args(false);
    s->add_flag("--static-cors", o.static_cors, "Access-Control-Allow-Origin: * on static files");
    s->add_option("--worker-cmd", a->worker_cmd,
                  "testing only: comma-separated command to exec as a worker")
        ->group("");
    a->command = s;
    cmds.add(s, [a] { return run_serve(*a); });

    // The arbiter's fork+exec target; not for people (arbiter_handoff.hpp has the format).
    auto* w = app.add_subcommand("__worker", "internal: one worker of `paasrun serve`");
    w->group("");
    w->prefix_command();
    // Same entry as the lean paasrun-worker executable (src/worker_exe/main.cpp).
    cmds.add(w, [w] { return worker::run_worker_from_handoff(w->remaining()); });
}

}  // namespace paasrun::app
