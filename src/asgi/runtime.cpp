#include "asgi/runtime.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <ctime>

#include "asgi/glue_source.hpp"
#include "asgi/runtime_impl.hpp"
#include "util/log.hpp"
#include "wsgi/app_state.hpp"
#include "wsgi/interpreter.hpp"

namespace paasrun::asgi {
namespace {

std::int64_t now_ms() {
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1'000'000;
}

// The glue module, compiled once per process.
PyRef glue_namespace() {
    static PyObject* ns = nullptr;  // lives as long as the interpreter
    if (ns != nullptr) return PyRef::borrow(ns);
    PyRef module(PyModule_New("paasrun.asgi"));
    if (!module) return {};
    PyObject* dict = PyModule_GetDict(module.get());
    if (PyDict_SetItemString(dict, "__builtins__", PyEval_GetBuiltins()) != 0) return {};
    PyRef code(Py_CompileString(kGlueSource, "<paasrun.asgi>", Py_file_input));
    if (!code) return {};
    PyRef ran(PyEval_EvalCode(code.get(), dict, dict));
    if (!ran) return {};
    ns = Py_NewRef(dict);
    return PyRef::borrow(ns);
}

Runtime::Impl* impl_of(PyObject* capsule) {
    return static_cast<Runtime::Impl*>(PyCapsule_GetPointer(capsule, "paasrun.asgi.runtime"));
}

PyObject* drain_builtin(PyObject* capsule, PyObject*) {
    impl_of(capsule)->drain();
    Py_RETURN_NONE;
}

PyObject* tick_builtin(PyObject* capsule, PyObject*) {
    impl_of(capsule)->tick(now_ms());
    Py_RETURN_NONE;
}

PyMethodDef kDrainDef = {"drain", drain_builtin, METH_NOARGS, "drain the request inbox"};
PyMethodDef kTickDef = {"tick", tick_builtin, METH_NOARGS, "stamp the loop's liveness"};

}  // namespace

PyRef Runtime::Impl::glue_fn(const char* name) const {
    return PyRef::borrow(PyDict_GetItemString(glue.get(), name));
}

bool looks_like_asgi(const wsgi::App& app) {
    PyRef ns = glue_namespace();
    if (!ns) {
        log::error("asgi", "glue failed error={}", log::quote(wsgi::take_python_error()));
        return false;
    }
    PyRef r(PyObject_CallFunctionObjArgs(PyDict_GetItemString(ns.get(), "looks_like_asgi"),
                                         app.state().callable.get(), nullptr));
    bool yes = r && PyObject_IsTrue(r.get()) == 1;
    PyErr_Clear();
    return yes;
}

Result<std::unique_ptr<Runtime>> Runtime::start(const wsgi::App& app,
                                                const RuntimeOptions& options) {
    std::unique_ptr<Runtime> rt(new Runtime());
    rt->wake_fd_ = unique_fd{::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)};
    if (!rt->wake_fd_) return sys_error("eventfd");
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

    PyObject* callable = app.state().callable.get();
    im.server = PyRef(
        PyObject_CallFunctionObjArgs(im.glue_fn("Server").get(), callable, im.loop.get(), nullptr));
    if (!im.server) return fail("server");
    im.lifespan = PyRef(PyObject_CallFunctionObjArgs(im.glue_fn("Lifespan").get(), callable,
                                                     im.loop.get(), im.server.get(), nullptr));
    if (!im.lifespan) return fail("lifespan");
    im.capsule = PyRef(PyCapsule_New(&im, "paasrun.asgi.runtime", nullptr));
    if (!im.capsule) return fail("capsule");
    im.drain_fn = PyRef(PyCFunction_New(&kDrainDef, im.capsule.get()));
    im.tick_fn = PyRef(PyCFunction_New(&kTickDef, im.capsule.get()));
    if (!im.drain_fn || !im.tick_fn) return fail("builtins");

    rt->last_tick_ms_.store(now_ms());
    Runtime* self = rt.get();
    self->thread_ = std::thread([self] {
        wsgi::PythonThread python;
        wsgi::GilGuard gil;
        Impl& i = *self->impl_;
        PyRef r(PyObject_CallFunction(i.glue_fn("run_loop").get(), "OiOO", i.loop.get(),
                                      self->wake_fd_.get(), i.drain_fn.get(), i.tick_fn.get()));
        if (!r)
            log::error("asgi", "event loop failed error={}", log::quote(wsgi::take_python_error()));
    });
    return rt;
}

Runtime::~Runtime() {
    if (thread_.joinable()) {
        wsgi::GilRelease unlocked;  // the loop thread needs the GIL to stop
        stop();
    }
    if (impl_ && impl_->loop) {
        PyRef closed(PyObject_CallMethod(impl_->loop.get(), "close", nullptr));
        PyErr_Clear();
    }
}

void Runtime::push(Event e, std::shared_ptr<Exchange> ex) {
    bool signal = false;
    {
        std::lock_guard lock(mu_);
        items_.push_back(Item{e, std::move(ex)});
        signal = !signalled_;
        signalled_ = true;
    }
    if (signal) {
        std::uint64_t one = 1;
        while (::write(wake_fd_.get(), &one, sizeof one) < 0 && errno == EINTR) {
        }
    }
}

