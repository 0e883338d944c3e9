// Evaluating a gunicorn config file (gunicorn.conf.py) with the embedded interpreter.
//
// gunicorn's config file is Python: `workers = multiprocessing.cpu_count() * 2 + 1`. It is
// run as gunicorn runs it (compiled and exec'd in a fresh namespace with __file__ set;
// "python:pkg.mod" imports a module instead), then every top-level name that is not a
// dunder or a module is reported:
//   - a value: bool -> "true"/"false", list/tuple -> its items, anything else -> str(value);
//     None is skipped (gunicorn's "use the default");
//   - a callable (a server hook such as post_fork, or a helper function) as kind `callable`.
// The caller decides which names are settings (worker/gunicorn_config.hpp); unknown names
// are helper variables and gunicorn ignores them too.
//
// Runs in the CALLING process and initialises Python there: worker/gunicorn_config.hpp calls
// it in a short-lived child so that `paasrun serve` (and the arbiter it becomes) stay free of
// an interpreter.
#pragma once

#include <string>
#include <vector>

#include "util/result.hpp"
#include "wsgi/interpreter.hpp"

namespace paasrun::wsgi {

struct ConfigEntry {
    std::string name;
    bool callable = false;
    std::vector<std::string> values;

    bool operator==(const ConfigEntry&) const = default;
};

/// Initialises the interpreter with `py`, runs `source` (a path, or "python:MODULE") and
/// writes the entries to `out_fd` in encode_config_entries() format. Returns the process exit
/// code for the child: 0, or 1 when the file raised (the traceback is on stderr first).
[[nodiscard]] int write_config_entries(const std::string& source, const InterpreterOptions& py,
                                       int out_fd);

/// The wire format between child and parent: per entry "name\0kind\0count\0v1\0...vN\0",
/// kind "v" or "c". Pure.
[[nodiscard]] std::string encode_config_entries(const std::vector<ConfigEntry>& entries);
[[nodiscard]] Result<std::vector<ConfigEntry>> decode_config_entries(std::string_view bytes);

}  // namespace paasrun::wsgi
