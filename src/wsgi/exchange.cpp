#include "wsgi/exchange.hpp"

#include <algorithm>

#include "wsgi/exchange_state.hpp"
#include "wsgi/input_stream.hpp"
#include "wsgi/interpreter.hpp"
#include "wsgi/python_support.hpp"

namespace paasrun::wsgi {
namespace {

using State = Exchange::State;

Chunk fail(State& st, std::string text) {
    st.failed = true;
    st.finished = true;
    if (!st.error.empty()) st.error += "\n";
    st.error += text;
    Chunk c;
    c.kind = Chunk::Kind::failed;
    c.head_sent = st.head_committed;
    return c;
}

Chunk fail_python(State& st, std::string_view what) {
    std::string tb = take_python_error();
    return fail(st, what.empty() ? tb : fmt::format("{}\n{}", what, tb));
}

// Sum of a list/tuple made only of bytes: the body length before sending anything.
std::optional<std::uint64_t> sequence_length(PyObject* seq) {
    std::uint64_t total = 0;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    for (Py_ssize_t i = 0; i < n; ++i) {
        PyObject* item = PySequence_Fast_GET_ITEM(seq, i);
        if (!PyBytes_Check(item)) return std::nullopt;
        total += static_cast<std::uint64_t>(PyBytes_GET_SIZE(item));
    }
    return total;
}

const ResponseHead* commit(State& st, std::optional<std::uint64_t> known_length) {
    st.head_committed = true;
    st.head.body_length_hint = st.head.content_length ? st.head.content_length : known_length;
    return &st.head;
}

// The end of the body: an uncommitted head goes out now, for an empty body.
Chunk end(State& st) {
    if (!st.head_set) return fail(st, "the application returned without calling start_response()");
    st.finished = true;
    Chunk c;
    c.kind = Chunk::Kind::done;
    if (!st.head_committed) c.head = commit(st, 0);
    return c;
}

// The next item of the app's iterable: new reference, or null at the end (error set when
// the iterable raised).
PyRef next_item(State& st) {
    if (st.sequence) {
        PyObject* seq = st.result.get();
        if (st.index >= PySequence_Fast_GET_SIZE(seq)) return {};
        return PyRef::borrow(PySequence_Fast_GET_ITEM(seq, st.index++));
    }
    if (st.iterator) return PyRef(PyIter_Next(st.iterator.get()));
    return {};
}

}  // namespace

Exchange::Exchange(const App& app) : state_(std::make_unique<State>()) {
    state_->app = &app.state();
}

Exchange::~Exchange() {
    finish();
    if (state_->responder) responder_rebind(state_->responder.get(), nullptr);
}

const std::string& Exchange::error_text() const {
    return state_->error;
}
bool Exchange::active() const {
    return state_->active;
}
const ResponseHead* Exchange::head() const {
    return state_->head_committed ? &state_->head : nullptr;
}

void Exchange::start(const Request& request, ResponseSink* sink) {
    finish();  // a no-op unless the worker forgot it
    State& st = *state_;
    st.sink = sink;
    st.error.clear();
    st.index = 0;
    st.sequence = false;
    st.file.reset();
    st.head_set = st.head_committed = false;
    st.finished = st.failed = st.closed = false;
    st.active = true;

    if (!st.input) st.input = input_stream_new();
    if (!st.responder && !responder_create(st)) st.input.reset();
    if (!st.input) {
        fail_python(st, "wsgi bridge: cannot create wsgi.input/start_response");
        return;
    }
    input_stream_attach(st.input.get(), request.body);
    st.environ = st.app->environ.build(request, st.input.get());
    if (!st.environ) {
        fail_python(st, "wsgi bridge: cannot build environ");
        return;
    }

    PyObject* args[2] = {st.environ.get(), st.start_response.get()};
    st.result = PyRef(PyObject_Vectorcall(st.app->callable.get(), args, 2, nullptr));
    if (!st.result) {
        fail_python(st, "");
        return;
    }
    PyObject* result = st.result.get();
    if (PyList_CheckExact(result) || PyTuple_CheckExact(result)) {
        st.sequence = true;
        st.sequence_length = sequence_length(result);
        return;
    }
    st.file = file_wrapper_region(result);
    if (st.file) return;
    st.iterator = PyRef(PyObject_GetIter(result));
    if (!st.iterator) fail_python(st, "the application's return value is not iterable");
}

Chunk Exchange::next() {
    State& st = *state_;
    if (!st.active || st.finished) {
        Chunk c;
        c.kind = st.failed ? Chunk::Kind::failed : Chunk::Kind::done;
        c.head_sent = st.head_committed;
        return c;
    }
    st.chunk.reset();

    if (st.file) {
        FileRegion region = *st.file;
        st.file.reset();
        if (st.head.content_length)
            region.length = std::min(region.length, *st.head.content_length);
        if (region.length == 0) return end(st);
        if (!st.head_set)
            return fail(st, "the application returned a body without calling start_response()");
        Chunk c;
        c.kind = Chunk::Kind::file;
        c.file = region;
        c.last = true;
        if (!st.head_committed) c.head = commit(st, region.length);
        return c;
    }

    for (;;) {
        PyRef item = next_item(st);
        if (!item) {
            if (PyErr_Occurred()) return fail_python(st, "");
            return end(st);
        }
        if (!PyBytes_Check(item.get()))
            return fail(st, fmt::format("response body chunks must be bytes, not {}",
                                        Py_TYPE(item.get())->tp_name));
        Py_ssize_t n = PyBytes_GET_SIZE(item.get());
        if (n == 0) continue;  // PEP 3333: empty chunks do not commit the head
        if (!st.head_set)
            return fail(st, "the application yielded a body chunk before calling start_response()");
        Chunk c;
        c.kind = Chunk::Kind::data;
        c.data = std::string_view(PyBytes_AS_STRING(item.get()), static_cast<std::size_t>(n));
        c.last = st.sequence && st.index >= PySequence_Fast_GET_SIZE(st.result.get());
        if (!st.head_committed)
            c.head = commit(st, st.sequence ? st.sequence_length : std::nullopt);
        st.chunk = std::move(item);
        return c;
    }
}

bool Exchange::finish() {
    State& st = *state_;
    if (!st.active) return true;
    bool ok = true;
    st.chunk.reset();
    st.iterator.reset();
    // PEP 3333: close() is called whenever the iterable has one, however the request ended.
    // Exact lists/tuples (the common hello-world result) have no close(): skip the lookup
    // and the AttributeError it would build.
    PyObject* r = st.result.get();
    if (r != nullptr && (PyList_CheckExact(r) || PyTuple_CheckExact(r))) st.closed = true;
    if (st.result && !st.closed) {
        st.closed = true;
        PyRef close(PyObject_GetAttrString(st.result.get(), "close"));
        if (!close) {
            PyErr_Clear();  // no close(): nothing to call
        } else if (!PyRef(PyObject_CallNoArgs(close.get()))) {
            ok = false;
            fail_python(st, "the iterable's close() raised");
        }
    }
    st.result.reset();
    st.environ.reset();
    st.finished = true;
    st.active = false;
    st.sink = nullptr;

    // Nothing the app kept may reach this request's body or state any more.
    if (st.input) {
        input_stream_detach(st.input.get());
        if (Py_REFCNT(st.input.get()) != 1) st.input.reset();
    }
    if (st.responder) {
        bool sole = Py_REFCNT(st.start_response.get()) == 1 && Py_REFCNT(st.write.get()) == 1 &&
                    Py_REFCNT(st.responder.get()) == 3;
        if (!sole) {
            responder_rebind(st.responder.get(), nullptr);
            st.start_response.reset();
            st.write.reset();
            st.responder.reset();
        }
    }
    return ok;
}

}  // namespace paasrun::wsgi
