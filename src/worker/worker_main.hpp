// One worker of `paasrun serve`: the loop that imports the app and serves requests.
//
// The contract it implements (process state at entry, READY, heartbeat, signals, recycling)
// belongs to the arbiter and is written down with WorkerContext in serve/worker_context.hpp.
#pragma once

#include <memory>

#include "serve/worker_context.hpp"
#include "wsgi/app.hpp"
#include "wsgi/interpreter.hpp"

namespace paasrun::worker {

/// The app as a worker serves it: imported by the worker itself, or once by --preload's
/// zygote (zygote_main.hpp) and inherited by every worker forked from it.
struct LoadedApp {
    wsgi::Interpreter interpreter;
    wsgi::App app;
    bool asgi = false;  // --interface, or auto-detected from the callable
};

/// Initialises Python (chdir, venv, pythonpath), registers the stack dump signal, imports
/// `o.app` and decides WSGI or ASGI. `for_fork`: the zygote's import, with the collector
/// disabled during the import and gc.freeze() after it (wsgi/fork.hpp). On failure prints
/// why (the traceback) to stderr, sets `exit_code` (kExitBootError, kExitAppLoadError) and
/// returns null. Returns with the GIL held.
[[nodiscard]] std::unique_ptr<LoadedApp> load_app(const ServeOptions& o, bool for_fork,
                                                  int& exit_code);

/// Runs one worker to completion; the return value is the process exit code.
[[nodiscard]] int run_worker(const WorkerContext& ctx);

/// The same for a worker forked from the zygote: `loaded` is the zygote's import, the GIL is
/// held and the interpreter's after-fork reset is done (zygote_main.cpp). Re-enables the
/// collector, then sets the process up and serves exactly as run_worker does.
[[nodiscard]] int run_preloaded_worker(const WorkerContext& ctx, LoadedApp& loaded);

}  // namespace paasrun::worker
