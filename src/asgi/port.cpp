// The Port: the C++ object behind one request's receive() and send(), the `http` scope, and
// the eager start of the app's coroutine. Loop thread, GIL held throughout.
//
// The fast path of a request creates no Future, no scheduled Task and no loop turn:
// start_request runs the app's coroutine's first step at once (inside io_context::poll, in a
// copy of the context as a Task would, with an uninitialised RequestTask as the current
// task), receive() and send() return Ready awaitables that complete without suspending, and a
// response that is complete when the step returns goes out in the same poll. Only a coroutine
// that really suspends (it awaits a future: I/O, sleep, a body still arriving, room in the
// output) gets its RequestTask initialised, running a Resume of it (resume.cpp).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <new>
#include <utility>
#include <vector>

#include "asgi/runtime_impl.hpp"
#include "http/percent.hpp"
#include "util/log.hpp"
#include "util/thread_cpu_clock.hpp"
#include "util/unique_fd.hpp"
#include "wsgi/interpreter.hpp"

namespace paasrun::asgi {
// ---- shared with websocket_port.cpp (runtime_impl.hpp) -------------------------------------

namespace {

// One [name, value] pair; false with a Python exception when it is malformed. `pair` is a
// list or tuple (PySequence_Fast's result, or the item itself).
bool header_views(PyObject* pair, std::vector<ResponseSink::Header>& headers) {
    if (PySequence_Fast_GET_SIZE(pair) != 2) {
        PyErr_SetString(PyExc_ValueError, "an ASGI header must be a [name, value] pair");
        return false;
    }
    PyObject* name = PySequence_Fast_GET_ITEM(pair, 0);
    PyObject* value = PySequence_Fast_GET_ITEM(pair, 1);
    if (!PyBytes_Check(name) || !PyBytes_Check(value)) {
        PyErr_SetString(PyExc_TypeError, "ASGI header names and values must be bytes");
        return false;
    }
    headers.push_back(
        {{PyBytes_AS_STRING(name), static_cast<std::size_t>(PyBytes_GET_SIZE(name))},
         {PyBytes_AS_STRING(value), static_cast<std::size_t>(PyBytes_GET_SIZE(value))}});
    return true;
}

}  // namespace

bool message_status(PyObject* message, PyObject* key, const char* type, int& status) {
    PyObject* obj = PyDict_GetItemWithError(message, key);  // borrowed
    if (obj == nullptr || !PyLong_Check(obj)) {
        if (!PyErr_Occurred()) PyErr_Format(PyExc_TypeError, "%s needs an int 'status'", type);
        return false;
    }
    long value = PyLong_AsLong(obj);
    if (value < 100 || value > 999) {
        if (!PyErr_Occurred()) PyErr_Format(PyExc_ValueError, "invalid HTTP status %ld", value);
        return false;
    }
    status = static_cast<int>(value);
    return true;
}

bool message_headers(PyObject* message, PyObject* key, std::vector<ResponseSink::Header>& headers,
                     std::vector<PyRef>& keep) {
    PyObject* hs = PyDict_GetItemWithError(message, key);  // borrowed
    if (hs == nullptr) return !PyErr_Occurred();
    if (hs == Py_None) return true;
    if (PyList_CheckExact(hs) || PyTuple_CheckExact(hs)) {
        // What frameworks send: a list of tuples or lists. Their items are read in place
        // (borrowed: no Python code runs until the caller has copied the views), with no
        // iterator and nothing to keep. Anything else inside takes the general path below.
        std::size_t first = headers.size();
        Py_ssize_t count = PySequence_Fast_GET_SIZE(hs);
        Py_ssize_t i = 0;
        for (; i < count; ++i) {
            PyObject* item = PySequence_Fast_GET_ITEM(hs, i);
            if (!PyTuple_CheckExact(item) && !PyList_CheckExact(item)) break;
            if (!header_views(item, headers)) return false;
        }
        if (i == count) return true;
        headers.resize(first);
    }
    PyRef it(PyObject_GetIter(hs));
    if (!it) return false;
    while (PyRef item{PyIter_Next(it.get())}) {
        PyRef pair(PySequence_Fast(item.get(), "an ASGI header must be a [name, value] pair"));
        if (!pair || !header_views(pair.get(), headers)) return false;
        keep.push_back(std::move(pair));
    }
    return !PyErr_Occurred();
}

bool parse_finish_args(PyObject* args, std::string_view& text, bool& quiet) {
    PyObject* tb = nullptr;
    int q = 0;
    if (!PyArg_ParseTuple(args, "Op", &tb, &q)) return false;
    quiet = q != 0;
    text = {};
    if (tb == Py_None) return true;
    Py_ssize_t len = 0;
    const char* s = PyUnicode_AsUTF8AndSize(tb, &len);
    if (s == nullptr) return false;
    text = {s, static_cast<std::size_t>(len)};
    return true;
}

namespace {

// Spooled request bodies (over 1 MiB, see worker/body.hpp) reach the app in pieces of this
// size; a body held in memory arrives in one http.request message.
constexpr std::size_t kBodyChunk = 64 * 1024;

struct PortObject {
    PyObject_HEAD Runtime::Impl* impl;
    std::shared_ptr<Exchange> ex;  // null once the task ended
    ResponseSink* sink;            // null once the response is complete
    PyObject* recv_waiter;         // futures receive()/send() wait on (strong, or null)
    PyObject* send_waiter;
    PyObject* task;  // the Task, once the coroutine suspended (strong, dropped at the end)
    std::uint64_t body_pos;
    bool body_done;  // the last http.request message was delivered
    bool started;    // http.response.start was sent
    bool trailers;   // http.response.start said `trailers: True` (an http.response.trailers
                     // message ends the response)
    bool last_body;  // the last http.response.body (or a pathsend) was sent
};

PortObject* as_port(PyObject* self) {
    return reinterpret_cast<PortObject*>(self);
}

void port_dealloc(PyObject* self) {
    auto* p = as_port(self);
    Py_CLEAR(p->recv_waiter);
    Py_CLEAR(p->send_waiter);
    Py_CLEAR(p->task);
    p->ex.~shared_ptr<Exchange>();
    PyTypeObject* tp = Py_TYPE(self);
    tp->tp_free(self);
    Py_DECREF(tp);
}

bool put(PyObject* d, const PyRef& key, PyObject* value_owned) {
    if (value_owned == nullptr) return false;
    int rc = PyDict_SetItem(d, key.get(), value_owned);
    Py_DECREF(value_owned);
    return rc == 0;
}
bool put_ref(PyObject* d, const PyRef& key, const PyRef& value) {
    return PyDict_SetItem(d, key.get(), value.get()) == 0;
}

PyObject* disconnect_message(Names& n) {
    PyRef m(PyDict_New());
    if (!m || !put_ref(m.get(), n.type, n.v_disconnect)) return nullptr;
    return m.release();
}

PyObject* body_message(Names& n, PyObject* bytes_owned, bool more) {
    PyRef b(bytes_owned);
    PyRef m(PyDict_New());
    if (!b || !m) return nullptr;
    if (!put_ref(m.get(), n.type, n.v_request) || !put_ref(m.get(), n.body, b) ||
        PyDict_SetItem(m.get(), n.more_body.get(), more ? Py_True : Py_False) != 0)
        return nullptr;
    return m.release();
}

// poll_receive(): the next http.request message, http.disconnect, or None (wait for a
// wake-up).
PyObject* port_poll_receive(PyObject* self, PyObject*) {
    auto* p = as_port(self);
    Names& n = p->impl->names;
    // After the response (uvicorn does the same) or once the client is gone: disconnect.
    if (!p->ex || p->sink == nullptr || p->ex->disconnected.load()) return disconnect_message(n);
    if (p->body_done) Py_RETURN_NONE;
    if (BodySource* src = p->ex->request.stream) {
        // Streamed: whatever arrived so far, or wait (the front end wakes the channel when
        // more arrives: wants_body).
        std::string_view data = src->available();
        bool end = src->ended();
        if (data.empty() && !end) {
            p->ex->wants_body.store(true);
            Py_RETURN_NONE;
        }
        PyObject* bytes = data.empty() ? Py_NewRef(n.v_empty_bytes.get())
                                       : PyBytes_FromStringAndSize(
                                             data.data(), static_cast<Py_ssize_t>(data.size()));
        if (bytes == nullptr) return nullptr;
        src->take(data.size());
        p->body_done = end;
        return body_message(n, bytes, !end);
    }
    const wsgi::Body& body = p->ex->request.body;
    if (body.fd < 0) {
        p->body_done = true;
        p->body_pos = body.size;
        PyObject* bytes = body.memory.empty() ? Py_NewRef(n.v_empty_bytes.get())
                                              : PyBytes_FromStringAndSize(
                                                    body.memory.data(),
                                                    static_cast<Py_ssize_t>(body.memory.size()));
        return body_message(n, bytes, false);
    }
    auto want =
        static_cast<std::size_t>(std::min<std::uint64_t>(kBodyChunk, body.size - p->body_pos));
    PyRef bytes(PyBytes_FromStringAndSize(nullptr, static_cast<Py_ssize_t>(want)));
    if (!bytes) return nullptr;
    char* dst = PyBytes_AS_STRING(bytes.get());
    std::size_t got = 0;
    while (got < want) {
        ssize_t r = ::pread(body.fd, dst + got, want - got,
                            static_cast<off_t>(body.offset + p->body_pos + got));
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) {
            PyErr_SetString(PyExc_OSError, "reading the spooled request body failed");
            return nullptr;
        }
        got += static_cast<std::size_t>(r);
    }
    p->body_pos += want;
    p->body_done = p->body_pos >= body.size;
    return body_message(n, bytes.release(), !p->body_done);
}

// receive() -> an awaitable: Ready(message) when one is there, else glue wait_receive(port).
PyObject* port_receive(PyObject* self, PyObject*) {
    PyRef message(port_poll_receive(self, nullptr));
    if (!message) return nullptr;
    Runtime::Impl& im = *as_port(self)->impl;
    if (message.get() == Py_None) return PyObject_CallOneArg(im.wait_receive_fn.get(), self);
    return new_ready(im, message.get()).release();
}

// recv_wait() -> a new future that wake() resolves (glue wait_receive awaits it).
PyObject* port_recv_wait(PyObject* self, PyObject*) {
    auto* p = as_port(self);
    PyRef waiter(PyObject_CallMethod(p->impl->loop.get(), "create_future", nullptr));
    if (!waiter) return nullptr;
    Py_XSETREF(p->recv_waiter, Py_NewRef(waiter.get()));
    return waiter.release();
}

// Resolves a waiter (if any and not done), dropping it.
bool settle(PyObject*& slot) {
    PyObject* w = std::exchange(slot, nullptr);
    if (w == nullptr) return true;
    PyRef owned(w);
    PyRef done(PyObject_CallMethod(w, "done", nullptr));
    if (!done) return false;
    if (done.get() == Py_True) return true;
    PyRef r(PyObject_CallMethod(w, "set_result", "O", Py_None));
    return static_cast<bool>(r);
}

// wake(): the front end has news (body bytes, room in the output, the client is gone).
PyObject* port_wake(PyObject* self, PyObject*) {
    auto* p = as_port(self);
    if (!settle(p->recv_waiter) || !settle(p->send_waiter)) return nullptr;
    Py_RETURN_NONE;
}

// cancel_with_stack() -> the stack of the suspended coroutine ("" without a Task); cancels.
PyObject* port_cancel_with_stack(PyObject* self, PyObject*) {
    auto* p = as_port(self);
    return PyObject_CallOneArg(p->impl->cancel_fn.get(), p->task != nullptr ? p->task : Py_None);
}

PyObject* raise_runtime(const char* fmt_text, PyObject* type_name) {
    PyErr_Format(PyExc_RuntimeError, fmt_text, type_name);
    return nullptr;
}

// True: a bytes-like object's buffer is in `view` (release it).
bool get_bytes(PyObject* o, Py_buffer& view, const char* what) {
    if (PyObject_GetBuffer(o, &view, PyBUF_SIMPLE) != 0) {
        PyErr_Format(PyExc_TypeError, "ASGI %s must be bytes, not %.100s", what,
                     Py_TYPE(o)->tp_name);
        return false;
    }
    return true;
}

PyObject* do_start(PortObject* p, PyObject* message) {
    Names& n = p->impl->names;
    int status = 0;
    if (!message_status(message, n.status.get(), "http.response.start", status)) return nullptr;
    std::vector<ResponseSink::Header> headers;
    std::vector<PyRef> keep;
    if (!message_headers(message, n.headers.get(), headers, keep)) return nullptr;
    PyObject* trailers = PyDict_GetItemWithError(message, n.trailers.get());  // borrowed
    int want_trailers = trailers != nullptr ? PyObject_IsTrue(trailers) : 0;
    if (want_trailers < 0 || (trailers == nullptr && PyErr_Occurred())) return nullptr;
    p->started = true;
    p->sink->start(status, headers);
    if (want_trailers) {
        p->trailers = true;
        p->sink->expect_trailers();
    }
    return Py_NewRef(p->impl->ready.get());
}

PyObject* ready(PortObject* p) {
    return Py_NewRef(p->impl->ready.get());
}

// What send() returns: the shared Ready(None), or a new future the task awaits until the
// connection drained its output (wake() resolves send_waiter).
PyObject* step_result(PortObject* p, ResponseSink::Step step) {
    if (step == ResponseSink::Step::complete) p->sink = nullptr;
    if (step != ResponseSink::Step::wait || !p->ex || p->ex->channel == nullptr) return ready(p);
    PyRef waiter(PyObject_CallMethod(p->impl->loop.get(), "create_future", nullptr));
    if (!waiter) return nullptr;
    Py_XSETREF(p->send_waiter, Py_NewRef(waiter.get()));
    return waiter.release();
}

PyObject* do_body(PortObject* p, PyObject* message) {
    Names& n = p->impl->names;
    PyObject* body = PyDict_GetItemWithError(message, n.body.get());  // borrowed
    if (body == nullptr && PyErr_Occurred()) return nullptr;
    PyObject* more_obj = PyDict_GetItemWithError(message, n.more_body.get());
    if (more_obj == nullptr && PyErr_Occurred()) return nullptr;
    int more = more_obj != nullptr ? PyObject_IsTrue(more_obj) : 0;
    if (more < 0) return nullptr;
    Py_buffer view{};
    std::string_view data;
    bool have_view = false;
    if (body != nullptr && body != Py_None) {
        if (!get_bytes(body, view, "body")) return nullptr;
        have_view = true;
        data = {static_cast<const char*>(view.buf), static_cast<std::size_t>(view.len)};
    }
    if (more == 0) p->last_body = true;
    auto step = p->sink->body(data, more != 0);
    if (have_view) PyBuffer_Release(&view);
    return step_result(p, step);
}

// http.response.trailers (the extension): after the last body, when start announced them.
PyObject* do_trailers(PortObject* p, PyObject* message, PyObject* type) {
    Names& n = p->impl->names;
    if (!p->trailers)
        return raise_runtime("ASGI message %R without `trailers: True` in http.response.start",
                             type);
    if (!p->last_body)
        return raise_runtime("ASGI message %R sent before the last http.response.body", type);
    std::vector<ResponseSink::Header> headers;
    std::vector<PyRef> keep;
    if (!message_headers(message, n.headers.get(), headers, keep)) return nullptr;
    PyObject* more_obj = PyDict_GetItemWithError(message, n.more_trailers.get());
    if (more_obj == nullptr && PyErr_Occurred()) return nullptr;
    int more = more_obj != nullptr ? PyObject_IsTrue(more_obj) : 0;
    if (more < 0) return nullptr;
    return step_result(p, p->sink->trailers(headers, more != 0));
}

PyObject* do_pathsend(PortObject* p, PyObject* message) {
    PyObject* path = PyDict_GetItemWithError(message, p->impl->names.path_key.get());
    if (path == nullptr) {
        if (!PyErr_Occurred())
            PyErr_SetString(PyExc_KeyError, "http.response.pathsend needs 'path'");
        return nullptr;
    }
    PyRef encoded;
    if (!PyUnicode_FSConverter(path, reinterpret_cast<PyObject**>(&encoded))) return nullptr;
    const char* c_path = PyBytes_AS_STRING(encoded.get());
    unique_fd fd{::open(c_path, O_RDONLY | O_CLOEXEC)};
    if (!fd) return PyErr_SetFromErrnoWithFilenameObject(PyExc_OSError, path);
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0)
        return PyErr_SetFromErrnoWithFilenameObject(PyExc_OSError, path);
    if (!S_ISREG(st.st_mode)) {
        PyErr_Format(PyExc_ValueError, "http.response.pathsend: %R is not a regular file", path);
        return nullptr;
    }
    p->last_body = true;
    return step_result(p, p->sink->file(fd.get(), static_cast<std::uint64_t>(st.st_size)));
}

