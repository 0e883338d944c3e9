// Runtime::Impl: the Python objects of the ASGI runtime and the C++ pieces the loop thread
// calls (the Port type, scope building). Private to src/asgi; every member needs the GIL.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "asgi/runtime.hpp"
#include "wsgi/py_ref.hpp"

namespace paasrun::asgi {

using wsgi::PyRef;

/// Interned keys and constant values of scopes and messages, made once.
struct Names {
    PyRef type, asgi, version, spec_version, http_version, method, scheme, path, raw_path,
        query_string, root_path, headers, client, server, extensions, body, more_body, status,
        trailers, path_key;
    PyRef v_http, v_30, v_24, v_11, v_10, v_request, v_disconnect, v_pathsend, v_start, v_body,
        v_empty_bytes, v_empty_str;
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
    PyRef port_type;          // the Port heap type
    PyRef ready;              // a done future: what send() returns when it need not wait
    PyRef disconnected_type;  // glue.ClientDisconnected
    PyRef capsule;            // holds this Impl* for the builtins
    Names names;
    std::string scratch;  // path decoding, header lowercasing

    void start_request(const std::shared_ptr<Exchange>& ex);
    [[nodiscard]] PyRef build_scope(const RequestView& r);
    [[nodiscard]] PyRef glue_fn(const char* name) const;
};

/// Creates the Port heap type (null with a Python error on failure).
[[nodiscard]] PyRef make_port_type();
/// A new Port for `ex` (its sink is taken from ex->sink).
[[nodiscard]] PyRef new_port(Runtime::Impl& impl, std::shared_ptr<Exchange> ex);

}  // namespace paasrun::asgi
