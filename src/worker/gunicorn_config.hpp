// Reading gunicorn.conf.py for `paasrun serve` without putting Python in the arbiter.
//
// Why a child process: `paasrun serve` parses its options and then execs the lean
// paasrun-arbiter, which links no libpython (docs/architecture.md); when the lean executables
// are missing it stays the arbiter itself. Initialising the interpreter in that process would
// leave ~10 MB of Python in the arbiter for its whole life in the second case, would let
// threads or sockets a config file opens leak into every worker fork, and would let a
// config file's crash or sys.exit() take the server down half-started. So the file is run in
// a forked child that initialises the embedded interpreter (the app's venv, the current
// directory on sys.path, as gunicorn does), reports the names it defined over a pipe
// (wsgi/config_file.hpp) and exits; the parent never starts Python. Cost: one interpreter
// start (~20 ms) only when a config file exists.
//
// Server hooks (on_starting, post_fork, when_ready, ...) would need Python in the arbiter, so
// they are not run: each gets one warning by name (gunicorn_settings.hpp says why per hook).
#pragma once

#include <string>
#include <vector>

#include "util/result.hpp"
#include "wsgi/config_file.hpp"

namespace paasrun::worker {

/// gunicorn's default config file, looked up in the current directory.
inline constexpr const char* kGunicornConfigFile = "gunicorn.conf.py";

/// Runs `source` (a file path or "python:MODULE") in a child with the embedded interpreter
/// and returns what it defined. An error when the file raised (its traceback is on stderr)
/// or the child died.
[[nodiscard]] Result<std::vector<wsgi::ConfigEntry>> evaluate_gunicorn_config(
    const std::string& source, const wsgi::InterpreterOptions& py);

/// Imports `app` in a child the way a worker would (chdir, venv, pythonpath): --check-config.
/// An error when it does not import (the traceback is on stderr).
[[nodiscard]] Status check_app_imports(const std::string& app, const wsgi::InterpreterOptions& py);

}  // namespace paasrun::worker