// `type == name` for a message's type and one of the interned type names: 1, 0, or -1 with a
// Python error. A literal such as "http.response.start" is not interned (it has dots), so
// identity rarely decides; an exact str is compared by its code units, as str.__eq__ would,
// without the rich-comparison machinery (this runs for every send()).
int same_name(PyObject* type, PyObject* name) {
    if (type == name) return 1;
    if (!PyUnicode_CheckExact(type)) return PyObject_RichCompareBool(type, name, Py_EQ);
    if (PyUnicode_READY(type) != 0) return -1;
    Py_ssize_t len = PyUnicode_GET_LENGTH(type);
    if (len != PyUnicode_GET_LENGTH(name) || PyUnicode_KIND(type) != PyUnicode_KIND(name)) return 0;
    return std::memcmp(PyUnicode_DATA(type), PyUnicode_DATA(name),
                       static_cast<std::size_t>(len) * PyUnicode_KIND(type)) == 0
               ? 1
               : 0;
}

// send(message) -> an awaitable (see step_result).
PyObject* port_send(PyObject* self, PyObject* message) {
    auto* p = as_port(self);
    Names& n = p->impl->names;
    if (!PyDict_Check(message)) {
        PyErr_SetString(PyExc_TypeError, "an ASGI message must be a dict");
        return nullptr;
    }
    PyObject* type = PyDict_GetItemWithError(message, n.type.get());  // borrowed
    if (type == nullptr) {
        if (!PyErr_Occurred()) PyErr_SetString(PyExc_KeyError, "an ASGI message needs a 'type'");
        return nullptr;
    }
    if (p->ex && p->ex->disconnected.load()) {
        PyErr_SetString(p->impl->disconnected_type.get(), "the client disconnected");
        return nullptr;
    }
    if (p->sink == nullptr)
        return raise_runtime("ASGI message %R sent after the response was complete", type);
    int is_start = same_name(type, n.v_start.get());
    if (is_start < 0) return nullptr;
    if (is_start) {
        if (p->started) return raise_runtime("ASGI message %R sent twice", type);
        return do_start(p, message);
    }
    int is_body = same_name(type, n.v_body.get());
    if (is_body < 0) return nullptr;
    int is_pathsend = is_body ? 0 : same_name(type, n.v_pathsend.get());
    if (is_pathsend < 0) return nullptr;
    if (!is_body && !is_pathsend) {
        int is_trailers = same_name(type, n.v_trailers.get());
        if (is_trailers < 0) return nullptr;
        if (!is_trailers) return raise_runtime("unexpected ASGI message %R in an http scope", type);
        if (!p->started)
            return raise_runtime("ASGI message %R sent before http.response.start", type);
        return do_trailers(p, message, type);
    }
    if (!p->started) return raise_runtime("ASGI message %R sent before http.response.start", type);
    if (p->last_body) return raise_runtime("ASGI message %R sent after the last body", type);
    return is_body ? do_body(p, message) : do_pathsend(p, message);
}

