// `paasrun serve MODULE:CALLABLE [options]`: the pre-forking WSGI server (gunicorn's option
// names), and the hidden `paasrun __worker ...` the arbiter execs for each worker when the
// lean `paasrun-worker` is not installed next to `paasrun` (serve/worker_command.hpp).
// Argument wiring only: serve/arbiter.hpp and worker/worker_main.hpp do the work.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>

#include "app/commands.hpp"
#include "app/serve_cli.hpp"
#include "app/serve_manifest.hpp"
#include "http/access_log_template.hpp"
#include "serve/arbiter.hpp"
#include "serve/arbiter_exec.hpp"
#include "serve/cpu_count.hpp"
#include "serve/serve_options.hpp"
#include "util/log.hpp"
#include "util/log_fields.hpp"
#include "worker/gunicorn_config.hpp"
#include "worker/worker_entry.hpp"

namespace paasrun::app {
namespace {

using worker::ServeOptions;

struct ServeArgs {
    std::unique_ptr<ServeCli> cli;
    std::string worker_cmd;    // tests only: exec this instead of `paasrun __worker`
    bool print_table = false;  // docs: print the options table (docs/serve.md) and exit
};

// paasrun.yaml in the app directory (--chdir, else the current one), below env and flags.
bool apply_app_manifest(ServeOptions& o, const worker::FlagGiven& given) {
    auto m = worker::load_app_manifest(o.chdir);
    if (!m) {
        log::error("arbiter", "bad manifest error={}", log::quote(m.error().describe()));
        return false;
    }
    if (!*m) return true;
    worker::apply_manifest(o, **m, given);
    log::info(
        "arbiter", "settings from manifest file={}",
        log::quote((std::filesystem::path(o.chdir.empty() ? "." : o.chdir) / worker::kManifestFile)
                       .string()));
    return true;
}

int bad_option(const Error& e) {
    log::error("arbiter", "bad option error={}", log::quote(e.describe()));
    return 2;
}

// gunicorn.conf.py: -c from the command line, else from GUNICORN_CMD_ARGS, else the file in
// the current directory when there is one (gunicorn's default). nullopt = no config file.
std::optional<std::string> config_source(const ServeLayer& cli, const ServeLayer& env) {
    if (const auto* v = cli.find("config")) return v->back();
    if (const auto* v = env.find("config")) return v->back();
    std::error_code ec;
    if (std::filesystem::is_regular_file(worker::kGunicornConfigFile, ec))
        return std::string(worker::kGunicornConfigFile);
    return std::nullopt;
}

// The interpreter a config file (or --check-config's import) runs in: the app's, as far as
// the layers read so far say.
wsgi::InterpreterOptions interpreter_for(const ServeOptions& o) {
    wsgi::InterpreterOptions py;
    py.venv = o.venv;
    py.chdir = o.chdir;
    py.pythonpath = o.pythonpath;
    return py;
}

void print_config(const ServeOptions& o) {
    for (const auto& row : worker::serve_option_table())
        if (!row.wire.empty())
            std::printf("%-26s = %s\n", std::string(row.wire).c_str(),
                        worker::option_value_text(o, row).c_str());
    std::fflush(stdout);
}

int run_serve(ServeArgs& a) {
    if (a.print_table) {
        std::fputs(worker::options_markdown_table().c_str(), stdout);
        return 0;
    }
    auto cli = a.cli->layer("command line");
    if (!cli) {
        std::fprintf(stderr, "paasrun serve: %s\n", cli.error().message.c_str());
        return 2;
    }
    auto env = gunicorn_cmd_args_layer(std::getenv("GUNICORN_CMD_ARGS"));
    if (!env) return bad_option(env.error());

    // The config file runs in the interpreter the higher layers name (--venv, --chdir).
    ServeOptions o;
    std::vector<ServeLayer> layers;
    if (auto source = config_source(*cli, *env)) {
        ServeOptions upper;
        if (auto st = apply_layer(upper, *env); !st) return bad_option(st.error());
        if (auto st = apply_layer(upper, *cli); !st) return bad_option(st.error());
        auto py = interpreter_for(upper);
        py.chdir.clear();  // gunicorn reads its config file before it changes directory
        auto entries = worker::evaluate_gunicorn_config(*source, py);
        if (!entries) {
            log::error("arbiter", "bad config file file={} error={}", log::quote(*source),
                       log::quote(entries.error().describe()));
            return 2;
        }
        auto config = config_file_layer(*source, *entries);
        for (const auto& w : config.warnings)
            log::warn("arbiter", "config file setting ignored file={} why={}", log::quote(*source),
                      log::quote(w));
        log::info("arbiter", "settings from config file file={} count={}", log::quote(*source),
                  config.layer.values.size());
        config.layer.values.emplace_back(worker::find_option_by_wire("config"),
                                         std::vector<std::string>{*source});
        layers.push_back(std::move(config.layer));
    }
    layers.push_back(std::move(*env));
    layers.push_back(std::move(*cli));
    for (const auto& layer : layers)
        if (auto st = apply_layer(o, layer); !st) return bad_option(st.error());
    auto given = [&layers](std::string_view wire) {
        for (const auto& l : layers)
            if (l.find(wire)) return true;
        return false;
    };

    // JSON access lines when the whole output is JSON (`up/start --log-format json` sets
    // PAASRUN_LOG_FORMAT=json), unless a format was given.
    if (!given("access-log-format") && log::format() == log::Format::json)
        o.access_log_format = worker::AccessLogFormat::json;
    if (!apply_app_manifest(o, given)) return 2;
    bool auto_count = o.workers == 0;
    auto count = worker::auto_worker_count(worker::probe_cpu_facts());
    auto st = worker::resolve_defaults(o, worker::process_env(), given("forwarded-allow-ips"),
                                       count.workers);
    if (!st) return bad_option(st.error());
    if (!o.access_log_template.empty())
        if (auto t = http::AccessLogTemplate::compile(o.access_log_template); !t)
            return bad_option(Error(fmt::format("--access-logformat: {}", t.error().message)));
    if (auto_count && !worker::process_env()("WEB_CONCURRENCY"))
        log::info("arbiter", "worker count derived from the machine workers={} {}", o.workers,
                  count.reason);
    if (o.print_config) {
        print_config(o);
        return 0;
    }
    if (o.check_config) {
        if (auto imported = worker::check_app_imports(o.app, interpreter_for(o)); !imported) {
            log::error("arbiter", "check failed error={}", log::quote(imported.error().describe()));
            return 1;
        }
        log::info("arbiter", "configuration is good app={}", log::quote(o.app));
        return 0;
    }
    // -e/--env: the arbiter's environment, so every worker inherits it.
    for (const auto& kv : o.raw_env) {
        auto eq = kv.find('=');
        ::setenv(kv.substr(0, eq).c_str(), kv.substr(eq + 1).c_str(), 1);
    }

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
    auto* s =
        app.add_subcommand("serve",
                           "Serve a WSGI or ASGI app with pre-forked embedded-CPython workers "
                           "(gunicorn-compatible options; see docs/serve.md)");
    // Every option comes from the one table (serve/serve_option_table.hpp).
    a->cli = std::make_unique<ServeCli>(*s);
    s->add_option("--worker-cmd", a->worker_cmd,
                  "testing only: comma-separated command to exec as a worker")
        ->group("");
    s->add_flag("--print-options-table", a->print_table,
                "docs: print the options table of docs/serve.md")
        ->group("");
    cmds.add(s, [a] { return run_serve(*a); });

    // The arbiter's fork+exec target; not for people (arbiter_handoff.hpp has the format).
    auto* w = app.add_subcommand("__worker", "internal: one worker of `paasrun serve`");
    w->group("");
    w->prefix_command();
    // Same entry as the lean paasrun-worker executable (src/worker_exe/main.cpp).
    cmds.add(w, [w] { return worker::run_worker_from_handoff(w->remaining()); });
}

}  // namespace paasrun::app
