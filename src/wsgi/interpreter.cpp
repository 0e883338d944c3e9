#include "wsgi/interpreter.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <memory>

#include "util/strings.hpp"
#include "wsgi/py_ref.hpp"

namespace paasrun::wsgi {
namespace {

bool is_executable_file(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
           ::access(path.c_str(), X_OK) == 0;
}

std::string venv_python(std::string_view venv) {
    std::string p(venv);
    while (p.size() > 1 && p.back() == '/') p.pop_back();
    return p + "/bin/python";
}

EnvLookup default_env() {
    return [](std::string_view name) -> std::optional<std::string> {
        const char* v = std::getenv(std::string(name).c_str());
        if (v == nullptr) return std::nullopt;
        return std::string(v);
    };
}

std::vector<std::string> split(std::string_view text, char sep) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start <= text.size()) {
        std::size_t end = text.find(sep, start);
        if (end == std::string_view::npos) end = text.size();
        if (end > start) out.emplace_back(text.substr(start, end - start));
        start = end + 1;
    }
    return out;
}

std::string utf8_of(PyObject* o) {
    if (o == nullptr || !PyUnicode_Check(o)) return {};
    Py_ssize_t n = 0;
    const char* s = PyUnicode_AsUTF8AndSize(o, &n);
    if (s == nullptr) {
        PyErr_Clear();
        return {};
    }
    return std::string(s, static_cast<std::size_t>(n));
}

// RAII for a PyConfig (PyConfig_Clear frees its wide strings).
struct ConfigGuard {
    PyConfig config;
    ConfigGuard() { PyConfig_InitIsolatedConfig(&config); }
    ~ConfigGuard() { PyConfig_Clear(&config); }
    ConfigGuard(const ConfigGuard&) = delete;
    ConfigGuard& operator=(const ConfigGuard&) = delete;
};

Error status_error(std::string_view what, const PyStatus& st) {
    std::string msg(what);
    if (st.func != nullptr) msg += fmt::format(" ({})", st.func);
    if (st.err_msg != nullptr) msg += fmt::format(": {}", st.err_msg);
    return Error(std::move(msg));
}

// Prepends `entries` to sys.path, keeping their order. GIL held.
Status prepend_sys_path(const std::vector<std::string>& entries) {
    PyObject* path = PySys_GetObject("path");  // borrowed
    if (path == nullptr || !PyList_Check(path)) return Error("sys.path is not a list");
    for (std::size_t i = 0; i < entries.size(); ++i) {
        PyRef item(PyUnicode_DecodeFSDefault(entries[i].c_str()));
        if (!item || PyList_Insert(path, static_cast<Py_ssize_t>(i), item.get()) != 0)
            return Error("sys.path insert: " + take_python_error());
    }
    return {};
}

}  // namespace

Result<std::string> resolve_python_executable(std::string_view venv, std::string_view app_dir,
                                              const EnvLookup& env) {
    if (!venv.empty()) {
        std::string exe = venv_python(venv);
        if (!is_executable_file(exe))
            return Error(fmt::format("--venv {}: no executable {}", venv, exe));
        return exe;
    }
    if (env) {
        if (auto v = env("VIRTUAL_ENV"); v && !v->empty()) {
            std::string exe = venv_python(*v);
            if (is_executable_file(exe)) return exe;
        }
    }
    if (!app_dir.empty()) {
        std::string exe = venv_python(std::string(app_dir) + "/.venv");
        if (is_executable_file(exe)) return exe;
    }
    return std::string("/usr/bin/python3");
}

