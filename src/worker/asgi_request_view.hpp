// The asgi::RequestView of a parsed request: what the ASGI runtime builds a scope from.
// Used by the WebSocket session (websocket_session.hpp); the HTTP producer
// (response_asgi.cpp) fills the same fields itself, plus the body.
#pragma once

#include <vector>

#include "asgi/exchange.hpp"
#include "worker/response.hpp"

namespace paasrun::worker {

/// Fills `out` from `info` (views into the connection's buffers). `headers` receives the
/// request's fields with `Host` replaced by the effective host (absolute-form authority or
/// trusted X-Forwarded-Host, as WSGI's HTTP_HOST) and `X-Request-Id` set to the id the front
/// end kept or generated (added when the client sent none, as WSGI's HTTP_X_REQUEST_ID), and
/// must outlive `out`.
void fill_request_view(const RequestInfo& info, std::vector<wsgi::Header>& headers,
                       asgi::RequestView& out);

}  // namespace paasrun::worker
