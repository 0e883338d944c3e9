#include "wsgi/config_file.hpp"

#include <fmt/format.h>

#include <cstdio>

#include "util/strings.hpp"
#include "wsgi/py_ref.hpp"

namespace paasrun::wsgi {
namespace {

// gunicorn's Application.get_config_from_filename / _from_module_name, then the report.
// A NUL inside a value cannot cross the wire format; gunicorn would hand such a value to
// the OS and fail there, so refusing it here is the same answer, earlier.
constexpr const char* kSource = R"PY(
import importlib, importlib.util, os, types

def _paasrun_config(source, fd):
    if source.startswith("python:"):
        ns = vars(importlib.import_module(source[len("python:"):]))
    else:
        ns = {"__file__": source, "__name__": "__config__", "__builtins__": __builtins__}
        with open(source, "rb") as f:
            code = compile(f.read(), source, "exec")
        exec(code, ns)
    out = []
    def word(s):
        s = str(s)
        if "\0" in s:
            raise ValueError("a NUL byte in a config value")
        out.append(s.encode("utf-8", "surrogateescape") + b"\0")
    for name, value in list(ns.items()):
        if name.startswith("__") or isinstance(value, types.ModuleType) or value is None:
            continue
        if callable(value) and not isinstance(value, (str, bytes)):
            word(name); word("c"); word(0)
            continue
        if isinstance(value, bool):
            items = ["true" if value else "false"]
        elif isinstance(value, (list, tuple)):
            items = [("true" if v else "false") if isinstance(v, bool) else v for v in value]
        elif isinstance(value, dict):
            items = ["%s=%s" % kv for kv in value.items()]
        else:
            items = [value]
        word(name); word("v"); word(len(items))
        for v in items:
            word(v)
    data = b"".join(out)
    while data:
        data = data[os.write(fd, data):]
)PY";

}  // namespace

int write_config_entries(const std::string& source, const InterpreterOptions& py, int out_fd) {
    auto interpreter = Interpreter::initialize(py);
    if (!interpreter) {
        std::fprintf(stderr, "%s\n", interpreter.error().describe().c_str());
        return 1;
    }
    PyRef module(PyModule_New("paasrun.config"));
    if (!module) return PyErr_Print(), 1;
    PyObject* dict = PyModule_GetDict(module.get());  // borrowed
    if (PyDict_SetItemString(dict, "__builtins__", PyEval_GetBuiltins()) != 0)
        return PyErr_Print(), 1;
    PyRef code(Py_CompileString(kSource, "<paasrun.config>", Py_file_input));
    if (!code) return PyErr_Print(), 1;
    PyRef ran(PyEval_EvalCode(code.get(), dict, dict));
    if (!ran) return PyErr_Print(), 1;
    PyObject* fn = PyDict_GetItemString(dict, "_paasrun_config");  // borrowed
    PyRef result(PyObject_CallFunction(fn, "si", source.c_str(), out_fd));
    if (!result) {
        PyErr_Print();
        std::fflush(stderr);
        return 1;
    }
    return 0;
}

std::string encode_config_entries(const std::vector<ConfigEntry>& entries) {
    std::string out;
    auto word = [&out](std::string_view s) {
        out += s;
        out += '\0';
    };
    for (const auto& e : entries) {
        word(e.name);
        word(e.callable ? "c" : "v");
        word(std::to_string(e.values.size()));
        for (const auto& v : e.values) word(v);
    }
    return out;
}

Result<std::vector<ConfigEntry>> decode_config_entries(std::string_view bytes) {
    std::vector<ConfigEntry> out;
    auto next = [&bytes](std::string_view& w) {
        auto nul = bytes.find('\0');
        if (nul == std::string_view::npos) return false;
        w = bytes.substr(0, nul);
        bytes.remove_prefix(nul + 1);
        return true;
    };
    while (!bytes.empty()) {
        std::string_view name, kind, count;
        std::size_t n = 0;
        if (!next(name) || !next(kind) || !next(count) || (kind != "v" && kind != "c") ||
            !parse_int(count, n) || n > bytes.size())
            return Error("config file reader: malformed report");
        ConfigEntry e{std::string(name), kind == "c", {}};
        for (std::size_t i = 0; i < n; ++i) {
            std::string_view v;
            if (!next(v)) return Error("config file reader: malformed report");
            e.values.emplace_back(v);
        }
        out.push_back(std::move(e));
    }
    return out;
}

}  // namespace paasrun::wsgi
