// Exchange::State: the Python side of one WSGI call. Private to src/wsgi; shared by
// exchange.cpp (the pull loop) and responder.cpp (start_response / write).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "wsgi/app_state.hpp"
#include "wsgi/exchange.hpp"
#include "wsgi/py_ref.hpp"

namespace paasrun::wsgi {

struct Exchange::State {
    App::State* app = nullptr;  // shared by all exchanges; the GIL serialises it
    ResponseSink* sink = nullptr;

    // Reused across requests while nothing else holds them (refcount checks in finish()).
    PyRef responder;       // the object start_response/write are bound to
    PyRef start_response;  // builtin bound to responder
    PyRef write;           // builtin bound to responder
    PyRef input;           // wsgi.input

    PyRef environ;
    PyRef result;          // what the app returned (close() target)
    PyRef iterator;        // iter(result) unless result is a list/tuple or a sendfile region
    PyRef chunk;           // keeps the last handed-out Chunk::data alive
    Py_ssize_t index = 0;  // next item when result is a list/tuple
    bool sequence = false;
    std::optional<FileRegion> file;                // result is a file_wrapper we can sendfile
    std::optional<std::uint64_t> sequence_length;  // sum of a list/tuple of bytes

    // Response head: set by start_response, committed at the first non-empty chunk.
    ResponseHead head;
    std::vector<PyRef> head_refs;  // status + header strs the head's views point into
    bool head_set = false;
    bool head_committed = false;

    std::string error;      // Exchange::error_text()
    bool active = false;    // between start() and finish()
    bool finished = false;  // done or failed reached
    bool failed = false;
    bool closed = false;  // close() was called
};

/// Validates start_response's (status, headers) into `head`, keeping the strs alive in
/// `refs`. False with a Python exception (TypeError / ValueError) set. GIL held.
[[nodiscard]] bool parse_response_head(PyObject* status, PyObject* headers, ResponseHead& head,
                                       std::vector<PyRef>& refs);

/// Creates the responder object bound to `owner` and its start_response/write functions.
/// False with a Python error set.
[[nodiscard]] bool responder_create(Exchange::State& owner);
/// Points the responder at another owner (null: calls raise RuntimeError from now on).
void responder_rebind(PyObject* responder, Exchange::State* owner);

}  // namespace paasrun::wsgi
