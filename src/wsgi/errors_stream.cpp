#include "wsgi/errors_stream.hpp"

#include <unistd.h>

#include <cerrno>
#include <string>

namespace paasrun::wsgi {
namespace {

struct ErrorsObject {
    PyObject ob_base;        // PyObject_HEAD
    ErrorsHandler* handler;  // owned
    std::string* pending;    // owned: the unterminated tail of what was written
};

ErrorsObject* as_errors(PyObject* o) {
    return reinterpret_cast<ErrorsObject*>(o);
}

void write_to_stderr(std::string_view line) {
    std::string out;
    out.reserve(line.size() + 1);
    out.append(line);
    out.push_back('\n');
    // One write(2) so lines from several workers sharing fd 2 do not interleave.
    ssize_t rc;
    do {
        rc = ::write(2, out.data(), out.size());
    } while (rc < 0 && errno == EINTR);
}

void deliver(ErrorsObject* e, std::string_view line) {
    if (*e->handler) {
        (*e->handler)(line);
        return;
    }
    write_to_stderr(line);
}

void flush_pending(ErrorsObject* e) {
    if (e->pending->empty()) return;
    std::string line;
    line.swap(*e->pending);
    deliver(e, line);
}

bool append_text(ErrorsObject* e, PyObject* text) {
    if (!PyUnicode_Check(text)) {
        PyErr_Format(PyExc_TypeError, "wsgi.errors.write() argument must be str, not %.100s",
                     Py_TYPE(text)->tp_name);
        return false;
    }
    Py_ssize_t n = 0;
    const char* s = PyUnicode_AsUTF8AndSize(text, &n);
    if (s == nullptr) return false;
    std::string_view data(s, static_cast<std::size_t>(n));
    while (!data.empty()) {
        auto nl = data.find('\n');
        if (nl == std::string_view::npos) {
            e->pending->append(data);
            break;
        }
        if (e->pending->empty()) {
            deliver(e, data.substr(0, nl));
        } else {
            e->pending->append(data.substr(0, nl));
            flush_pending(e);
        }
        data.remove_prefix(nl + 1);
    }
    return true;
}

PyObject* errors_write(PyObject* self, PyObject* text) {
    if (!append_text(as_errors(self), text)) return nullptr;
    return PyLong_FromSsize_t(PyUnicode_GET_LENGTH(text));
}

PyObject* errors_writelines(PyObject* self, PyObject* seq) {
    PyRef it(PyObject_GetIter(seq));
    if (!it) return nullptr;
    while (PyRef item{PyIter_Next(it.get())}) {
        if (!append_text(as_errors(self), item.get())) return nullptr;
    }
    if (PyErr_Occurred()) return nullptr;
    Py_RETURN_NONE;
}

PyObject* errors_flush(PyObject* self, PyObject*) {
    flush_pending(as_errors(self));
    Py_RETURN_NONE;
}

void errors_dealloc(PyObject* self) {
    PyTypeObject* type = Py_TYPE(self);
    ErrorsObject* e = as_errors(self);
    if (e->pending != nullptr && e->handler != nullptr) flush_pending(e);
    delete e->pending;
    delete e->handler;
    type->tp_free(self);
    Py_DECREF(type);
}

PyMethodDef errors_methods[] = {
    {"write", errors_write, METH_O, "write(str): log complete lines"},
    {"writelines", errors_writelines, METH_O, "writelines(iterable of str)"},
    {"flush", errors_flush, METH_NOARGS, "flush(): log a pending partial line"},
    {nullptr, nullptr, 0, nullptr},
};

PyType_Slot errors_slots[] = {
    {Py_tp_dealloc, reinterpret_cast<void*>(errors_dealloc)},
    {Py_tp_methods, errors_methods},
    {Py_tp_doc, const_cast<char*>("wsgi.errors: lines go to the worker's log (PEP 3333)")},
    {0, nullptr},
};

PyType_Spec errors_spec = {
    "paasrun.Errors",
    sizeof(ErrorsObject),
    0,
    Py_TPFLAGS_DEFAULT | Py_TPFLAGS_DISALLOW_INSTANTIATION,
    errors_slots,
};

}  // namespace

PyRef errors_stream_new(ErrorsHandler handler) {
    static PyTypeObject* type = nullptr;  // lives as long as the interpreter
    if (type == nullptr) type = reinterpret_cast<PyTypeObject*>(PyType_FromSpec(&errors_spec));
    if (type == nullptr) return {};
    PyRef obj(type->tp_alloc(type, 0));
    if (!obj) return {};
    ErrorsObject* e = as_errors(obj.get());
    e->handler = new ErrorsHandler(std::move(handler));
    e->pending = new std::string();
    return obj;
}

}  // namespace paasrun::wsgi
