#include "wsgi/python_support.hpp"

#include <sys/stat.h>

#include <memory>

namespace paasrun::wsgi {
namespace {

constexpr const char* kSource = R"PY(
import importlib as _importlib


class AppLoadError(Exception):
    """The spec named something that is not a WSGI callable (message says what)."""


class FileWrapper:
    """wsgi.file_wrapper (PEP 3333, "Optional Platform-Specific File Handling").

    paasrun sends a wrapped regular file with sendfile(2); anything else (BytesIO, sockets)
    is iterated in blksize reads.
    """

    def __init__(self, filelike, blksize=8192):
        self.filelike = filelike
        self.blksize = blksize
        if hasattr(filelike, "close"):
            self.close = filelike.close

    def __iter__(self):
        return self

    def __next__(self):
        data = self.filelike.read(self.blksize)
        if data:
            return data
        raise StopIteration


def load_app(module_name, attribute, call_args, is_call):
    module = _importlib.import_module(module_name)
    obj = module
    for part in attribute.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise AppLoadError(
                f"Failed to find attribute {attribute!r} in {module_name!r}.") from None
    if is_call:
        import ast as _ast  # only factory specs pay for it

        try:
            call = _ast.parse(f"f({call_args})", mode="eval").body
            args = [_ast.literal_eval(a) for a in call.args]
            if any(k.arg is None for k in call.keywords):
                raise ValueError("**kwargs")
            kwargs = {k.arg: _ast.literal_eval(k.value) for k in call.keywords}
        except (SyntaxError, ValueError) as e:
            raise AppLoadError(
                f"Failed to parse arguments {call_args!r}: only literal values are allowed ({e})"
            ) from None
        if not callable(obj):
            raise AppLoadError(f"{attribute!r} in {module_name!r} is not callable.")
        obj = obj(*args, **kwargs)
    if obj is None:
        raise AppLoadError(f"Failed to find application object: {attribute!r} is None.")
    if not callable(obj):
        raise AppLoadError("Application object must be callable.")
    return obj
)PY";

PyRef get(PyObject* dict, const char* name) {
    return PyRef::borrow(PyDict_GetItemString(dict, name));
}

}  // namespace

const PythonSupport* python_support() {
    static PythonSupport* support = nullptr;  // lives as long as the interpreter
    if (support != nullptr) return support;

    PyRef module(PyModule_New("paasrun.wsgi"));
    if (!module) return nullptr;
    PyObject* dict = PyModule_GetDict(module.get());  // borrowed
    if (PyDict_SetItemString(dict, "__builtins__", PyEval_GetBuiltins()) != 0) return nullptr;
    PyRef code(Py_CompileString(kSource, "<paasrun.wsgi>", Py_file_input));
    if (!code) return nullptr;
    PyRef ran(PyEval_EvalCode(code.get(), dict, dict));
    if (!ran) return nullptr;

    auto s = std::make_unique<PythonSupport>();
    s->file_wrapper_type = get(dict, "FileWrapper");
    s->load_app = get(dict, "load_app");
    s->load_error_type = get(dict, "AppLoadError");
    if (!s->file_wrapper_type || !s->load_app || !s->load_error_type) {
        PyErr_SetString(PyExc_RuntimeError, "paasrun.wsgi helpers are incomplete");
        return nullptr;
    }
    support = s.release();
    return support;
}

std::optional<FileRegion> file_wrapper_region(PyObject* result) {
    const PythonSupport* support = python_support();
    if (support == nullptr ||
        Py_TYPE(result) != reinterpret_cast<PyTypeObject*>(support->file_wrapper_type.get())) {
        PyErr_Clear();
        return std::nullopt;
    }
    PyRef filelike(PyObject_GetAttrString(result, "filelike"));
    if (!filelike) {
        PyErr_Clear();
        return std::nullopt;
    }
    // io.BytesIO.fileno() raises UnsupportedOperation; sockets/pipes fail S_ISREG below.
    PyRef fileno(PyObject_CallMethod(filelike.get(), "fileno", nullptr));
    if (!fileno || !PyLong_Check(fileno.get())) {
        PyErr_Clear();
        return std::nullopt;
    }
    long fd = PyLong_AsLong(fileno.get());
    if (fd < 0 || PyErr_Occurred()) {
        PyErr_Clear();
        return std::nullopt;
    }
    struct stat st {};
    if (::fstat(static_cast<int>(fd), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
    // tell(), not lseek(): a buffered reader's logical position differs from the fd's.
    std::uint64_t offset = 0;
    if (PyObject_HasAttrString(filelike.get(), "tell")) {
        PyRef pos(PyObject_CallMethod(filelike.get(), "tell", nullptr));
        if (!pos) {
            PyErr_Clear();
            return std::nullopt;
        }
        long long p = PyLong_AsLongLong(pos.get());
        if (p < 0 || PyErr_Occurred()) {
            PyErr_Clear();
            return std::nullopt;
        }
        offset = static_cast<std::uint64_t>(p);
    }
    auto size = static_cast<std::uint64_t>(st.st_size);
    return FileRegion{static_cast<int>(fd), offset, size > offset ? size - offset : 0};
}

}  // namespace paasrun::wsgi
