// parse_response_head: PEP 3333's rules for start_response(status, response_headers).
#include "wsgi/exchange_state.hpp"
#include "wsgi/wire_rules.hpp"

namespace paasrun::wsgi {
namespace {

// A str's latin-1 bytes without copying: a str whose every code point is < 256 is stored
// one byte per character (PEP 393), exactly its latin-1 encoding.
bool latin1_view(PyObject* s, std::string_view& out) {
    if (PyUnicode_READY(s) != 0) return false;
    if (PyUnicode_KIND(s) != PyUnicode_1BYTE_KIND) return false;
    out = {reinterpret_cast<const char*>(PyUnicode_1BYTE_DATA(s)),
           static_cast<std::size_t>(PyUnicode_GET_LENGTH(s))};
    return true;
}

bool has_close_token(std::string_view value) {
    while (!value.empty()) {
        auto comma = value.find(',');
        std::string_view item = value.substr(0, comma);
        while (!item.empty() && (item.front() == ' ' || item.front() == '\t'))
            item.remove_prefix(1);
        while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
        if (iequals(item, "close")) return true;
        if (comma == std::string_view::npos) break;
        value.remove_prefix(comma + 1);
    }
    return false;
}

bool header_item(PyObject* item, Py_ssize_t i, PyObject*& name, PyObject*& value) {
    bool tuple = PyTuple_Check(item);
    if ((!tuple && !PyList_Check(item)) || PySequence_Fast_GET_SIZE(item) != 2) {
        PyErr_Format(PyExc_TypeError,
                     "start_response: header %zd must be a (name, value) tuple, not %.100s", i,
                     Py_TYPE(item)->tp_name);
        return false;
    }
    name = PySequence_Fast_GET_ITEM(item, 0);
    value = PySequence_Fast_GET_ITEM(item, 1);
    if (!PyUnicode_Check(name) || !PyUnicode_Check(value)) {
        PyErr_Format(PyExc_TypeError,
                     "start_response: header %zd name and value must be str, not (%.100s, %.100s)",
                     i, Py_TYPE(name)->tp_name, Py_TYPE(value)->tp_name);
        return false;
    }
    return true;
}

}  // namespace

bool parse_response_head(PyObject* status, PyObject* headers, ResponseHead& head,
                         std::vector<PyRef>& refs) {
    head.headers.clear();
    head.content_length.reset();
    head.body_length_hint.reset();
    head.close = false;
    refs.clear();

    // PEP 3333: status and headers are native strings (str), latin-1 encodable.
    if (!PyUnicode_Check(status)) {
        PyErr_Format(PyExc_TypeError, "start_response: status must be str, not %.100s",
                     Py_TYPE(status)->tp_name);
        return false;
    }
    std::string_view status_text;
    if (!latin1_view(status, status_text)) {
        PyErr_SetString(PyExc_ValueError, "start_response: status is not latin-1 encodable");
        return false;
    }
    auto code = parse_status(status_text);
    if (!code) {
        PyErr_Format(PyExc_ValueError,
                     "start_response: status %R must be 'NNN reason' (three digits, a space, "
                     "no control characters)",
                     status);
        return false;
    }
    if (!PyList_Check(headers) && !PyTuple_Check(headers)) {
        PyErr_Format(PyExc_TypeError, "start_response: headers must be a list, not %.100s",
                     Py_TYPE(headers)->tp_name);
        return false;
    }
    head.status_code = *code;
    head.status = status_text;
    refs.push_back(PyRef::borrow(status));

    Py_ssize_t n = PySequence_Fast_GET_SIZE(headers);
    for (Py_ssize_t i = 0; i < n; ++i) {
        PyObject* name = nullptr;
        PyObject* value = nullptr;
        if (!header_item(PySequence_Fast_GET_ITEM(headers, i), i, name, value)) return false;
        std::string_view k, v;
        if (!latin1_view(name, k) || !latin1_view(value, v)) {
            PyErr_Format(PyExc_ValueError, "start_response: header %R is not latin-1 encodable",
                         name);
            return false;
        }
        if (!is_token(k)) {
            PyErr_Format(PyExc_ValueError, "start_response: invalid header name %R", name);
            return false;
        }
        // CR/LF in a value would let the app (or data it echoes) split the response (CWE-113).
        if (!is_valid_field_value(v)) {
            PyErr_Format(PyExc_ValueError,
                         "start_response: header %R has a control character in its value", name);
            return false;
        }
        if (is_hop_by_hop(k)) {
            // PEP 3333: apps must not send hop-by-hop headers; "Connection: close" is the
            // one wish the server can honour, so it becomes ResponseHead::close.
            if (iequals(k, "connection")) {
                head.close = head.close || has_close_token(v);
                continue;
            }
            PyErr_Format(PyExc_ValueError,
                         "start_response: hop-by-hop header %R is not allowed (PEP 3333)", name);
            return false;
        }
        if (iequals(k, "content-length")) {
            auto len = parse_content_length(v);
            if (!len || (head.content_length && *head.content_length != *len)) {
                PyErr_Format(PyExc_ValueError, "start_response: invalid Content-Length %R", value);
                return false;
            }
            if (head.content_length) continue;  // an identical duplicate: send it once
            head.content_length = len;
        }
        refs.push_back(PyRef::borrow(name));
        refs.push_back(PyRef::borrow(value));
        head.headers.push_back(Header{k, v});
    }
    return true;
}

}  // namespace paasrun::wsgi
