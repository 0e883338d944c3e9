// The Port: the C++ object behind one request's receive() and send() (glue.Channel wraps it
// in the coroutines apps await), and the `http` scope. Loop thread, GIL held throughout.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <new>
#include <vector>

#include "asgi/runtime_impl.hpp"
#include "http/percent.hpp"
#include "util/log.hpp"
#include "util/unique_fd.hpp"
#include "wsgi/interpreter.hpp"

namespace paasrun::asgi {
namespace {

// Spooled request bodies (over 1 MiB, see worker/body.hpp) reach the app in pieces of this
// size; a body held in memory arrives in one http.request message.
constexpr std::size_t kBodyChunk = 64 * 1024;

struct PortObject {
    PyObject_HEAD Runtime::Impl* impl;
    std::shared_ptr<Exchange> ex;  // null once the task ended
    ResponseSink* sink;            // null once the response is complete
    std::uint64_t body_pos;
    bool body_done;  // the last http.request message was delivered
    bool started;    // http.response.start was sent
};

PortObject* as_port(PyObject* self) {
    return reinterpret_cast<PortObject*>(self);
}

void port_dealloc(PyObject* self) {
    auto* p = as_port(self);
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

// receive(): the next http.request message, http.disconnect, or None (wait for a wake-up).
PyObject* port_receive(PyObject* self, PyObject*) {
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
    PyObject* status_obj = PyDict_GetItemWithError(message, n.status.get());  // borrowed
    if (status_obj == nullptr || !PyLong_Check(status_obj)) {
        if (!PyErr_Occurred())
            PyErr_SetString(PyExc_TypeError, "http.response.start needs an int 'status'");
        return nullptr;
    }
    long status = PyLong_AsLong(status_obj);
    if (status < 100 || status > 999) {
        if (!PyErr_Occurred()) PyErr_Format(PyExc_ValueError, "invalid HTTP status %ld", status);
        return nullptr;
    }
    std::vector<ResponseSink::Header> headers;
    std::vector<PyRef> keep;
    PyObject* hs = PyDict_GetItemWithError(message, n.headers.get());  // borrowed
    if (hs == nullptr && PyErr_Occurred()) return nullptr;
    if (hs != nullptr && hs != Py_None) {
        PyRef it(PyObject_GetIter(hs));
        if (!it) return nullptr;
        while (PyRef item{PyIter_Next(it.get())}) {
            PyRef pair(PySequence_Fast(item.get(), "an ASGI header must be a [name, value] pair"));
            if (!pair) return nullptr;
            if (PySequence_Fast_GET_SIZE(pair.get()) != 2) {
                PyErr_SetString(PyExc_ValueError, "an ASGI header must be a [name, value] pair");
                return nullptr;
            }
            PyObject* name = PySequence_Fast_GET_ITEM(pair.get(), 0);
            PyObject* value = PySequence_Fast_GET_ITEM(pair.get(), 1);
            if (!PyBytes_Check(name) || !PyBytes_Check(value)) {
                PyErr_SetString(PyExc_TypeError, "ASGI header names and values must be bytes");
                return nullptr;
            }
            headers.push_back(
                {{PyBytes_AS_STRING(name), static_cast<std::size_t>(PyBytes_GET_SIZE(name))},
                 {PyBytes_AS_STRING(value), static_cast<std::size_t>(PyBytes_GET_SIZE(value))}});
            keep.push_back(std::move(pair));
        }
        if (PyErr_Occurred()) return nullptr;
    }
    p->started = true;
    p->sink->start(static_cast<int>(status), headers);
    return Py_NewRef(p->impl->ready.get());
}

PyObject* ready(PortObject* p) { return Py_NewRef(p->impl->ready.get()); }

// What send() returns: the shared done future, or a new future the task awaits until the
// connection drained its output (Channel.wake resolves channel.send_waiter).
PyObject* step_result(PortObject* p, ResponseSink::Step step) {
    if (step == ResponseSink::Step::complete) p->sink = nullptr;
    if (step != ResponseSink::Step::wait || !p->ex || p->ex->channel == nullptr) return ready(p);
    PyRef waiter(PyObject_CallMethod(p->impl->loop.get(), "create_future", nullptr));
    if (!waiter || PyObject_SetAttrString(p->ex->channel, "send_waiter", waiter.get()) != 0) return nullptr;
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
    auto step = p->sink->body(data, more != 0);
    if (have_view) PyBuffer_Release(&view);
    return step_result(p, step);
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
    return step_result(p, p->sink->file(fd.get(), static_cast<std::uint64_t>(st.st_size)));
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
    int is_start = PyObject_RichCompareBool(type, n.v_start.get(), Py_EQ);
    if (is_start < 0) return nullptr;
    if (is_start) {
        if (p->started) return raise_runtime("ASGI message %R sent twice", type);
        return do_start(p, message);
    }
    int is_body = PyObject_RichCompareBool(type, n.v_body.get(), Py_EQ);
    if (is_body < 0) return nullptr;
    int is_pathsend = is_body ? 0 : PyObject_RichCompareBool(type, n.v_pathsend.get(), Py_EQ);
    if (is_pathsend < 0) return nullptr;
    if (!is_body && !is_pathsend)
        return raise_runtime("unexpected ASGI message %R in an http scope", type);
    if (!p->started) return raise_runtime("ASGI message %R sent before http.response.start", type);
    return is_body ? do_body(p, message) : do_pathsend(p, message);
}

// finish(traceback_or_None, quiet): the task ended.
PyObject* port_finish(PyObject* self, PyObject* args) {
    auto* p = as_port(self);
    PyObject* tb = nullptr;
    int quiet = 0;
    if (!PyArg_ParseTuple(args, "Op", &tb, &quiet)) return nullptr;
    std::string_view text;
    if (tb != Py_None) {
        Py_ssize_t len = 0;
        const char* s = PyUnicode_AsUTF8AndSize(tb, &len);
        if (s == nullptr) return nullptr;
        text = {s, static_cast<std::size_t>(len)};
    }
    while (!text.empty() && text.back() == '\n') text.remove_suffix(1);
    if (p->sink != nullptr) {
        p->sink->fail(text, quiet != 0);
        p->sink = nullptr;
    } else if (!text.empty() && quiet == 0) {
        log::error("asgi", "app raised after its response was complete traceback={}",
                   log::quote(text));
    }
    if (p->ex) {
        PyObject* ch = p->ex->channel;
        p->ex->channel = nullptr;
        p->ex.reset();
        Py_XDECREF(ch);
    }
    Py_RETURN_NONE;
}

PyMethodDef kPortMethods[] = {
    {"receive", port_receive, METH_NOARGS, "next http.request / http.disconnect message, or None"},
    {"send", port_send, METH_O, "send an ASGI message; True: wait for room"},
    {"finish", port_finish, METH_VARARGS, "the task ended"},
    {nullptr, nullptr, 0, nullptr},
};

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
           intern(v_body, "http.response.body") &&
           static_cast<bool>(v_empty_bytes = PyRef(PyBytes_FromStringAndSize(nullptr, 0))) &&
           intern(v_empty_str, "");
}

PyRef make_port_type() {
    return PyRef(PyType_FromSpec(&kPortSpec));
}

PyRef new_port(Runtime::Impl& impl, std::shared_ptr<Exchange> ex) {
    auto* tp = reinterpret_cast<PyTypeObject*>(impl.port_type.get());
    PyObject* o = tp->tp_alloc(tp, 0);
    if (o == nullptr) return {};
    auto* p = as_port(o);
    p->impl = &impl;
    new (&p->ex) std::shared_ptr<Exchange>(std::move(ex));
    p->sink = p->ex->sink;
    p->body_pos = 0;
    p->body_done = false;
    p->started = false;
    return PyRef(o);
}

PyRef Runtime::Impl::build_scope(const RequestView& r) {
    Names& n = names;
    PyRef scope(PyDict_New());
    if (!scope) return {};
    PyObject* s = scope.get();
    PyRef asgi_info(PyDict_New());
    if (!asgi_info || !put_ref(asgi_info.get(), n.version, n.v_30) ||
        !put_ref(asgi_info.get(), n.spec_version, n.v_24))
        return {};

    http::percent_decode(strip_root(r.raw_path, r.root_path), scratch);
    if (scratch.empty()) scratch = "/";
    PyObject* path =
        PyUnicode_DecodeUTF8(scratch.data(), static_cast<Py_ssize_t>(scratch.size()), "replace");

    PyRef headers(PyList_New(static_cast<Py_ssize_t>(r.headers.size())));
    if (!headers) return {};
    Py_ssize_t i = 0;
    for (const auto& h : r.headers) {
        scratch.assign(h.name);
        for (auto& c : scratch)
            if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        PyObject* pair =
            Py_BuildValue("(y#y#)", scratch.data(), static_cast<Py_ssize_t>(scratch.size()),
                          h.value.data(), static_cast<Py_ssize_t>(h.value.size()));
        if (pair == nullptr) return {};
        PyList_SET_ITEM(headers.get(), i++, pair);
    }
    PyRef extensions(Py_BuildValue("{s:{}}", "http.response.pathsend"));

    bool ok = put_ref(s, n.type, n.v_http) && put_ref(s, n.asgi, asgi_info) &&
              put_ref(s, n.http_version, r.http10 ? n.v_10 : n.v_11) &&
              put(s, n.method, str_of(r.method)) && put(s, n.scheme, str_of(r.scheme)) &&
              put(s, n.path, path) && put(s, n.raw_path, bytes_of(r.raw_path)) &&
              put(s, n.query_string,
                  r.query.empty() ? Py_NewRef(n.v_empty_bytes.get()) : bytes_of(r.query)) &&
              put(s, n.root_path,
                  r.root_path.empty() ? Py_NewRef(n.v_empty_str.get()) : str_of(r.root_path)) &&
              put_ref(s, n.headers, headers) &&
              put(s, n.client, address(r.client_host, r.client_port)) &&
              put(s, n.server, address(r.server_host, r.server_port)) && extensions &&
              put_ref(s, n.extensions, extensions);
    if (!ok) return {};
    return scope;
}

void Runtime::Impl::start_request(const std::shared_ptr<Exchange>& ex) {
    PyRef scope = build_scope(ex->request);
    PyRef port = scope ? new_port(*this, ex) : PyRef{};
    PyRef channel =
        port ? PyRef(PyObject_CallMethod(server.get(), "start", "OO", port.get(), scope.get()))
             : PyRef{};
    if (!channel) {
        std::string tb = wsgi::take_python_error();
        if (ex->sink != nullptr) ex->sink->fail(tb, false);
        // The Port (if any) must not complete the response a second time.
        if (port) as_port(port.get())->sink = nullptr;
        return;
    }
    ex->channel = channel.release();
}

}  // namespace paasrun::asgi