// The app's coroutine ended (`text`: its traceback, empty when it returned).
void finish(PortObject* p, std::string_view text, bool quiet) {
    while (!text.empty() && text.back() == '\n') text.remove_suffix(1);
    if (p->sink != nullptr) {
        p->sink->fail(text, quiet != 0);
        p->sink = nullptr;
    } else if (!text.empty() && quiet == 0) {
        log::error("asgi", "app raised after its response was complete traceback={}",
                   log::quote(text));
    }
    Py_CLEAR(p->recv_waiter);
    Py_CLEAR(p->send_waiter);
    Py_CLEAR(p->task);  // the loop holds the running Task
    if (p->ex) {
        PyObject* ch = p->ex->channel;
        p->ex->channel = nullptr;
        p->ex.reset();
        Py_XDECREF(ch);
    }
}

PyMethodDef kPortMethods[] = {
    {"receive", port_receive, METH_NOARGS, "ASGI receive(): an awaitable of the next message"},
    {"send", port_send, METH_O, "ASGI send(message): an awaitable"},
    {"poll_receive", port_poll_receive, METH_NOARGS,
     "next http.request / http.disconnect message, or None"},
    {"recv_wait", port_recv_wait, METH_NOARGS, "a future resolved by the next wake()"},
    {"wake", port_wake, METH_NOARGS, "resolve the waiters"},
    {"cancel_with_stack", port_cancel_with_stack, METH_NOARGS, "cancel the task, return its stack"},
    {nullptr, nullptr, 0, nullptr},
};

