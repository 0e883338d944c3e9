// The WsPort: the C++ object behind one WebSocket connection's receive() and send() (the
// glue's WsChannel wraps it), and the `websocket` scope.
// Loop thread, GIL held throughout. asgi/websocket.hpp has the protocol between the two
// sides; docs/asgi.md ("WebSockets") what the app sees.
#include <new>
#include <vector>

#include "asgi/runtime_impl.hpp"
#include "http/websocket_errors.hpp"
#include "util/log.hpp"
#include "wsgi/interpreter.hpp"

namespace paasrun::asgi {
namespace {

// Interned keys and values of websocket messages, made once per process.
struct WsNames {
    PyRef type, text, bytes, code, reason, subprotocol, headers, subprotocols, extensions, method,
        scheme, status, body, more_body;
    PyRef v_websocket, v_connect, v_receive, v_disconnect, v_accept, v_send, v_close, v_ws, v_wss,
        v_denial, v_denial_start, v_denial_body;
    bool init() {
        auto in = [](PyRef& r, const char* s) {
            r = PyRef(PyUnicode_InternFromString(s));
            return static_cast<bool>(r);
        };
        return in(type, "type") && in(text, "text") && in(bytes, "bytes") && in(code, "code") &&
               in(reason, "reason") && in(subprotocol, "subprotocol") && in(headers, "headers") &&
               in(subprotocols, "subprotocols") && in(extensions, "extensions") &&
               in(method, "method") && in(scheme, "scheme") && in(v_websocket, "websocket") &&
               in(v_connect, "websocket.connect") && in(v_receive, "websocket.receive") &&
               in(v_disconnect, "websocket.disconnect") && in(v_accept, "websocket.accept") &&
               in(v_send, "websocket.send") && in(v_close, "websocket.close") && in(v_ws, "ws") &&
               in(v_wss, "wss") && in(status, "status") && in(body, "body") &&
               in(more_body, "more_body") && in(v_denial, "websocket.http.response") &&
               in(v_denial_start, "websocket.http.response.start") &&
               in(v_denial_body, "websocket.http.response.body");
    }
};

WsNames* names() {
    static WsNames* n = [] {
        auto* made = new WsNames();  // lives as long as the interpreter
        if (!made->init()) {
            delete made;
            return static_cast<WsNames*>(nullptr);
        }
        return made;
    }();
    return n;
}

struct WsPortObject {
    PyObject_HEAD Runtime::Impl* impl;
    std::shared_ptr<WsExchange> ex;  // null once the task ended
};

WsPortObject* as_port(PyObject* self) {
    return reinterpret_cast<WsPortObject*>(self);
}

void port_dealloc(PyObject* self) {
    as_port(self)->ex.~shared_ptr<WsExchange>();
    PyTypeObject* tp = Py_TYPE(self);
    tp->tp_free(self);
    Py_DECREF(tp);
}

// A dict {"type": type, key: value_owned} (key may be null: just the type).
PyObject* message(const PyRef& type, const PyRef* key, PyObject* value_owned) {
    PyRef value(value_owned);
    PyRef m(PyDict_New());
    if (!m || PyDict_SetItem(m.get(), names()->type.get(), type.get()) != 0) return nullptr;
    if (key != nullptr && (!value || PyDict_SetItem(m.get(), key->get(), value.get()) != 0))
        return nullptr;
    return m.release();
}

PyObject* disconnect_message(std::uint16_t code) {
    WsNames& n = *names();
    PyRef m(message(n.v_disconnect, &n.code, PyLong_FromLong(code)));
    PyRef empty(PyUnicode_FromStringAndSize("", 0));
    if (!m || !empty || PyDict_SetItem(m.get(), n.reason.get(), empty.get()) != 0) return nullptr;
    return m.release();
}

// receive(): websocket.connect first, then the inbox, then websocket.disconnect; None when
// the task must wait (the worker wakes it).
PyObject* port_receive(PyObject* self, PyObject*) {
    auto* p = as_port(self);
    WsNames& n = *names();
    if (!p->ex) return disconnect_message(http::ws::close_code::abnormal);
    WsExchange& ex = *p->ex;
    if (!ex.connect_delivered) {
        ex.connect_delivered = true;
        return message(n.v_connect, nullptr, nullptr);
    }
    if (ex.inbox_size() > 0) {
        WsIncoming in = std::move(ex.inbox[ex.inbox_head++]);
        ex.inbox_bytes -= in.data.size();
        if (ex.inbox_head == ex.inbox.size()) {
            ex.inbox.clear();
            ex.inbox_head = 0;
        }
        auto size = static_cast<Py_ssize_t>(in.data.size());
        PyObject* m =
            in.text
                ? message(n.v_receive, &n.text, PyUnicode_DecodeUTF8(in.data.data(), size, nullptr))
                : message(n.v_receive, &n.bytes, PyBytes_FromStringAndSize(in.data.data(), size));
        if (ex.sink != nullptr) ex.sink->consumed();
        return m;
    }
    if (ex.disconnect_code != 0 || ex.sink == nullptr)
        return disconnect_message(ex.disconnect_code != 0 ? ex.disconnect_code
                                                          : http::ws::close_code::abnormal);
    ex.waiting = true;
    Py_RETURN_NONE;
}

PyObject* raise_runtime(const char* fmt_text, PyObject* type_name) {
    PyErr_Format(PyExc_RuntimeError, fmt_text, type_name);
    return nullptr;
}

PyObject* ready(WsPortObject* p) {
    return Py_NewRef(p->impl->ready.get());
}

PyObject* disconnected(WsPortObject* p) {
    PyErr_SetString(p->impl->disconnected_type.get(), "the WebSocket connection is closed");
    return nullptr;
}

// An optional str entry of a message as UTF-8 ("" when absent or None).
bool optional_str(PyObject* msg, const PyRef& key, std::string_view& out) {
    PyObject* v = PyDict_GetItemWithError(msg, key.get());  // borrowed
    if (v == nullptr) return !PyErr_Occurred();
    if (v == Py_None) return true;
    Py_ssize_t len = 0;
    const char* s = PyUnicode_AsUTF8AndSize(v, &len);
    if (s == nullptr) return false;
    out = {s, static_cast<std::size_t>(len)};
    return true;
}

PyObject* do_accept(WsPortObject* p, PyObject* msg) {
    WsNames& n = *names();
    std::string_view subprotocol;
    if (!optional_str(msg, n.subprotocol, subprotocol)) return nullptr;
    std::vector<WebSocketSink::Header> headers;
    std::vector<PyRef> keep;
    if (!message_headers(msg, n.headers.get(), headers, keep)) return nullptr;
    std::string error = p->ex->sink->accept(subprotocol, headers);
    if (!error.empty()) {
        PyErr_Format(PyExc_RuntimeError, "websocket.accept: %s", error.c_str());
        return nullptr;
    }
    p->ex->accepted = true;
    return ready(p);
}

PyObject* do_send(WsPortObject* p, PyObject* msg) {
    WsNames& n = *names();
    PyObject* data = PyDict_GetItemWithError(msg, n.bytes.get());  // borrowed
    if (data == nullptr && PyErr_Occurred()) return nullptr;
    WebSocketSink::Step step;
    if (data != nullptr && data != Py_None) {
        Py_buffer view{};
        if (PyObject_GetBuffer(data, &view, PyBUF_SIMPLE) != 0) {
            PyErr_Format(PyExc_TypeError, "websocket.send 'bytes' must be bytes, not %.100s",
                         Py_TYPE(data)->tp_name);
            return nullptr;
        }
        step = p->ex->sink->send(
            false, {static_cast<const char*>(view.buf), static_cast<std::size_t>(view.len)});
        PyBuffer_Release(&view);
    } else {
        PyObject* text = PyDict_GetItemWithError(msg, n.text.get());
        if (text == nullptr || text == Py_None) {
            if (!PyErr_Occurred())
                PyErr_SetString(PyExc_ValueError, "websocket.send needs 'bytes' or 'text'");
            return nullptr;
        }
        if (!PyUnicode_Check(text)) {
            PyErr_Format(PyExc_TypeError, "websocket.send 'text' must be str, not %.100s",
                         Py_TYPE(text)->tp_name);
            return nullptr;
        }
        Py_ssize_t len = 0;
        const char* s = PyUnicode_AsUTF8AndSize(text, &len);
        if (s == nullptr) return nullptr;
        step = p->ex->sink->send(true, {s, static_cast<std::size_t>(len)});
    }
    if (step == WebSocketSink::Step::closed) return disconnected(p);
    if (step == WebSocketSink::Step::ok || p->ex->channel == nullptr) return ready(p);
    PyRef waiter(PyObject_CallMethod(p->impl->loop.get(), "create_future", nullptr));
    if (!waiter || PyObject_SetAttrString(p->ex->channel, "send_waiter", waiter.get()) != 0)
        return nullptr;
    p->ex->wants_room = true;
    return waiter.release();
}

PyObject* do_close(WsPortObject* p, PyObject* msg) {
    WsNames& n = *names();
    long code = http::ws::close_code::normal;
    PyObject* c = PyDict_GetItemWithError(msg, n.code.get());  // borrowed
    if (c == nullptr && PyErr_Occurred()) return nullptr;
    if (c != nullptr && c != Py_None) {
        code = PyLong_AsLong(c);
        if (code == -1 && PyErr_Occurred()) return nullptr;
        if (code < 1000 || code > 4999) {
            PyErr_Format(PyExc_ValueError, "websocket.close: invalid close code %ld", code);
            return nullptr;
        }
    }
    std::string_view reason;
    if (!optional_str(msg, n.reason, reason)) return nullptr;
    p->ex->sink->close(static_cast<std::uint16_t>(code), reason);
    return ready(p);
}

// The WebSocket Denial Response extension: an HTTP response instead of the 101.
PyObject* do_denial_start(WsPortObject* p, PyObject* msg) {
    WsNames& n = *names();
    int status = 0;
    if (!message_status(msg, n.status.get(), "websocket.http.response.start", status))
        return nullptr;
    std::vector<WebSocketSink::Header> headers;
    std::vector<PyRef> keep;
    if (!message_headers(msg, n.headers.get(), headers, keep)) return nullptr;
    std::string error = p->ex->sink->deny_start(status, headers);
    if (!error.empty()) {
        PyErr_Format(PyExc_RuntimeError, "websocket.http.response.start: %s", error.c_str());
        return nullptr;
    }
    p->ex->denying = true;
    return ready(p);
}

PyObject* do_denial_body(WsPortObject* p, PyObject* msg) {
    WsNames& n = *names();
    PyObject* body = PyDict_GetItemWithError(msg, n.body.get());  // borrowed
    if (body == nullptr && PyErr_Occurred()) return nullptr;
    PyObject* more_obj = PyDict_GetItemWithError(msg, n.more_body.get());
    if (more_obj == nullptr && PyErr_Occurred()) return nullptr;
    int more = more_obj != nullptr ? PyObject_IsTrue(more_obj) : 0;
    if (more < 0) return nullptr;
    Py_buffer view{};
    std::string_view data;
    if (body != nullptr && body != Py_None) {
        if (PyObject_GetBuffer(body, &view, PyBUF_SIMPLE) != 0) {
            PyErr_Format(PyExc_TypeError,
                         "websocket.http.response.body 'body' must be bytes, not %.100s",
                         Py_TYPE(body)->tp_name);
            return nullptr;
        }
        data = {static_cast<const char*>(view.buf), static_cast<std::size_t>(view.len)};
    }
    p->ex->sink->deny_body(data, more != 0);
    if (view.obj != nullptr) PyBuffer_Release(&view);
    return ready(p);
}

// send(message) -> an awaitable (the shared done future, or a waiter when the output is
// above its high-water mark).
PyObject* port_send(PyObject* self, PyObject* msg) {
    auto* p = as_port(self);
    WsNames& n = *names();
    if (!PyDict_Check(msg)) {
        PyErr_SetString(PyExc_TypeError, "an ASGI message must be a dict");
        return nullptr;
    }
    PyObject* type = PyDict_GetItemWithError(msg, n.type.get());  // borrowed
    if (type == nullptr) {
        if (!PyErr_Occurred()) PyErr_SetString(PyExc_KeyError, "an ASGI message needs a 'type'");
        return nullptr;
    }
    auto is = [&](const PyRef& v) { return PyObject_RichCompareBool(type, v.get(), Py_EQ); };
    int send = is(n.v_send), close = send == 1 ? 0 : is(n.v_close),
        accept = (send == 1 || close == 1) ? 0 : is(n.v_accept);
    if (send < 0 || close < 0 || accept < 0) return nullptr;
    int deny_start = 0, deny_body = 0;
    if (!send && !close && !accept) {
        deny_start = is(n.v_denial_start);
        deny_body = deny_start == 1 ? 0 : is(n.v_denial_body);
        if (deny_start < 0 || deny_body < 0) return nullptr;
        if (!deny_start && !deny_body)
            return raise_runtime("unexpected ASGI message %R in a websocket scope", type);
    }
    if (!p->ex) return raise_runtime("ASGI message %R sent after the task ended", type);
    WsExchange& ex = *p->ex;
    if (deny_start || deny_body) {
        if (ex.sink == nullptr) return disconnected(p);
        if (ex.accepted) return raise_runtime("ASGI message %R sent after websocket.accept", type);
        if (deny_start) {
            if (ex.denying) return raise_runtime("ASGI message %R sent twice", type);
            return do_denial_start(p, msg);
        }
        if (!ex.denying)
            return raise_runtime("ASGI message %R sent before websocket.http.response.start", type);
        return do_denial_body(p, msg);
    }
    if (ex.denying && ex.sink != nullptr)
        return raise_runtime("ASGI message %R sent during a denial response", type);
    // A close of a connection that is already gone is not an error (the app may answer a
    // websocket.disconnect with it); anything else is.
    if (ex.sink == nullptr) return close ? ready(p) : disconnected(p);
    if (accept) {
        if (ex.accepted) return raise_runtime("ASGI message %R sent twice", type);
        return do_accept(p, msg);
    }
    if (close) return do_close(p, msg);
    if (!ex.accepted) return raise_runtime("ASGI message %R sent before websocket.accept", type);
    return do_send(p, msg);
}

// finish(traceback_or_None, quiet): the task ended.
PyObject* port_finish(PyObject* self, PyObject* args) {
    auto* p = as_port(self);
    std::string_view text;
    bool quiet = false;
    if (!parse_finish_args(args, text, quiet)) return nullptr;
    while (!text.empty() && text.back() == '\n') text.remove_suffix(1);
    if (!p->ex) Py_RETURN_NONE;
    std::shared_ptr<WsExchange> ex = std::move(p->ex);
    PyObject* ch = ex->channel;
    ex->channel = nullptr;
    if (ex->sink != nullptr) {
        ex->sink->finished(text, quiet);
    } else if (!text.empty() && !quiet) {
        log::error("asgi", "websocket app raised after the connection closed traceback={}",
                   log::quote(text));
    }
    Py_XDECREF(ch);
    Py_RETURN_NONE;
}

PyMethodDef kPortMethods[] = {
    {"receive", port_receive, METH_NOARGS, "next websocket.* message, or None (wait)"},
    {"send", port_send, METH_O, "send an ASGI websocket message; returns an awaitable"},
    {"finish", port_finish, METH_VARARGS, "the task ended"},
    {nullptr, nullptr, 0, nullptr},
};

PyType_Slot kPortSlots[] = {
    {Py_tp_dealloc, reinterpret_cast<void*>(port_dealloc)},
    {Py_tp_methods, kPortMethods},
    {0, nullptr},
};

PyType_Spec kPortSpec = {"paasrun.asgi.WsPort", sizeof(WsPortObject), 0, Py_TPFLAGS_DEFAULT,
                         kPortSlots};

PyObject* port_type() {
    static PyObject* type = PyType_FromSpec(&kPortSpec);  // lives as long as the interpreter
    return type;
}

// The `websocket` scope: the `http` scope's fields (path, headers, client, ... built by the
// same code) without `method`, with ws/wss, the offered subprotocols and the Denial Response
// extension (`websocket.http.response`).
PyRef build_websocket_scope(Runtime::Impl& impl, const WsExchange& ex) {
    WsNames& n = *names();
    PyRef scope = impl.build_scope(ex.request);
    if (!scope) return {};
    PyObject* s = scope.get();
    PyRef protocols(PyList_New(static_cast<Py_ssize_t>(ex.subprotocols.size())));
    PyRef extensions(PyDict_New());
    PyRef denial(PyDict_New());
    if (!protocols || !extensions || !denial ||
        PyDict_SetItem(extensions.get(), n.v_denial.get(), denial.get()) != 0)
        return {};
    Py_ssize_t i = 0;
    for (auto name : ex.subprotocols) {
        PyObject* str =
            PyUnicode_DecodeLatin1(name.data(), static_cast<Py_ssize_t>(name.size()), nullptr);
        if (str == nullptr) return {};
        PyList_SET_ITEM(protocols.get(), i++, str);
    }
    bool secure = ex.request.scheme == "https" || ex.request.scheme == "wss";
    if (PyDict_DelItem(s, n.method.get()) != 0) PyErr_Clear();
    if (PyDict_SetItem(s, n.type.get(), n.v_websocket.get()) != 0 ||
        PyDict_SetItem(s, n.scheme.get(), (secure ? n.v_wss : n.v_ws).get()) != 0 ||
        PyDict_SetItem(s, n.subprotocols.get(), protocols.get()) != 0 ||
        PyDict_SetItem(s, n.extensions.get(), extensions.get()) != 0)
        return {};
    return scope;
}

}  // namespace

bool Runtime::submit_websocket(const std::shared_ptr<WsExchange>& ex) {
    Impl& im = *impl_;
    auto* tp = reinterpret_cast<PyTypeObject*>(port_type());
    PyRef scope = names() != nullptr && tp != nullptr ? build_websocket_scope(im, *ex) : PyRef{};
    PyRef port;
    if (scope) {
        port = PyRef(tp->tp_alloc(tp, 0));
        if (port) {
            auto* p = as_port(port.get());
            p->impl = &im;
            new (&p->ex) std::shared_ptr<WsExchange>(ex);
        }
    }
    PyRef channel = port ? PyRef(PyObject_CallMethod(im.server.get(), "start_websocket", "OO",
                                                     port.get(), scope.get()))
                         : PyRef{};
    if (!channel) {
        log::error("asgi", "starting the websocket task failed request_id={} error={}",
                   ex->request.request_id, log::quote(wsgi::take_python_error()));
        if (port) as_port(port.get())->ex.reset();
        return false;
    }
    ex->channel = channel.release();
    return true;
}

void Runtime::wake_websocket(const std::shared_ptr<WsExchange>& ex) {
    if (ex->channel == nullptr || (!ex->waiting && !ex->wants_room)) return;
    ex->waiting = ex->wants_room = false;
    PyRef r(PyObject_CallMethod(ex->channel, "wake", nullptr));
    if (!r) log::error("asgi", "wake failed error={}", log::quote(wsgi::take_python_error()));
}

}  // namespace paasrun::asgi
