// wsgi.input: a small C type over the request body the worker already read whole, in
// memory or in a file (pread). PEP 3333 "Input and Error Streams": read(size),
// readline(size), readlines(hint), __iter__; size/hint may be omitted, None or negative.
// It never reads past Body::size, so an app that ignores CONTENT_LENGTH and reads to EOF
// gets exactly the body (wsgi.input_terminated).
//
// An instance is attached to one request's body and detached by Exchange::finish():
// after that it reads as empty, so a reference an app kept cannot reach freed memory or a
// recycled fd. All functions need the GIL; fd reads release it around pread(2).
#pragma once

#include "wsgi/py_ref.hpp"
#include "wsgi/request.hpp"

namespace paasrun::wsgi {

/// The type object (created on first use). Null with a Python error set on failure.
[[nodiscard]] PyTypeObject* input_stream_type();
/// A new, detached (empty) stream. Null with a Python error set on failure.
[[nodiscard]] PyRef input_stream_new();
/// Points the stream at `body`, position 0.
void input_stream_attach(PyObject* stream, const Body& body);
/// Makes the stream empty and drops its read-ahead buffer.
void input_stream_detach(PyObject* stream);

}  // namespace paasrun::wsgi