// Bound once per request for the app's receive and send (cheaper than attribute lookups).
PyMethodDef kReceiveDef = {"receive", port_receive, METH_NOARGS, "ASGI receive()"};
PyMethodDef kSendDef = {"send", port_send, METH_O, "ASGI send(message)"};

// ---- Ready: an awaitable that completes at once ---------------------------------------

struct ReadyObject {
    PyObject_HEAD PyObject* value;  // null: completes with None
};

void ready_dealloc(PyObject* self) {
    Py_CLEAR(reinterpret_cast<ReadyObject*>(self)->value);
    PyTypeObject* tp = Py_TYPE(self);
    tp->tp_free(self);
    Py_DECREF(tp);
}

PyObject* ready_self(PyObject* self) {
    return Py_NewRef(self);
}

// The iterator's first step ends it with the value, as a done future's __await__ does
// (StopIteration(value)); a shared Ready(None) can be awaited any number of times.
PyObject* ready_next(PyObject* self) {
    auto* r = reinterpret_cast<ReadyObject*>(self);
    if (r->value == nullptr) return nullptr;
    PyRef value(std::exchange(r->value, nullptr));
    PyRef stop(PyObject_CallOneArg(PyExc_StopIteration, value.get()));
    if (stop) PyErr_SetObject(PyExc_StopIteration, stop.get());
    return nullptr;
}