Status check_venv_version(const std::string& python_executable) {
    // CPython's getpath looks for pyvenv.cfg beside the executable, then one level up.
    std::string dir = python_executable.substr(0, python_executable.rfind('/'));
    std::string parent = dir.substr(0, dir.rfind('/'));
    for (const std::string& cfg : {dir + "/pyvenv.cfg", parent + "/pyvenv.cfg"}) {
        std::ifstream in(cfg);
        if (!in) continue;
        std::string line;
        while (std::getline(in, line)) {
            auto eq = line.find('=');
            if (eq == std::string::npos) continue;
            auto key = trim(std::string_view(line).substr(0, eq));
            if (key != "version" && key != "version_info") continue;
            std::string value(trim(std::string_view(line).substr(eq + 1)));
            // "3.11.2" must start with "3.11." (or be exactly "3.11").
            std::string want = fmt::format("{}.{}", PY_MAJOR_VERSION, PY_MINOR_VERSION);
            if (value == want || value.starts_with(want + ".")) return {};
            return Error(fmt::format("{}: venv made by Python {}, but paasrun embeds Python {}",
                                     cfg, value, want));
        }
        return {};
    }
    return {};
}

Result<Interpreter> Interpreter::initialize(const InterpreterOptions& options) {
    if (Py_IsInitialized()) return Error("the Python interpreter is already initialized");
    const EnvLookup env = options.env ? options.env : default_env();

    if (!options.chdir.empty() && ::chdir(options.chdir.c_str()) == -1)
        return sys_error("chdir({})", options.chdir);
    std::unique_ptr<char, decltype(&std::free)> cwd(::getcwd(nullptr, 0), &std::free);
    if (!cwd) return sys_error("getcwd");
    const std::string app_dir(cwd.get());

    auto exe = resolve_python_executable(options.venv, app_dir, env);
    if (!exe) return std::move(exe).error();
    if (auto ok = check_venv_version(*exe); !ok) return std::move(ok).error();

    ConfigGuard guard;
    PyConfig& config = guard.config;
    // Isolated: no PYTHON* variables, no user site-packages, no script dir on sys.path;
    // the embedding host decides (PEP 587).
    PyStatus st = PyConfig_SetBytesString(&config, &config.program_name, exe->c_str());
    if (PyStatus_Exception(st)) return status_error("PyConfig program_name", st);
    config.buffered_stdio = 0;           // print() reaches the log at once (PYTHONUNBUFFERED)
    config.faulthandler = 1;             // SIGSEGV/SIGABRT/... dump Python stacks to fd 2
    config.install_signal_handlers = 0;  // the worker's event loop owns SIGINT/SIGTERM
    config.parse_argv = 0;

    std::vector<char*> argv;
    for (const auto& a : options.argv) argv.push_back(const_cast<char*>(a.c_str()));
    if (!argv.empty()) {
        st = PyConfig_SetBytesArgv(&config, static_cast<Py_ssize_t>(argv.size()), argv.data());
        if (PyStatus_Exception(st)) return status_error("PyConfig argv", st);
    }
    if (auto v = env("PYTHONDONTWRITEBYTECODE"); v && !v->empty()) config.write_bytecode = 0;
    if (auto v = env("PYTHONWARNINGS"); v) {
        for (const auto& w : split(*v, ',')) {
            // Python is pre-initialized by PyConfig_SetBytesString, so Py_DecodeLocale works.
            wchar_t* wide = Py_DecodeLocale(w.c_str(), nullptr);
            if (wide == nullptr) return Error("PYTHONWARNINGS: cannot decode " + w);
            st = PyWideStringList_Append(&config.warnoptions, wide);
            PyMem_RawFree(wide);
            if (PyStatus_Exception(st)) return status_error("PyConfig warnoptions", st);
        }
    }

    st = Py_InitializeFromConfig(&config);
    if (PyStatus_Exception(st)) return status_error("Python initialization failed", st);
    Interpreter interp;
    interp.owns_ = true;

    // gunicorn puts the app dir first so "app:application" imports from it, then
    // --pythonpath entries; PYTHONPATH follows (it would have, without isolation).
    std::vector<std::string> front{app_dir};
    front.insert(front.end(), options.pythonpath.begin(), options.pythonpath.end());
    if (auto v = env("PYTHONPATH"); v) {
        auto extra = split(*v, ':');
        front.insert(front.end(), extra.begin(), extra.end());
    }
    if (auto ok = prepend_sys_path(front); !ok) return std::move(ok).error();
    return interp;
}

Interpreter::Interpreter(Interpreter&& o) noexcept : owns_(std::exchange(o.owns_, false)) {}