void Runtime::Impl::drain() {
    std::uint64_t count = 0;
    [[maybe_unused]] auto n = ::read(owner->wake_fd_.get(), &count, sizeof count);
    std::vector<Item> items;
    {
        std::lock_guard lock(owner->mu_);
        items.swap(owner->items_);
        owner->signalled_ = false;
    }
    for (auto& item : items) {
        auto& ex = item.exchange;
        switch (item.event) {
            case Event::request:
                start_request(ex);
                break;
            case Event::wake:
                if (ex->channel != nullptr) {
                    PyRef r(PyObject_CallMethod(ex->channel, "wake", nullptr));
                    if (!r)
                        log::error("asgi", "wake failed error={}",
                                   log::quote(wsgi::take_python_error()));
                }
                break;
            case Event::cancel:
                if (ex->channel != nullptr) {
                    PyRef stack(PyObject_CallMethod(ex->channel, "cancel_with_stack", nullptr));
                    const char* text = stack ? PyUnicode_AsUTF8(stack.get()) : nullptr;
                    log::warn("asgi", "request timed out, task cancelled request_id={} stack={}",
                              ex->request.request_id,
                              log::quote(text != nullptr ? text : wsgi::take_python_error()));
                    PyErr_Clear();
                }
                break;
        }
    }
    // Swap the (empty) vector back so its capacity is reused by the next batch.
    items.clear();
    std::lock_guard lock(owner->mu_);
    if (owner->items_.empty()) owner->items_.swap(items);
}

Result<StartupResult> Runtime::startup() {
    Impl& im = *impl_;
    PyRef coro(PyObject_CallMethod(im.lifespan.get(), "startup", nullptr));
    PyRef r = coro ? PyRef(PyObject_CallFunction(im.glue_fn("call_in_loop").get(), "OOO",
                                                 im.loop.get(), coro.get(), Py_None))
                   : PyRef{};
    if (!r) return Error("lifespan startup: " + wsgi::take_python_error());
    const char* kind = PyUnicode_AsUTF8(PyTuple_GetItem(r.get(), 0));
    const char* message = PyUnicode_AsUTF8(PyTuple_GetItem(r.get(), 1));
    if (kind == nullptr || message == nullptr)
        return Error("lifespan startup: " + wsgi::take_python_error());
    StartupResult out;
    out.message = message;
    std::string_view k(kind);
    out.kind = k == "ok"       ? StartupResult::Kind::ok
               : k == "failed" ? StartupResult::Kind::failed
                               : StartupResult::Kind::unsupported;
    return out;
}

void Runtime::shutdown(std::chrono::milliseconds grace) {
    wsgi::GilGuard gil;
    Impl& im = *impl_;
    auto started = std::chrono::steady_clock::now();
    double seconds = static_cast<double>(grace.count()) / 1000.0;
    PyRef coro(PyObject_CallMethod(im.server.get(), "drain", "d", seconds));
    PyRef left = coro ? PyRef(PyObject_CallFunction(im.glue_fn("call_in_loop").get(), "OOd",
                                                    im.loop.get(), coro.get(), seconds + 2.0))
                      : PyRef{};
    if (!left) {
        log::warn("asgi", "waiting for tasks failed error={}",
                  log::quote(wsgi::take_python_error()));
    } else if (long n = PyLong_AsLong(left.get()); n > 0) {
        log::warn("asgi", "tasks cancelled at shutdown count={}", n);
    }
    auto used = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started);
    double rest = std::max(1.0, static_cast<double>((grace - used).count()) / 1000.0);
    coro = PyRef(PyObject_CallMethod(im.lifespan.get(), "shutdown", nullptr));
    PyRef r = coro ? PyRef(PyObject_CallFunction(im.glue_fn("call_in_loop").get(), "OOd",
                                                 im.loop.get(), coro.get(), rest))
                   : PyRef{};
    if (!r) {
        log::error("asgi", "lifespan shutdown did not complete error={}",
                   log::quote(wsgi::take_python_error()));
        return;
    }
    const char* kind = PyUnicode_AsUTF8(PyTuple_GetItem(r.get(), 0));
    const char* message = PyUnicode_AsUTF8(PyTuple_GetItem(r.get(), 1));
    std::string_view k = kind != nullptr ? kind : "";
    if (k == "ok")
        log::info("asgi", "lifespan shutdown complete");
    else if (k == "failed")
        log::error("asgi", "lifespan shutdown failed message={}",
                   log::quote(message != nullptr ? message : ""));
    PyErr_Clear();
}

void Runtime::stop() {
    if (stopped_) return;
    stopped_ = true;
    {
        wsgi::GilGuard gil;
        PyRef r(PyObject_CallFunction(impl_->glue_fn("stop_loop").get(), "O", impl_->loop.get()));
        if (!r)
            log::error("asgi", "stopping the loop failed error={}",
                       log::quote(wsgi::take_python_error()));
    }
    if (thread_.joinable()) thread_.join();
}

}  // namespace paasrun::asgi