PyType_Slot kReadySlots[] = {
    {Py_tp_dealloc, reinterpret_cast<void*>(ready_dealloc)},
    {Py_am_await, reinterpret_cast<void*>(ready_self)},
    {Py_tp_iter, reinterpret_cast<void*>(ready_self)},
    {Py_tp_iternext, reinterpret_cast<void*>(ready_next)},
    {0, nullptr},
};

PyType_Spec kReadySpec = {"paasrun.asgi.Ready", sizeof(ReadyObject), 0, Py_TPFLAGS_DEFAULT,
                          kReadySlots};

PyType_Slot kPortSlots[] = {
    {Py_tp_dealloc, reinterpret_cast<void*>(port_dealloc)},
    {Py_tp_methods, kPortMethods},
    {0, nullptr},
};

PyType_Spec kPortSpec = {"paasrun.asgi.Port", sizeof(PortObject), 0, Py_TPFLAGS_DEFAULT,
                         kPortSlots};

PyObject* str_of(std::string_view s) {
    return PyUnicode_DecodeLatin1(s.data(), static_cast<Py_ssize_t>(s.size()), nullptr);
}
PyObject* bytes_of(std::string_view s) {
    return PyBytes_FromStringAndSize(s.data(), static_cast<Py_ssize_t>(s.size()));
}

PyObject* address(std::string_view host, std::uint16_t port) {
    if (host.empty()) Py_RETURN_NONE;
    PyRef h(str_of(host));
    if (!h) return nullptr;
    return Py_BuildValue("(Oi)", h.get(), static_cast<int>(port));
}

// The request path after --root-path, as WSGI's PATH_INFO does (docs/asgi.md).
std::string_view strip_root(std::string_view path, std::string_view root) {
    if (root.empty() || !path.starts_with(root)) return path;
    if (path.size() != root.size() && path[root.size()] != '/') return path;
    return path.substr(root.size());
}

}  // namespace

bool Names::init() {
    auto intern = [](PyRef& r, const char* s) {
        r = PyRef(PyUnicode_InternFromString(s));
        return static_cast<bool>(r);
    };
    return intern(type, "type") && intern(asgi, "asgi") && intern(version, "version") &&
           intern(spec_version, "spec_version") && intern(http_version, "http_version") &&
           intern(method, "method") && intern(scheme, "scheme") && intern(path, "path") &&
           intern(raw_path, "raw_path") && intern(query_string, "query_string") &&
           intern(root_path, "root_path") && intern(headers, "headers") &&
           intern(client, "client") && intern(server, "server") &&
           intern(extensions, "extensions") && intern(body, "body") &&
           intern(more_body, "more_body") && intern(status, "status") &&
           intern(trailers, "trailers") && intern(path_key, "path") && intern(v_http, "http") &&
           intern(v_30, "3.0") && intern(v_24, "2.4") && intern(v_11, "1.1") &&
           intern(v_10, "1.0") && intern(v_request, "http.request") &&
           intern(v_disconnect, "http.disconnect") &&
           intern(v_pathsend, "http.response.pathsend") && intern(v_start, "http.response.start") &&
           intern(v_body, "http.response.body") && intern(v_trailers, "http.response.trailers") &&
           intern(more_trailers, "more_trailers") &&
           static_cast<bool>(v_empty_bytes = PyRef(PyBytes_FromStringAndSize(nullptr, 0))) &&
           intern(v_empty_str, "") && intern(v_https, "https") && intern(state, "state") &&
           intern(m_get, "GET") && intern(m_post, "POST") && intern(m_head, "HEAD") &&
           intern(m_put, "PUT") && intern(m_delete, "DELETE") && intern(m_patch, "PATCH") &&
           intern(m_options, "OPTIONS");
}