namespace {

// The app loader moves import-time objects to gc's permanent generation (gc.freeze, see
// app.cpp); finalization never collects that generation, so objects in it (and the C++ state
// they own, such as wsgi.errors' handler) would never be freed. Unfreeze first.
void finalize() {
    if (PyRef gc{PyImport_ImportModule("gc")})
        PyRef{PyObject_CallMethod(gc.get(), "unfreeze", nullptr)};
    PyErr_Clear();
    Py_FinalizeEx();
}

}  // namespace

Interpreter& Interpreter::operator=(Interpreter&& o) noexcept {
    if (this != &o) {
        if (owns_) finalize();
        owns_ = std::exchange(o.owns_, false);
    }
    return *this;
}

Interpreter::~Interpreter() {
    if (owns_) finalize();
}

std::string Interpreter::executable() const {
    return utf8_of(PySys_GetObject("executable"));
}
std::string Interpreter::prefix() const {
    return utf8_of(PySys_GetObject("prefix"));
}

Status register_stack_dump(int signum) {
    PyRef faulthandler(PyImport_ImportModule("faulthandler"));
    if (!faulthandler) return Error("import faulthandler: " + take_python_error());
    PyRef reg(PyObject_GetAttrString(faulthandler.get(), "register"));
    if (!reg) return Error("faulthandler.register: " + take_python_error());
    PyRef args(Py_BuildValue("(i)", signum));
    PyRef kwargs(Py_BuildValue("{s:O,s:O}", "all_threads", Py_True, "chain", Py_False));
    if (!args || !kwargs) return Error("faulthandler.register args: " + take_python_error());
    PyRef r(PyObject_Call(reg.get(), args.get(), kwargs.get()));
    if (!r) return Error(fmt::format("faulthandler.register({}): {}", signum, take_python_error()));
    return {};
}

std::string take_python_error() {
    if (!PyErr_Occurred()) return {};
    PyObject *type = nullptr, *value = nullptr, *tb = nullptr;
    PyErr_Fetch(&type, &value, &tb);
    PyErr_NormalizeException(&type, &value, &tb);
    PyRef t(type), v(value), b(tb);
    if (b && v) PyException_SetTraceback(v.get(), b.get());

    PyRef traceback(PyImport_ImportModule("traceback"));
    PyRef lines;
    if (traceback) {
        lines = PyRef(PyObject_CallMethod(traceback.get(), "format_exception", "OOO",
                                          t ? t.get() : Py_None, v ? v.get() : Py_None,
                                          b ? b.get() : Py_None));
    }
    if (lines) {
        PyRef empty(PyUnicode_FromString(""));
        PyRef joined(empty ? PyUnicode_Join(empty.get(), lines.get()) : nullptr);
        if (joined) {
            std::string text = utf8_of(joined.get());
            while (!text.empty() && text.back() == '\n') text.pop_back();
            PyErr_Clear();
            return text;
        }
    }
    PyErr_Clear();
    // The traceback module itself failed (e.g. MemoryError): fall back to str(value).
    PyRef s(v ? PyObject_Str(v.get()) : nullptr);
    std::string text = s ? utf8_of(s.get()) : std::string("unknown Python error");
    PyErr_Clear();
    return text;
}

GilGuard::GilGuard() noexcept : state_(static_cast<int>(PyGILState_Ensure())) {}
GilGuard::~GilGuard() {
    PyGILState_Release(static_cast<PyGILState_STATE>(state_));
}

GilRelease::GilRelease() noexcept : saved_(PyEval_SaveThread()) {}
GilRelease::~GilRelease() {
    PyEval_RestoreThread(saved_);
}

// The outer Ensure creates this thread's PyThreadState and keeps its counter above zero, so
// later GilGuards only swap the GIL in and out instead of creating and deleting a thread
// state per request (which would also reset threading.local data).
PythonThread::PythonThread() noexcept
    : outer_(static_cast<int>(PyGILState_Ensure())), saved_(PyEval_SaveThread()) {}

PythonThread::~PythonThread() {
    PyEval_RestoreThread(saved_);
    PyGILState_Release(static_cast<PyGILState_STATE>(outer_));
}

}  // namespace paasrun::wsgi
