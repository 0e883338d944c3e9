// The embedded CPython interpreter of a worker process, and who holds the GIL when.
//
// One Interpreter per process, created on the main thread before any other thread touches
// Python. It is configured with PyConfig_InitIsolatedConfig (no PYTHON* variable, no user
// site, no script dir on sys.path) and pointed at the app's virtualenv by setting
// program_name to <venv>/bin/python: CPython's getpath then finds <venv>/pyvenv.cfg, makes
// sys.prefix the venv and site.py adds its site-packages (plus the system ones when
// pyvenv.cfg says include-system-site-packages = true).
//
// GIL contract (the whole src/wsgi API follows it):
//   - Interpreter::initialize() returns with the calling (main) thread HOLDING the GIL.
//   - Every function of src/wsgi that takes or returns Python state needs the GIL; the
//     headers say so per function. Functions marked "no GIL" must be called WITHOUT it.
//   - A thread other than the initialising one attaches once with PythonThread (a persistent
//     PyThreadState, so threading.local in the app survives across requests and taking the
//     GIL costs no allocation), then takes the GIL with GilGuard around each Python step.
//   - GilRelease drops the GIL of the current thread for a scope (blocking I/O, the event
//     loop); never touch a Python object inside it.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.hpp"

struct _ts;  // CPython's PyThreadState, kept opaque so no header here includes Python.h

namespace paasrun::wsgi {

/// Looks up an environment variable; std::nullopt when unset (injected so tests stay pure).
using EnvLookup = std::function<std::optional<std::string>(std::string_view)>;

struct InterpreterOptions {
    std::string venv;                          // --venv ("" = VIRTUAL_ENV, else <app_dir>/.venv)
    std::string chdir;                         // --chdir: chdir(2) before init ("" = stay)
    std::vector<std::string> pythonpath;       // --pythonpath: inserted after the app dir
    std::vector<std::string> argv{"paasrun"};  // sys.argv
    // PYTHONPATH, PYTHONDONTWRITEBYTECODE and PYTHONWARNINGS are honoured explicitly (the
    // isolated config ignores every PYTHON* variable; these three are the ones apps set on
    // a PaaS). Resolved through `env`; default: the process environment.
    EnvLookup env;
};

/// The interpreter a venv resolves to: <venv>/bin/python when `venv` is given (an error
/// when it has no bin/python), else $VIRTUAL_ENV/bin/python, else <app_dir>/.venv/bin/python
/// (each skipped when missing), else "/usr/bin/python3" (Debian's, matching libpython).
/// Pure apart from stat(2) on the candidates.
[[nodiscard]] Result<std::string> resolve_python_executable(std::string_view venv,
                                                            std::string_view app_dir,
                                                            const EnvLookup& env);

/// Checks that a venv's pyvenv.cfg (next to or one level above `python_executable`) was
/// made by the same X.Y Python as the embedded libpython: a venv of another Python would
/// load a foreign stdlib. Ok when there is no pyvenv.cfg (not a venv).
[[nodiscard]] Status check_venv_version(const std::string& python_executable);

/// Owns the process's interpreter. Move-only; at most one alive per process.
class Interpreter {
public:
    /// Main thread, no Python yet. chdir, PyConfig (isolated, program_name from
    /// resolve_python_executable, unbuffered stdio, faulthandler on, no Python signal
    /// handlers: the worker owns SIGINT/SIGTERM), Py_InitializeFromConfig, then
    /// sys.path = [app dir (cwd after chdir), *pythonpath, *PYTHONPATH, *default path].
    /// Returns with the GIL held by the calling thread. An Error carries Python's message.
    [[nodiscard]] static Result<Interpreter> initialize(const InterpreterOptions& options);

    Interpreter(Interpreter&& o) noexcept;
    Interpreter& operator=(Interpreter&& o) noexcept;
    Interpreter(const Interpreter&) = delete;
    Interpreter& operator=(const Interpreter&) = delete;

    /// Runs atexit handlers and finalizes (Py_FinalizeEx). Main thread, GIL held, every
    /// PythonThread already destroyed.
    ~Interpreter();

    /// sys.executable / sys.prefix as Python sees them (GIL held). For logs and tests.
    [[nodiscard]] std::string executable() const;
    [[nodiscard]] std::string prefix() const;

private:
    Interpreter() = default;
    bool owns_ = false;
};

/// faulthandler.register(signum, all_threads=True, chain=False): on `signum` every Python
/// thread's stack is written to fd 2, from a C signal handler (works while the GIL is held
/// by a stuck thread). The worker must not also handle `signum` itself. GIL held.
[[nodiscard]] Status register_stack_dump(int signum);

/// Writes the formatted traceback of the pending Python exception to a string and clears
/// it; "" when none is pending. GIL held.
[[nodiscard]] std::string take_python_error();

/// Holds the GIL for a scope (PyGILState_Ensure/Release). Nests. Any thread that is the
/// initialising thread or has a live PythonThread.
class GilGuard {
public:
    GilGuard() noexcept;
    ~GilGuard();
    GilGuard(const GilGuard&) = delete;
    GilGuard& operator=(const GilGuard&) = delete;

private:
    int state_;  // PyGILState_STATE
};

/// Releases the GIL the current thread holds for a scope (PyEval_SaveThread/RestoreThread).
class GilRelease {
public:
    GilRelease() noexcept;
    ~GilRelease();
    GilRelease(const GilRelease&) = delete;
    GilRelease& operator=(const GilRelease&) = delete;

private:
    _ts* saved_;
};

/// Registers the current (non-main) thread with Python for its lifetime. Construct and
/// destroy on that thread, WITHOUT holding the GIL; the thread holds no GIL in between
/// except inside GilGuard scopes.
class PythonThread {
public:
    PythonThread() noexcept;
    ~PythonThread();
    PythonThread(const PythonThread&) = delete;
    PythonThread& operator=(const PythonThread&) = delete;

private:
    int outer_;  // PyGILState_STATE of the outermost Ensure, kept for the thread's life
    _ts* saved_;
};

}  // namespace paasrun::wsgi