PyRef make_port_type() {
    return PyRef(PyType_FromSpec(&kPortSpec));
}

PyRef make_ready_type() {
    return PyRef(PyType_FromSpec(&kReadySpec));
}

PyRef new_ready(Runtime::Impl& impl, PyObject* value) {
    auto* tp = reinterpret_cast<PyTypeObject*>(impl.ready_type.get());
    PyObject* o = tp->tp_alloc(tp, 0);
    if (o == nullptr) return {};
    reinterpret_cast<ReadyObject*>(o)->value = value == Py_None ? nullptr : Py_NewRef(value);
    return PyRef(o);
}

PyRef new_port(Runtime::Impl& impl, std::shared_ptr<Exchange> ex) {
    auto* tp = reinterpret_cast<PyTypeObject*>(impl.port_type.get());
    PyObject* o = tp->tp_alloc(tp, 0);
    if (o == nullptr) return {};
    auto* p = as_port(o);
    p->impl = &impl;
    new (&p->ex) std::shared_ptr<Exchange>(std::move(ex));
    p->sink = p->ex->sink;
    p->recv_waiter = nullptr;
    p->send_waiter = nullptr;
    p->task = nullptr;
    p->body_pos = 0;
    p->body_done = false;
    p->started = false;
    p->trailers = false;
    p->last_body = false;
    return PyRef(o);
}

namespace {

// A str for `s`, reusing `cached` while the text stays the same (the listener's address,
// the peer of a keep-alive connection, --root-path).
PyObject* cached_str(std::string_view s, std::string& key, PyRef& cached) {
    if (!cached || key != s) {
        cached = PyRef(str_of(s));
        if (!cached) return nullptr;
        key.assign(s);
    }
    return Py_NewRef(cached.get());
}

PyObject* method_str(Names& n, std::string_view m) {
    const PyRef* known = nullptr;
    switch (m.size()) {
        case 3:
            known = m == "GET" ? &n.m_get : m == "PUT" ? &n.m_put : nullptr;
            break;
        case 4:
            known = m == "POST" ? &n.m_post : m == "HEAD" ? &n.m_head : nullptr;
            break;
        case 5:
            known = m == "PATCH" ? &n.m_patch : nullptr;
            break;
        case 6:
            known = m == "DELETE" ? &n.m_delete : nullptr;
            break;
        case 7:
            known = m == "OPTIONS" ? &n.m_options : nullptr;
            break;
        default:
            break;
    }
    return known != nullptr ? Py_NewRef(known->get()) : str_of(m);
}

}  // namespace

// The common request header names (RFC 9110's and the usual browser and proxy ones).
constexpr std::string_view kCommonHeaderNames[] = {
    "host",
    "user-agent",
    "accept",
    "accept-encoding",
    "accept-language",
    "connection",
    "content-type",
    "content-length",
    "cookie",
    "authorization",
    "referer",
    "origin",
    "cache-control",
    "x-forwarded-for",
    "x-forwarded-proto",
    "x-request-id",
    "upgrade",
    "if-none-match",
    "if-modified-since",
    "sec-fetch-mode",
    "sec-fetch-site",
    "sec-fetch-dest",
    "pragma",
    "x-forwarded-host",
};

PyObject* Runtime::Impl::header_name(std::string_view name) {
    if (header_names.empty()) {
        for (auto common : kCommonHeaderNames) {
            PyRef b(bytes_of(common));
            if (!b) return nullptr;
            header_names.emplace_back(std::string(common), std::move(b));
        }
    }
    for (const auto& [lower, bytes] : header_names) {
        if (lower.size() != name.size()) continue;
        bool same = true;
        for (std::size_t i = 0; i < name.size() && same; ++i) {
            char c = name[i];
            if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
            same = c == lower[i];
        }
        if (same) return Py_NewRef(bytes.get());
    }
    scratch.assign(name);
    for (auto& c : scratch)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return bytes_of(scratch);
}

PyObject* Runtime::Impl::client_tuple(std::string_view host, std::uint16_t port) {
    PyObject* h = cached_str(host, client_host, client_host_str);  // new reference
    if (h == nullptr) return nullptr;
    ClientSlot& slot = clients[port % clients.size()];
    if (slot.tuple && slot.host == h && slot.port == port) {
        Py_DECREF(h);
        return Py_NewRef(slot.tuple.get());
    }
    PyRef host_ref(h);
    PyRef port_obj(PyLong_FromLong(port));
    PyRef tuple(port_obj ? PyTuple_Pack(2, h, port_obj.get()) : nullptr);
    if (!tuple) return nullptr;
    slot.tuple = tuple;
    slot.host = h;  // the tuple holds it: no other str can take its address meanwhile
    slot.port = port;
    return tuple.release();
}

