#include "asgi/runtime.hpp"

#include <algorithm>

#include "asgi/glue_source.hpp"
#include "asgi/runtime_impl.hpp"
#include "util/log.hpp"
#include "wsgi/app_state.hpp"
#include "wsgi/interpreter.hpp"

namespace paasrun::asgi {
namespace {

// The glue module, compiled once per process.
// The namespace of `source` run as module `name`, made once (it lives as long as the
// interpreter: `slot` keeps it).
PyRef module_namespace(PyObject*& slot, const char* name, const char* source) {
    if (slot != nullptr) return PyRef::borrow(slot);
    PyRef module(PyModule_New(name));
    if (!module) return {};
    PyObject* dict = PyModule_GetDict(module.get());
    if (PyDict_SetItemString(dict, "__builtins__", PyEval_GetBuiltins()) != 0) return {};
    PyRef code(Py_CompileString(source, name, Py_file_input));
    if (!code) return {};
    PyRef ran(PyEval_EvalCode(code.get(), dict, dict));
    if (!ran) return {};
    slot = Py_NewRef(dict);
    return PyRef::borrow(slot);
}

PyRef glue_namespace() {
    static PyObject* ns = nullptr;
    return module_namespace(ns, "<paasrun.asgi>", kGlueSource);
}

PyRef detect_namespace() {
    static PyObject* ns = nullptr;
    return module_namespace(ns, "<paasrun.asgi.detect>", kDetectSource);
}

Runtime::Impl* impl_of(PyObject* capsule) {
    return static_cast<Runtime::Impl*>(PyCapsule_GetPointer(capsule, "paasrun.asgi.runtime"));
}

PyObject* poll_builtin(PyObject* capsule, PyObject*) {
    auto* im = impl_of(capsule);
    im->poll_scheduled = false;
    if (im->on_readable) {
        im->in_poll = true;
        im->on_readable();
        im->in_poll = false;
    }
    Py_RETURN_NONE;
}

PyMethodDef kPollDef = {"poll_front_end", poll_builtin, METH_NOARGS,
                        "run the C++ front end's ready handlers"};

// ("kind", "message") -> StartupResult-ish pair; false with an error set on a bad shape.
bool kind_and_message(PyObject* pair, std::string& kind, std::string& message) {
    if (!PyTuple_Check(pair) || PyTuple_GET_SIZE(pair) != 2) return false;
    const char* k = PyUnicode_AsUTF8(PyTuple_GET_ITEM(pair, 0));
    const char* m = PyUnicode_AsUTF8(PyTuple_GET_ITEM(pair, 1));
    if (k == nullptr || m == nullptr) return false;
    kind = k;
    message = m;
    return true;
}

}  // namespace

PyRef Runtime::Impl::glue_fn(const char* name) const {
    return PyRef::borrow(PyDict_GetItemString(glue.get(), name));
}

bool looks_like_asgi(const wsgi::App& app) {
    PyRef ns = detect_namespace();
    if (!ns) {
        log::error("asgi", "interface detection failed error={}",
                   log::quote(wsgi::take_python_error()));
        return false;
    }
    PyRef r(PyObject_CallFunctionObjArgs(PyDict_GetItemString(ns.get(), "looks_like_asgi"),
                                         app.state().callable.get(), nullptr));
    bool yes = r && PyObject_IsTrue(r.get()) == 1;
    PyErr_Clear();
    return yes;
}

Result<std::unique_ptr<Runtime>> Runtime::create(const wsgi::App& app,
                                                 const RuntimeOptions& options) {
    std::unique_ptr<Runtime> rt(new Runtime());
    rt->impl_ = std::make_unique<Impl>();
    Impl& im = *rt->impl_;
    im.owner = rt.get();
    auto fail = [](std::string_view what) {
        return Error(fmt::format("asgi {}: {}", what, wsgi::take_python_error()));
    };

    im.glue = glue_namespace();
    if (!im.glue) return fail("glue");
    if (!im.names.init()) return fail("names");
    im.port_type = make_port_type();
    if (!im.port_type) return fail("port type");
    im.disconnected_type = im.glue_fn("ClientDisconnected");

    PyRef made(PyObject_CallFunction(im.glue_fn("new_loop").get(), "O",
                                     options.prefer_uvloop ? Py_True : Py_False));
    if (!made) return fail("event loop");
    im.loop = PyRef::borrow(PyTuple_GetItem(made.get(), 0));
    const char* name = PyUnicode_AsUTF8(PyTuple_GetItem(made.get(), 1));
    rt->loop_name_ = name != nullptr ? name : "?";

    im.ready_type = make_ready_type();
    im.ready = im.ready_type ? new_ready(im, Py_None) : PyRef{};
    if (!im.ready) return fail("ready awaitable");
    PyObject* callable = app.state().callable.get();
    im.app = PyRef::borrow(callable);
    im.server = PyRef(
        PyObject_CallFunctionObjArgs(im.glue_fn("Server").get(), callable, im.loop.get(), nullptr));
    if (!im.server) return fail("server");
    im.request_task_type = im.glue_fn("RequestTask");
    im.empty_tuple = PyRef(PyTuple_New(0));
    for (auto [ref, text] :
         {std::pair{&im.s_paasrun_coro, "_paasrun_coro"}, std::pair{&im.s_loop, "loop"},
          std::pair{&im.s_context, "context"}, std::pair{&im.s_cancelling, "cancelling"}})
        *ref = PyRef(PyUnicode_InternFromString(text));
    im.resume_type = make_resume_type();
    if (im.resume_type) {  // Task.__init__ takes only coroutines
        PyRef registered(
            PyObject_CallOneArg(im.glue_fn("register_coroutine").get(), im.resume_type.get()));
        if (!registered) return fail("resume type");
    }
    im.wait_receive_fn = im.glue_fn("wait_receive");
    im.format_exception_fn = im.glue_fn("format_exception");
    im.cancel_fn = im.glue_fn("cancel_with_stack");
    im.enter_task_fn = im.glue_fn("_enter_task");
    im.leave_task_fn = im.glue_fn("_leave_task");
    PyRef asyncio_mod = im.glue_fn("asyncio");
    im.cancelled_type =
        asyncio_mod ? PyRef(PyObject_GetAttrString(asyncio_mod.get(), "CancelledError")) : PyRef{};
    if (!im.request_task_type || !im.empty_tuple || !im.s_paasrun_coro || !im.s_loop ||
        !im.s_context || !im.s_cancelling || !im.resume_type || !im.wait_receive_fn ||
        !im.format_exception_fn || !im.cancel_fn || !im.cancelled_type || !im.enter_task_fn ||
        !im.leave_task_fn)
        return fail("glue functions");
    im.lifespan = PyRef(PyObject_CallFunctionObjArgs(im.glue_fn("Lifespan").get(), callable,
                                                     im.loop.get(), im.server.get(), nullptr));
    if (!im.lifespan) return fail("lifespan");
    im.capsule = PyRef(PyCapsule_New(&im, "paasrun.asgi.runtime", nullptr));
    if (!im.capsule) return fail("capsule");
    im.poll_fn = PyRef(PyCFunction_New(&kPollDef, im.capsule.get()));
    if (!im.poll_fn) return fail("builtins");
    im.base_context = PyRef(PyContext_CopyCurrent());
    im.call_soon = PyRef(PyObject_GetAttrString(im.loop.get(), "call_soon"));
    im.poll_args = PyRef(PyTuple_Pack(1, im.poll_fn.get()));
    im.poll_kwargs =
        im.base_context ? PyRef(Py_BuildValue("{s:O}", "context", im.base_context.get())) : PyRef{};
    if (!im.base_context || !im.call_soon || !im.poll_args || !im.poll_kwargs)
        return fail("context");
    return rt;
}

Runtime::~Runtime() {
    if (impl_ && impl_->loop) {
        PyRef closed(PyObject_CallMethod(impl_->loop.get(), "close", nullptr));
        PyErr_Clear();
    }
}

Result<StartupResult> Runtime::startup() {
    Impl& im = *impl_;
    PyRef coro(PyObject_CallMethod(im.lifespan.get(), "startup", nullptr));
    PyRef r = coro ? PyRef(PyObject_CallFunction(im.glue_fn("run_until").get(), "OOO",
                                                 im.loop.get(), coro.get(), Py_None))
                   : PyRef{};
    std::string kind, message;
    if (!r || !kind_and_message(r.get(), kind, message))
        return Error("lifespan startup: " + wsgi::take_python_error());
    // The lifespan state, copied into every scope (shallow, as the spec says).
    PyRef state(PyObject_GetAttrString(im.server.get(), "state"));
    if (!state) return Error("lifespan state: " + wsgi::take_python_error());
    if (PyDict_Check(state.get())) im.state = std::move(state);
    StartupResult out;
    out.message = std::move(message);
    out.kind = kind == "ok"       ? StartupResult::Kind::ok
               : kind == "failed" ? StartupResult::Kind::failed
                                  : StartupResult::Kind::unsupported;
    return out;
}

Status Runtime::run(int fd, std::function<void()> on_readable) {
    Impl& im = *impl_;
    im.on_readable = std::move(on_readable);
    PyRef r(PyObject_CallFunction(im.glue_fn("run_loop").get(), "OiO", im.loop.get(), fd,
                                  im.poll_fn.get()));
    im.on_readable = nullptr;
    if (!r) return Error("asgi event loop: " + wsgi::take_python_error());
    return {};
}

void Runtime::stop_soon() {
    PyRef r(PyObject_CallMethod(impl_->loop.get(), "stop", nullptr));
    if (!r)
        log::error("asgi", "stopping the loop failed error={}",
                   log::quote(wsgi::take_python_error()));
}

void Runtime::schedule_poll() {
    Impl& im = *impl_;
    // Inside on_readable, io_context::poll() runs until no handler is ready, including those
    // posted meanwhile (an app that completed its response in its eager first step).
    if (im.in_poll || im.poll_scheduled || !im.on_readable) return;
    // In the base context: call_soon would otherwise capture the caller's (a request's Task),
    // and the next request's context would be copied from it.
    PyRef r(PyObject_Call(im.call_soon.get(), im.poll_args.get(), im.poll_kwargs.get()));
    if (!r) {
        log::error("asgi", "scheduling the front end failed error={}",
                   log::quote(wsgi::take_python_error()));
        return;
    }
    im.poll_scheduled = true;
}

void Runtime::submit(const std::shared_ptr<Exchange>& ex) {
    impl_->start_request(ex);
}

void Runtime::notify(const std::shared_ptr<Exchange>& ex, Event e) {
    if (ex->channel == nullptr) return;  // the task already ended
    switch (e) {
        case Event::wake: {
            PyRef r(PyObject_CallMethod(ex->channel, "wake", nullptr));
            if (!r)
                log::error("asgi", "wake failed error={}", log::quote(wsgi::take_python_error()));
            break;
        }
        case Event::cancel: {
            PyRef stack(PyObject_CallMethod(ex->channel, "cancel_with_stack", nullptr));
            const char* text = stack ? PyUnicode_AsUTF8(stack.get()) : nullptr;
            std::string err = text != nullptr ? std::string() : wsgi::take_python_error();
            log::warn("asgi", "request timed out, task cancelled request_id={} stack={}",
                      ex->request.request_id,
                      log::quote(text != nullptr ? std::string_view(text) : std::string_view(err)));
            PyErr_Clear();
            break;
        }
    }
}

void Runtime::shutdown(std::chrono::steady_clock::time_point cancel_at,
                       std::chrono::milliseconds cancel_wait,
                       std::chrono::steady_clock::time_point exit_by) {
    Impl& im = *impl_;
    using Seconds = std::chrono::duration<double>;
    auto now = std::chrono::steady_clock::now();
    double grace = std::max(0.0, Seconds(cancel_at - now).count());
    double wait = Seconds(cancel_wait).count();
    PyRef coro(PyObject_CallMethod(im.server.get(), "drain", "dd", grace, wait));
    PyRef stacks = coro
                       ? PyRef(PyObject_CallFunction(im.glue_fn("run_until").get(), "OOd",
                                                     im.loop.get(), coro.get(), grace + wait + 1.0))
                       : PyRef{};
    if (!stacks || !PyList_Check(stacks.get())) {
        log::warn("asgi", "waiting for tasks failed error={}",
                  log::quote(wsgi::take_python_error()));
    } else if (Py_ssize_t n = PyList_GET_SIZE(stacks.get()); n > 0) {
        for (Py_ssize_t i = 0; i < n; ++i) {
            const char* text = PyUnicode_AsUTF8(PyList_GET_ITEM(stacks.get(), i));
            log::warn("asgi", "graceful timeout near, task cancelled stack={}",
                      log::quote(text != nullptr ? std::string_view(text) : std::string_view()));
            if (text == nullptr) PyErr_Clear();
        }
        log::warn("asgi", "tasks cancelled at shutdown count={}", n);
    }
    // At least a moment, so a lifespan shutdown that needs no time still runs when the tasks
    // took the whole budget (drain_budget keeps slack after exit_by for it).
    double rest = std::max(0.05, Seconds(exit_by - std::chrono::steady_clock::now()).count());
    coro = PyRef(PyObject_CallMethod(im.lifespan.get(), "shutdown", nullptr));
    PyRef r = coro ? PyRef(PyObject_CallFunction(im.glue_fn("run_until").get(), "OOd",
                                                 im.loop.get(), coro.get(), rest))
                   : PyRef{};
    std::string kind, message;
    if (!r || !kind_and_message(r.get(), kind, message)) {
        log::error("asgi", "lifespan shutdown did not complete error={}",
                   log::quote(wsgi::take_python_error()));
        return;
    }
    if (kind == "ok")
        log::info("asgi", "lifespan shutdown complete");
    else if (kind == "failed")
        log::error("asgi", "lifespan shutdown failed message={}", log::quote(message));
}

}  // namespace paasrun::asgi
