// start_response and write(): the two callables an app receives (PEP 3333).
//
// Both are builtin functions bound to one small "responder" object that points at its
// Exchange::State. An Exchange reuses the trio across requests while nothing else holds
// them; otherwise finish() unbinds the responder (owner = null), so a start_response or
// write an app kept from an old request raises instead of touching a newer request.
#include <cstring>
#include <exception>

#include "wsgi/exchange_state.hpp"

namespace paasrun::wsgi {
namespace {

struct ResponderObject {
    PyObject ob_base;  // PyObject_HEAD
    Exchange::State* owner;
};

Exchange::State* owner_of(PyObject* self) {
    Exchange::State* st = reinterpret_cast<ResponderObject*>(self)->owner;
    if (st == nullptr)
        PyErr_SetString(PyExc_RuntimeError, "start_response/write used after its request finished");
    return st;
}

// exc_info given "for real": sys.exc_info() outside an except block is (None, None, None).
bool has_exc_info(PyObject* exc_info) {
    if (exc_info == nullptr || exc_info == Py_None) return false;
    return !(PyTuple_Check(exc_info) && PyTuple_GET_SIZE(exc_info) == 3 &&
             PyTuple_GET_ITEM(exc_info, 1) == Py_None);
}

PyObject* start_response(PyObject* self, PyObject* const* args, Py_ssize_t nargs,
                         PyObject* kwnames) {
    Exchange::State* st = owner_of(self);
    if (st == nullptr) return nullptr;

    // (status, response_headers, exc_info=None), positional or by keyword.
    PyObject* slot[3] = {nullptr, nullptr, nullptr};
    static const char* const kNames[3] = {"status", "response_headers", "exc_info"};
    if (nargs > 3) {
        PyErr_Format(PyExc_TypeError, "start_response() takes at most 3 arguments (%zd given)",
                     nargs);
        return nullptr;
    }
    for (Py_ssize_t i = 0; i < nargs; ++i) slot[i] = args[i];
    Py_ssize_t nkw = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
    for (Py_ssize_t k = 0; k < nkw; ++k) {
        const char* kw = PyUnicode_AsUTF8(PyTuple_GET_ITEM(kwnames, k));
        if (kw == nullptr) return nullptr;
        int idx = -1;
        for (int j = 0; j < 3; ++j)
            if (std::strcmp(kw, kNames[j]) == 0) idx = j;
        if (idx < 0 || slot[idx] != nullptr) {
            PyErr_Format(PyExc_TypeError,
                         "start_response() got an unexpected or repeated argument '%s'", kw);
            return nullptr;
        }
        slot[idx] = args[nargs + k];
    }
    if (slot[0] == nullptr || slot[1] == nullptr) {
        PyErr_SetString(PyExc_TypeError, "start_response() needs status and response_headers");
        return nullptr;
    }

    PyObject* exc_info = slot[2];
    if (st->head_set) {
        // PEP 3333: a second call is only allowed with exc_info...
        if (!has_exc_info(exc_info)) {
            PyErr_SetString(PyExc_RuntimeError,
                            "start_response() called a second time without exc_info");
            return nullptr;
        }
        // ...and once the head went out, it must re-raise the app's exception.
        if (st->head_committed) {
            if (!PyTuple_Check(exc_info) || PyTuple_GET_SIZE(exc_info) != 3) {
                PyErr_SetString(PyExc_TypeError,
                                "exc_info must be a (type, value, traceback) tuple");
                return nullptr;
            }
            PyObject* type = PyTuple_GET_ITEM(exc_info, 0);
            PyObject* value = PyTuple_GET_ITEM(exc_info, 1);
            PyObject* tb = PyTuple_GET_ITEM(exc_info, 2);
            Py_XINCREF(type);
            Py_XINCREF(value);
            Py_XINCREF(tb == Py_None ? nullptr : tb);
            PyErr_Restore(type, value, tb == Py_None ? nullptr : tb);
            return nullptr;
        }
    }
    if (!st->head_set) {
        // The common first call parses in place, reusing the vectors' capacity.
        if (!parse_response_head(slot[0], slot[1], st->head, st->head_refs)) return nullptr;
    } else {
        // A replacement (with exc_info) is validated aside, so a rejected one keeps the
        // head the app set first.
        ResponseHead head;
        std::vector<PyRef> refs;
        if (!parse_response_head(slot[0], slot[1], head, refs)) return nullptr;
        st->head = std::move(head);
        st->head_refs = std::move(refs);
    }
    st->head_set = true;
    return Py_NewRef(st->write.get());
}

PyObject* write(PyObject* self, PyObject* data) {
    Exchange::State* st = owner_of(self);
    if (st == nullptr) return nullptr;
    if (!st->head_set) {
        PyErr_SetString(PyExc_RuntimeError, "write() called before start_response()");
        return nullptr;
    }
    if (!PyBytes_Check(data)) {
        PyErr_Format(PyExc_TypeError, "write() argument must be bytes, not %.100s",
                     Py_TYPE(data)->tp_name);
        return nullptr;
    }
    Py_ssize_t n = PyBytes_GET_SIZE(data);
    if (n == 0) Py_RETURN_NONE;  // an empty write does not commit the head (PEP 3333)
    const ResponseHead* head = nullptr;
    if (!st->head_committed) {
        st->head_committed = true;
        st->head.body_length_hint = st->head.content_length;
        head = &st->head;
    }
    bool sent = false;
    if (st->sink != nullptr) {
        try {
            sent = st->sink->write(
                head, std::string_view(PyBytes_AS_STRING(data), static_cast<std::size_t>(n)));
        } catch (const std::exception&) {
            sent = false;  // a sink must not throw; treat it as a lost client
        }
    }
    if (!sent) {
        PyErr_SetString(PyExc_OSError, "write(): the client connection is gone");
        return nullptr;
    }
    Py_RETURN_NONE;
}

void responder_dealloc(PyObject* self) {
    PyTypeObject* type = Py_TYPE(self);
    type->tp_free(self);
    Py_DECREF(type);
}

PyMethodDef start_response_def = {
    "start_response", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(start_response)),
    METH_FASTCALL | METH_KEYWORDS,
    "start_response(status, response_headers, exc_info=None) -> write (PEP 3333)"};

PyMethodDef write_def = {"write", write, METH_O,
                         "write(data: bytes): send body bytes now (PEP 3333)"};

PyType_Slot responder_slots[] = {
    {Py_tp_dealloc, reinterpret_cast<void*>(responder_dealloc)},
    {0, nullptr},
};

PyType_Spec responder_spec = {
    "paasrun.Responder",
    sizeof(ResponderObject),
    0,
    Py_TPFLAGS_DEFAULT | Py_TPFLAGS_DISALLOW_INSTANTIATION,
    responder_slots,
};

}  // namespace

bool responder_create(Exchange::State& owner) {
    static PyTypeObject* type = nullptr;  // lives as long as the interpreter
    if (type == nullptr) type = reinterpret_cast<PyTypeObject*>(PyType_FromSpec(&responder_spec));
    if (type == nullptr) return false;
    PyRef obj(type->tp_alloc(type, 0));
    if (!obj) return false;
    reinterpret_cast<ResponderObject*>(obj.get())->owner = &owner;
    PyRef sr(PyCFunction_NewEx(&start_response_def, obj.get(), nullptr));
    PyRef wr(PyCFunction_NewEx(&write_def, obj.get(), nullptr));
    if (!sr || !wr) return false;
    owner.responder = std::move(obj);
    owner.start_response = std::move(sr);
    owner.write = std::move(wr);
    return true;
}

void responder_rebind(PyObject* responder, Exchange::State* owner) {
    reinterpret_cast<ResponderObject*>(responder)->owner = owner;
}

}  // namespace paasrun::wsgi