bool Runtime::Impl::build_scope_template(const RequestView& r) {
    Names& n = names;
    if (!asgi_template) {
        asgi_template = PyRef(PyDict_New());
        if (!asgi_template || !put_ref(asgi_template.get(), n.version, n.v_30) ||
            !put_ref(asgi_template.get(), n.spec_version, n.v_24))
            return false;
    }
    PyRef listener(address(r.server_host, r.server_port));
    PyRef scheme(r.scheme == "http"    ? Py_NewRef(n.v_http.get())
                 : r.scheme == "https" ? Py_NewRef(n.v_https.get())
                                       : str_of(r.scheme));
    PyRef root(r.root_path.empty() ? Py_NewRef(n.v_empty_str.get()) : str_of(r.root_path));
    if (!listener || !scheme || !root) return false;
    // Keys in scope order; `asgi`, `path`, `raw_path`, `headers` and `extensions` are
    // placeholders every request overwrites.
    PyRef t(PyDict_New());
    if (!t || !put_ref(t.get(), n.type, n.v_http) || !put_ref(t.get(), n.asgi, n.v_http) ||
        !put_ref(t.get(), n.http_version, r.http10 ? n.v_10 : n.v_11) ||
        !put_ref(t.get(), n.method, n.m_get) || !put_ref(t.get(), n.scheme, scheme) ||
        !put_ref(t.get(), n.path, n.v_empty_str) ||
        !put_ref(t.get(), n.raw_path, n.v_empty_bytes) ||
        !put_ref(t.get(), n.query_string, n.v_empty_bytes) ||
        !put_ref(t.get(), n.root_path, root) || !put_ref(t.get(), n.headers, n.v_http) ||
        PyDict_SetItem(t.get(), n.client.get(), Py_None) != 0 ||
        !put_ref(t.get(), n.server, listener) || !put_ref(t.get(), n.extensions, n.v_http))
        return false;
    scope_template = std::move(t);
    shape_http10 = r.http10;
    shape_scheme.assign(r.scheme);
    shape_root_path.assign(r.root_path);
    shape_server_host.assign(r.server_host);
    shape_server_port = r.server_port;
    return true;
}

PyRef Runtime::Impl::build_scope(const RequestView& r) {
    Names& n = names;
    if (!scope_template || shape_http10 != r.http10 || shape_scheme != r.scheme ||
        shape_root_path != r.root_path || shape_server_host != r.server_host ||
        shape_server_port != r.server_port) {
        if (!build_scope_template(r)) return {};
    }
    PyRef scope(PyDict_Copy(scope_template.get()));
    if (!scope) return {};
    PyObject* s = scope.get();

    http::percent_decode(strip_root(r.raw_path, r.root_path), scratch);
    if (scratch.empty()) scratch = "/";
    PyRef path(
        PyUnicode_DecodeUTF8(scratch.data(), static_cast<Py_ssize_t>(scratch.size()), "replace"));
    PyRef headers(path ? PyList_New(static_cast<Py_ssize_t>(r.headers.size())) : nullptr);
    if (!headers) return {};
    Py_ssize_t i = 0;
    for (const auto& h : r.headers) {
        PyObject* pair = PyTuple_New(2);
        PyObject* k = pair != nullptr ? header_name(h.name) : nullptr;
        PyObject* v = k != nullptr ? bytes_of(h.value) : nullptr;
        if (v == nullptr) {
            Py_XDECREF(k);
            Py_XDECREF(pair);
            return {};
        }
        PyTuple_SET_ITEM(pair, 0, k);
        PyTuple_SET_ITEM(pair, 1, v);
        PyList_SET_ITEM(headers.get(), i++, pair);
    }
    PyRef extensions(PyDict_New());
    PyRef pathsend(PyDict_New());
    PyRef trailers(PyDict_New());
    if (!extensions || !pathsend || !trailers ||
        PyDict_SetItem(extensions.get(), n.v_pathsend.get(), pathsend.get()) != 0 ||
        PyDict_SetItem(extensions.get(), n.v_trailers.get(), trailers.get()) != 0)
        return {};

    // What the template does not already hold (it has method GET, no query, no client).
    bool ok =
        put(s, n.asgi, PyDict_Copy(asgi_template.get())) &&
        (r.method == "GET" || put(s, n.method, method_str(n, r.method))) &&
        put_ref(s, n.path, path) && put(s, n.raw_path, bytes_of(r.raw_path)) &&
        (r.query.empty() || put(s, n.query_string, bytes_of(r.query))) &&
        put_ref(s, n.headers, headers) &&
        (r.client_host.empty() || put(s, n.client, client_tuple(r.client_host, r.client_port))) &&
        put_ref(s, n.extensions, extensions);
    if (ok && state) ok = put(s, n.state, PyDict_Copy(state.get()));
    if (!ok) return {};
    return scope;
}

namespace {

// The exception being raised, as (traceback text, quiet); clears it.
std::pair<std::string, bool> take_app_error(Runtime::Impl& im) {
    PyObject *type = nullptr, *value = nullptr, *tb = nullptr;
    PyErr_Fetch(&type, &value, &tb);
    PyErr_NormalizeException(&type, &value, &tb);
    PyRef t(type), v(value), b(tb);
    if (!v) return {"unknown error", false};
    if (b) PyException_SetTraceback(v.get(), b.get());
    bool quiet = PyErr_GivenExceptionMatches(v.get(), im.disconnected_type.get()) ||
                 PyErr_GivenExceptionMatches(v.get(), im.cancelled_type.get());
    PyRef text(PyObject_CallOneArg(im.format_exception_fn.get(), v.get()));
    const char* c = text ? PyUnicode_AsUTF8(text.get()) : nullptr;
    if (c == nullptr) return {wsgi::take_python_error(), quiet};
    return {c, quiet};
}

}  // namespace

void port_coroutine_ended(Runtime::Impl& impl, PyObject* port, bool raised) {
    if (!raised) return finish(as_port(port), {}, false);
    auto [text, quiet] = take_app_error(impl);
    finish(as_port(port), text, quiet);
}

