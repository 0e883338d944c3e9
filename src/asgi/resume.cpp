// Resume: the coroutine a request's Task runs once the app's coroutine suspended in its eager
// first step (port.cpp start_request). It goes on with the app's coroutine: its first step
// hands the Task what the eager step yielded (the future the app waits on), then every value
// or exception the Task sends in goes to the app's coroutine; when that ends, it reports the
// end to the Port (the response completes; a traceback is logged) and returns None, as the
// glue's former `_run` wrapper did. A C type rather than Python code for two reasons:
//   - each later step of the request's task goes through here, so the request's CPU time is
//     read around exactly its own steps (Exchange::measure_cpu), never another task's;
//   - it costs no Python frame per step.
// Registered as a collections.abc.Coroutine (glue register_coroutine) so that Task.__init__
// takes it; the Task drives it through am_send (PyIter_Send) and throw(); a cancel() that
// comes before its first step is thrown straight into the app's coroutine where it waits.
// cancel_with_stack follows `cr_await` to the app's coroutine.
#include <utility>

#include "asgi/runtime_impl.hpp"
#include "util/thread_cpu_clock.hpp"

namespace paasrun::asgi {
namespace {

struct ResumeObject {
    PyObject_HEAD PyObject* coro;  // the app's coroutine (strong; null once closed)
    PyObject* pending;             // the eager step's yield, handed out first (or null)
    PyObject* port;                // the request's Port (strong; null once told the end)
    Runtime::Impl* impl;
    std::shared_ptr<Exchange> cpu_of;  // the request whose CPU time is measured, or null
};

ResumeObject* as_resume(PyObject* self) {
    return reinterpret_cast<ResumeObject*>(self);
}

// Adds the thread CPU time of one step to its request's total, when that is measured.
class StepMeter {
public:
    explicit StepMeter(ResumeObject* r) noexcept
        : meter_(r->cpu_of ? r->cpu_of->cpu_ns : unused_, r->cpu_of != nullptr) {}

private:
    std::int64_t unused_ = 0;
    ThreadCpuMeter meter_;
};

int resume_traverse(PyObject* self, visitproc visit, void* arg) {
    auto* r = as_resume(self);
    Py_VISIT(Py_TYPE(self));
    Py_VISIT(r->coro);
    Py_VISIT(r->pending);
    Py_VISIT(r->port);
    return 0;
}

int resume_clear(PyObject* self) {
    auto* r = as_resume(self);
    Py_CLEAR(r->coro);
    Py_CLEAR(r->pending);
    Py_CLEAR(r->port);
    return 0;
}

void resume_dealloc(PyObject* self) {
    PyObject_GC_UnTrack(self);
    resume_clear(self);
    as_resume(self)->cpu_of.~shared_ptr<Exchange>();
    PyTypeObject* tp = Py_TYPE(self);
    tp->tp_free(self);
    Py_DECREF(tp);
}

// The app's coroutine returned, or raised (`raised`: the error is set and taken here): the
// Port is told (it completes the response, logs a traceback), and the Task ends with None.
void ended(ResumeObject* r, bool raised) {
    Py_CLEAR(r->coro);
    PyObject* port = std::exchange(r->port, nullptr);
    if (port == nullptr) {
        if (raised) PyErr_Clear();
        return;
    }
    PyRef owned(port);
    port_coroutine_ended(*r->impl, port, raised);
}

PyObject* resume_self(PyObject* self) {
    return Py_NewRef(self);
}

PySendResult resume_send(PyObject* self, PyObject* value, PyObject** result) {
    auto* r = as_resume(self);
    if (r->pending != nullptr) {
        // The Task's first step: the eager step already ran the coroutine up to this yield.
        *result = std::exchange(r->pending, nullptr);
        return PYGEN_NEXT;
    }
    if (r->coro == nullptr) {
        PyErr_SetString(PyExc_RuntimeError, "cannot reuse an already awaited coroutine");
        *result = nullptr;
        return PYGEN_ERROR;
    }
    PySendResult s = PYGEN_ERROR;
    {
        StepMeter meter(r);
        s = PyIter_Send(r->coro, value, result);
    }
    if (s == PYGEN_NEXT) return s;
    if (s == PYGEN_RETURN) Py_CLEAR(*result);
    ended(r, s == PYGEN_ERROR);
    *result = Py_NewRef(Py_None);
    return PYGEN_RETURN;
}

// The iterator protocol's step (send(None)): a return ends it with StopIteration(value).
PyObject* resume_next(PyObject* self) {
    PyObject* result = nullptr;
    PySendResult s = resume_send(self, Py_None, &result);
    if (s == PYGEN_NEXT) return result;
    if (s == PYGEN_RETURN) {
        PyRef value(result);
        if (value.get() != Py_None) {
            PyRef stop(PyObject_CallOneArg(PyExc_StopIteration, value.get()));
            if (stop) PyErr_SetObject(PyExc_StopIteration, stop.get());
        }
    }
    return nullptr;
}

PyObject* resume_send_method(PyObject* self, PyObject* value) {
    PyObject* result = nullptr;
    PySendResult s = resume_send(self, value, &result);
    if (s != PYGEN_RETURN) return result;
    PyRef v(result);
    PyRef stop(PyObject_CallOneArg(PyExc_StopIteration, v.get()));
    if (stop) PyErr_SetObject(PyExc_StopIteration, stop.get());
    return nullptr;
}

// throw(...): the Task throws into what it awaits (cancellation, an exception set on the
// future the app waited on); passed to the coroutine with the same arguments.
PyObject* resume_throw(PyObject* self, PyObject* args) {
    auto* r = as_resume(self);
    Py_CLEAR(r->pending);
    if (r->coro == nullptr) {
        PyErr_SetString(PyExc_RuntimeError, "cannot reuse an already awaited coroutine");
        return nullptr;
    }
    PyObject* next = nullptr;
    {
        StepMeter meter(r);
        PyRef method(PyObject_GetAttrString(r->coro, "throw"));
        if (method) next = PyObject_Call(method.get(), args, nullptr);
    }
    if (next != nullptr) return next;
    bool returned = PyErr_ExceptionMatches(PyExc_StopIteration) != 0;
    if (returned) PyErr_Clear();
    ended(r, !returned);
    PyErr_SetNone(PyExc_StopIteration);  // the Task ends with None
    return nullptr;
}

PyObject* resume_close(PyObject* self, PyObject*) {
    auto* r = as_resume(self);
    Py_CLEAR(r->pending);
    PyObject* coro = std::exchange(r->coro, nullptr);
    if (coro == nullptr) Py_RETURN_NONE;
    PyRef owned(coro);
    PyRef closed;
    {
        StepMeter meter(r);
        closed = PyRef(PyObject_CallMethod(coro, "close", nullptr));
    }
    ended(r, !closed);
    Py_RETURN_NONE;
}

PyObject* resume_await_target(PyObject* self, void*) {
    auto* r = as_resume(self);
    return Py_NewRef(r->coro != nullptr ? r->coro : Py_None);
}

PyMethodDef kResumeMethods[] = {
    {"send", resume_send_method, METH_O, "send a value into the app's coroutine"},
    {"throw", resume_throw, METH_VARARGS, "throw an exception into the app's coroutine"},
    {"close", resume_close, METH_NOARGS, "close the app's coroutine"},
    {nullptr, nullptr, 0, nullptr},
};

PyGetSetDef kResumeGetSet[] = {
    {"cr_await", resume_await_target, nullptr, "the app's coroutine (for stack dumps)", nullptr},
    {nullptr, nullptr, nullptr, nullptr, nullptr},
};

PyType_Slot kResumeSlots[] = {
    {Py_tp_dealloc, reinterpret_cast<void*>(resume_dealloc)},
    {Py_tp_traverse, reinterpret_cast<void*>(resume_traverse)},
    {Py_tp_clear, reinterpret_cast<void*>(resume_clear)},
    {Py_am_await, reinterpret_cast<void*>(resume_self)},
    {Py_am_send, reinterpret_cast<void*>(resume_send)},
    {Py_tp_iter, reinterpret_cast<void*>(resume_self)},
    {Py_tp_iternext, reinterpret_cast<void*>(resume_next)},
    {Py_tp_methods, kResumeMethods},
    {Py_tp_getset, kResumeGetSet},
    {0, nullptr},
};

PyType_Spec kResumeSpec = {"paasrun.asgi.Resume", sizeof(ResumeObject), 0,
                           Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC, kResumeSlots};

}  // namespace

PyRef make_resume_type() {
    return PyRef(PyType_FromSpec(&kResumeSpec));
}

PyRef new_resume(Runtime::Impl& impl, PyObject* port, PyObject* coro, PyObject* yielded,
                 std::shared_ptr<Exchange> cpu_of) {
    auto* tp = reinterpret_cast<PyTypeObject*>(impl.resume_type.get());
    PyObject* o = tp->tp_alloc(tp, 0);  // zeroed, GC-tracked by PyType_GenericAlloc
    if (o == nullptr) return {};
    auto* r = as_resume(o);
    r->coro = Py_NewRef(coro);
    r->pending = Py_XNewRef(yielded);
    r->port = Py_NewRef(port);
    r->impl = &impl;
    new (&r->cpu_of) std::shared_ptr<Exchange>(std::move(cpu_of));
    return PyRef(o);
}

}  // namespace paasrun::asgi
