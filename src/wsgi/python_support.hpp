// Helpers written in Python, compiled once per process from embedded source: the
// wsgi.file_wrapper class (PEP 3333's reference FileWrapper) and the app loader, whose
// spec-with-call form needs ast.literal_eval. Neither is on a hot path.
#pragma once

#include <cstdint>
#include <optional>

#include "wsgi/app.hpp"
#include "wsgi/exchange.hpp"
#include "wsgi/py_ref.hpp"

namespace paasrun::wsgi {

struct PythonSupport {
    PyRef file_wrapper_type;  // class FileWrapper(filelike, blksize=8192)
    PyRef load_app;           // load_app(module, attribute, call_args, is_call) -> callable
    PyRef load_error_type;    // AppLoadError: a one-line reason, no traceback worth showing
};

/// Compiles the helpers (once; later calls return the same). Null on failure with a
/// Python error set. GIL held.
[[nodiscard]] const PythonSupport* python_support();

/// When `result` is a FileWrapper around a file with a working fileno() on a regular file,
/// the region from its current position to the end of the file. Otherwise nullopt (the
/// wrapper is then iterated like any iterable). Never leaves a Python error set. GIL held.
[[nodiscard]] std::optional<FileRegion> file_wrapper_region(PyObject* result);

}  // namespace paasrun::wsgi