void Runtime::Impl::start_request(const std::shared_ptr<Exchange>& ex) {
    // A measured request is charged this whole first step (scope, Task, the app's eager
    // step), as a WSGI request is charged its environ and app call; later steps: Resume.
    ThreadCpuMeter cpu(ex->cpu_ns, ex->measure_cpu);
    PyRef scope = build_scope(ex->request);
    PyRef port = scope ? new_port(*this, ex) : PyRef{};
    PyRef receive = port ? PyRef(PyCFunction_New(&kReceiveDef, port.get())) : PyRef{};
    PyRef send = receive ? PyRef(PyCFunction_New(&kSendDef, port.get())) : PyRef{};
    PyRef ctx = send ? PyRef(PyContext_Copy(base_context.get())) : PyRef{};
    // The request's Task, uninitialised (glue RequestTask): it is the current task of the
    // eager step, and becomes a scheduled Task only if that step suspends (below).
    auto* task_tp = reinterpret_cast<PyTypeObject*>(request_task_type.get());
    PyRef task = ctx ? PyRef(task_tp->tp_new(task_tp, empty_tuple.get(), nullptr)) : PyRef{};
    if (!task) {
        std::string tb = wsgi::take_python_error();
        if (ex->sink != nullptr) ex->sink->fail(tb, false);
        // The Port (if any) must not complete the response a second time.
        if (port) as_port(port.get())->sink = nullptr;
        return;
    }
    auto* p = as_port(port.get());
    ex->channel = Py_NewRef(port.get());  // dropped by finish()

    // The coroutine's first step, now: in the request's context, with its Task as the
    // current task, as the Task's own first step would run it one loop turn later.
    PyObject* task_args[] = {loop.get(), task.get()};
    PyRef entered(PyObject_Vectorcall(enter_task_fn.get(), task_args, 2, nullptr));
    if (!entered || PyContext_Enter(ctx.get()) != 0) {
        auto [text, quiet] = take_app_error(*this);
        return finish(p, text, quiet);
    }
    PyObject* app_args[] = {scope.get(), receive.get(), send.get()};
    PyRef coro(PyObject_Vectorcall(app.get(), app_args, 3, nullptr));
    PyObject* yielded = nullptr;
    PySendResult r = PYGEN_ERROR;
    bool eager = coro && PyCoro_CheckExact(coro.get());
    if (eager && PyObject_SetAttr(task.get(), s_paasrun_coro.get(), coro.get()) != 0) eager = false;
    if (eager) r = PyIter_Send(coro.get(), Py_None, &yielded);
    PyObject *et = nullptr, *ev = nullptr, *etb = nullptr;
    PyErr_Fetch(&et, &ev, &etb);  // the app's error waits while the task is left
    PyContext_Exit(ctx.get());
    PyRef left(PyObject_Vectorcall(leave_task_fn.get(), task_args, 2, nullptr));
    if (!left) PyErr_Clear();
    PyErr_Restore(et, ev, etb);
    PyRef result(yielded);

    PyRef rest;  // what the Task runs from its first turn on
    if (coro && !eager && !PyErr_Occurred()) {
        // An awaitable that is not a coroutine: the Task goes through its __await__.
        PyRef it(PyObject_CallMethod(coro.get(), "__await__", nullptr));
        if (it) rest = new_resume(*this, port.get(), it.get(), nullptr, nullptr);
    } else if (r == PYGEN_RETURN) {
        return finish(p, {}, false);  // done in one step: the Task is never scheduled
    } else if (r == PYGEN_ERROR) {
        auto [text, quiet] = take_app_error(*this);
        return finish(p, text, quiet);
    } else {
        rest =
            new_resume(*this, port.get(), coro.get(), result.get(), ex->measure_cpu ? ex : nullptr);
    }
    if (!rest || !schedule_task(task.get(), rest.get(), ctx.get())) {
        auto [text, quiet] = take_app_error(*this);
        return finish(p, text, quiet);
    }
    p->task = task.release();
}

// The request's first step suspended: its RequestTask becomes a real Task running `rest` (a
// Resume) in `ctx`: Task.__init__ on the same object schedules its first step and registers
// it in asyncio's task set, as loop.create_task would. A cancel() made on it during the step
// (asyncio.timeout, anyio) is made again, since __init__ resets it: the Task's first step then
// throws CancelledError into the app's coroutine where it waits. False with a Python error.
bool Runtime::Impl::schedule_task(PyObject* task, PyObject* rest, PyObject* ctx) {
    PyRef cancelling(PyObject_CallMethodNoArgs(task, s_cancelling.get()));
    long cancels = cancelling ? PyLong_AsLong(cancelling.get()) : -1;
    if (cancels < 0) return false;
    PyRef args(PyTuple_Pack(1, rest));
    PyRef kwargs(PyDict_New());
    if (!args || !kwargs || PyDict_SetItem(kwargs.get(), s_loop.get(), loop.get()) != 0 ||
        PyDict_SetItem(kwargs.get(), s_context.get(), ctx) != 0 ||
        Py_TYPE(task)->tp_init(task, args.get(), kwargs.get()) != 0)
        return false;
    if (cancels > 0) {
        PyRef again(PyObject_CallMethod(task, "cancel", nullptr));
        if (!again) return false;
    }
    return true;
}

}  // namespace paasrun::asgi
