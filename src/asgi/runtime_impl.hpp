// Runtime::Impl: the Python objects of the ASGI runtime and the C++ pieces the loop thread
// calls (the Port type, scope building). Private to src/asgi; every member needs the GIL.
#pragma once

#include <array>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "asgi/runtime.hpp"
#include "wsgi/py_ref.hpp"

namespace paasrun::asgi {

using wsgi::PyRef;

/// Interned keys and constant values of scopes and messages, made once.
struct Names {
    PyRef type, asgi, version, spec_version, http_version, method, scheme, path, raw_path,
        query_string, root_path, headers, client, server, extensions, body, more_body, status,
        trailers, path_key, more_trailers;
    PyRef v_http, v_30, v_24, v_11, v_10, v_request, v_disconnect, v_pathsend, v_start, v_body,
        v_empty_bytes, v_empty_str, v_https, state,
        v_trailers;  // "http.response.trailers": the message type and the extension's name
    // Methods as interned strings (a request's method is one of these almost always).
    PyRef m_get, m_post, m_head, m_put, m_delete, m_patch, m_options;
    [[nodiscard]] bool init();
};

struct Runtime::Impl {
    Runtime* owner = nullptr;
    PyRef glue;      // the glue module's namespace (dict)
    PyRef loop;      // the asyncio (or uvloop) loop
    PyRef server;    // glue.Server
    PyRef lifespan;  // glue.Lifespan
    PyRef poll_fn;   // builtin: calls on_readable (the asio reactor's fd is readable)
    std::function<void()> on_readable;
    bool poll_scheduled = false;  // a call_soon(poll_fn) is pending
    bool in_poll = false;         // inside on_readable: io_context::poll() runs what is posted
    PyRef app;                    // the ASGI callable
    PyRef state;                  // the lifespan state (a dict), null when none
    PyRef request_task_type;      // glue RequestTask (made uninitialised, see start_request)
    PyRef empty_tuple;
    PyRef s_paasrun_coro, s_loop, s_context, s_cancelling;  // interned names
    PyRef resume_type;                                      // the Resume type (resume.cpp)
    PyRef wait_receive_fn;                                  // glue wait_receive(port)
    PyRef format_exception_fn;                              // glue format_exception(exc)
    PyRef cancel_fn;                                        // glue cancel_with_stack(task)
    PyRef enter_task_fn;                                    // asyncio's _enter_task(loop, task)
    PyRef leave_task_fn;                                    // asyncio's _leave_task(loop, task)
    PyRef cancelled_type;                                   // asyncio.CancelledError
    PyRef ready_type;                                       // the Ready awaitable type
    // The worker's context when the runtime was made: every request's context is a copy of
    // it, and the front end's poll runs in it. Whatever context a call_soon happens to be
    // made from (a request's Task), a value one request sets never reaches the next.
    PyRef base_context;
    PyRef call_soon;          // loop.call_soon
    PyRef poll_args;          // (poll_fn,)
    PyRef poll_kwargs;        // {"context": base_context}
    PyRef port_type;          // the Port heap type
    PyRef ready;              // Ready(None): what send() returns when it need not wait
    PyRef disconnected_type;  // glue.ClientDisconnected
    PyRef capsule;            // holds this Impl* for the builtins
    Names names;
    std::string scratch;  // path decoding, header lowercasing
    // Scope values that repeat from request to request (same listener, same client). The
    // template holds, in scope order, the values of the current "shape" (HTTP version,
    // scheme, --root-path, the listener's address; method GET, no query, no client): a
    // request of that shape copies it (one allocation and a memcpy) and overwrites only what
    // differs; another shape rebuilds it first.
    PyRef scope_template;
    PyRef asgi_template;
    bool shape_http10 = false;
    std::string shape_scheme;
    std::string shape_root_path;
    std::string shape_server_host;
    std::uint16_t shape_server_port = 0;
    std::string client_host;
    PyRef client_host_str;
    // (client host, port) tuples of recent peers, by port: keep-alive connections send many
    // requests, and a tuple of a str and an int is immutable, so requests may share one.
    struct ClientSlot {
        PyRef tuple;
        PyObject* host = nullptr;  // the client_host_str it was made with (identity)
        std::uint16_t port = 0;
    };
    std::array<ClientSlot, 64> clients;
    // Request header names as the scope's lowercased bytes, for the common ones (made once;
    // bytes are immutable, so every request may share them).
    std::vector<std::pair<std::string, PyRef>> header_names;

    void start_request(const std::shared_ptr<Exchange>& ex);
    [[nodiscard]] bool schedule_task(PyObject* task, PyObject* rest, PyObject* ctx);
    [[nodiscard]] PyRef build_scope(const RequestView& r);
    [[nodiscard]] bool build_scope_template(const RequestView& r);
    [[nodiscard]] PyObject* client_tuple(std::string_view host, std::uint16_t port);
    [[nodiscard]] PyObject* header_name(std::string_view name);
    [[nodiscard]] PyRef glue_fn(const char* name) const;
};

/// Creates the Port heap type (null with a Python error on failure).
[[nodiscard]] PyRef make_port_type();
/// The `headers` of an ASGI message (response start, websocket accept) as [name, value]
/// byte pairs appended to `headers`; `keep` holds the pairs the views point into. False with a
/// Python exception set when they are malformed.
[[nodiscard]] bool message_headers(PyObject* message, PyObject* key,
                                   std::vector<ResponseSink::Header>& headers,
                                   std::vector<PyRef>& keep);
/// The int `status` (100-999) of a response start message (`type` names it in the error:
/// "http.response.start", "websocket.http.response.start"). False with a Python exception.
[[nodiscard]] bool message_status(PyObject* message, PyObject* key, const char* type, int& status);
/// The arguments of a Port's finish(traceback_or_None, quiet). False with a Python exception.
[[nodiscard]] bool parse_finish_args(PyObject* args, std::string_view& text, bool& quiet);
/// Creates the Ready heap type: an awaitable that completes at once with its value (no
/// Future, no loop turn): what receive() and send() return when they need not wait.
[[nodiscard]] PyRef make_ready_type();
/// A new Ready awaitable holding `value` (a new reference is taken).
[[nodiscard]] PyRef new_ready(Runtime::Impl& impl, PyObject* value);
/// Creates the Resume heap type (resume.cpp).
[[nodiscard]] PyRef make_resume_type();
/// The coroutine a request's Task runs after the eager first step suspended: goes on with
/// `coro`, first handing out `yielded`, and tells `port` when it ends; with `cpu_of`, each
/// step's thread CPU time is added to cpu_of->cpu_ns.
[[nodiscard]] PyRef new_resume(Runtime::Impl& impl, PyObject* port, PyObject* coro,
                               PyObject* yielded, std::shared_ptr<Exchange> cpu_of);
/// The request's coroutine ended: returned, or raised (`raised`: the Python error is set and
/// taken here). Completes the response if it was not complete (500 or a cut connection, the
/// traceback logged) and drops the Port's task state.
void port_coroutine_ended(Runtime::Impl& impl, PyObject* port, bool raised);
/// A new Port for `ex` (its sink is taken from ex->sink).
[[nodiscard]] PyRef new_port(Runtime::Impl& impl, std::shared_ptr<Exchange> ex);

}  // namespace paasrun::asgi
