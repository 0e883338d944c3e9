#include "wsgi/app.hpp"

#include "wsgi/app_state.hpp"
#include "wsgi/errors_stream.hpp"
#include "wsgi/input_stream.hpp"
#include "wsgi/interpreter.hpp"
#include "wsgi/python_support.hpp"

namespace paasrun::wsgi {
namespace {

// The pending exception as an Error: AppLoadError (a spec that names no callable) is one
// line; anything raised while importing the app keeps its whole traceback.
Error load_error(std::string_view what, const PythonSupport* support) {
    if (support != nullptr && PyErr_ExceptionMatches(support->load_error_type.get())) {
        PyObject *type = nullptr, *value = nullptr, *tb = nullptr;
        PyErr_Fetch(&type, &value, &tb);
        PyRef t(type), v(value), b(tb);
        PyRef s(v ? PyObject_Str(v.get()) : nullptr);
        const char* msg = s ? PyUnicode_AsUTF8(s.get()) : nullptr;
        std::string text = msg != nullptr ? msg : "app load error";
        PyErr_Clear();
        return Error(fmt::format("{}: {}", what, text));
    }
    return Error(fmt::format("{}:\n{}", what, take_python_error()));
}

// What importing the app created lives as long as the worker. Collect once, then move it
// to the permanent generation (gc.freeze, CPython >= 3.7), so that later full collections
// do not walk it: with Flask imported a full collection takes ~7 ms here, a pause every
// request in flight would wait for (p99); after freeze it is ~0. Best effort.
void freeze_import_time_objects() {
    PyRef gc(PyImport_ImportModule("gc"));
    if (gc) {
        PyRef collected(PyObject_CallMethod(gc.get(), "collect", nullptr));
        PyRef frozen(PyObject_CallMethod(gc.get(), "freeze", nullptr));
    }
    PyErr_Clear();
}

}  // namespace

App::App(std::unique_ptr<State> s) : state_(std::move(s)) {}
App::App(App&&) noexcept = default;
App& App::operator=(App&&) noexcept = default;
App::~App() = default;

Result<App> App::load(std::string_view spec, const AppOptions& options) {
    auto parsed = parse_app_spec(spec);
    if (!parsed) return std::move(parsed).error();
    return load(*parsed, options);
}

Result<App> App::load(const AppSpec& spec, const AppOptions& options) {
    const std::string what = fmt::format("failed to load app '{}:{}'", spec.module, spec.attribute);
    const PythonSupport* support = python_support();
    if (support == nullptr || input_stream_type() == nullptr)
        return Error("paasrun.wsgi helpers: " + take_python_error());

    PyRef callable(PyObject_CallFunction(support->load_app.get(), "sssO", spec.module.c_str(),
                                         spec.attribute.c_str(), spec.call_args.c_str(),
                                         spec.is_call ? Py_True : Py_False));
    if (!callable) return load_error(what, support);

    auto state = std::make_unique<State>();
    state->callable = std::move(callable);
    state->errors = errors_stream_new(options.errors);
    if (!state->errors) return Error("wsgi.errors: " + take_python_error());
    if (!state->environ.init(options, state->errors.get(), support->file_wrapper_type.get()))
        return Error("environ template: " + take_python_error());
    freeze_import_time_objects();
    return App(std::move(state));
}

}  // namespace paasrun::wsgi
