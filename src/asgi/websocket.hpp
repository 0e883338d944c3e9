// WebSocket exchange: one accepted-or-pending WebSocket connection handed from the worker's
// front end (worker/websocket_session) to the ASGI runtime, which runs the app's task with a
// `websocket` scope (docs/asgi.md, "WebSockets"). Same thread model as asgi/exchange.hpp: the
// front end and the event loop share one thread and the GIL is held for every call.
//
//   worker                                  runtime (Port of the task)
//   fills `request`, `subprotocols`, `sink`
//   Runtime::submit_websocket(ex)  ───────► scope + task; receive() -> websocket.connect
//                                  ◄─────── sink->accept(subprotocol, headers) / close(code)
//   push_message() / disconnect()  ───────► receive() -> websocket.receive / .disconnect
//   (wakes the task when it waits)  ◄────── sink->consumed() (room in the inbox: read more)
//                                  ◄─────── sink->send(text, data) / close(code, reason)
//                                  ◄─────── sink->finished(traceback) when the task ends
// The worker clears `sink` when the connection is gone; from then on receive() returns
// websocket.disconnect and send() raises ClientDisconnected.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "asgi/exchange.hpp"

namespace paasrun::asgi {

/// What the app's websocket.* messages do on the connection (the worker implements it).
class WebSocketSink {
public:
    enum class Step {
        ok,      // queued for the client
        wait,    // queued, but the output is above its high-water mark: wait for a wake-up
        closed,  // the connection is closing or gone: nothing was sent
    };
    using Header = ResponseSink::Header;

    /// websocket.accept. Returns an error message for the app (a RuntimeError) when the
    /// 101 cannot be written: a subprotocol the client did not offer, a bad header.
    [[nodiscard]] virtual std::string accept(std::string_view subprotocol,
                                             std::span<const Header> headers) = 0;
    /// websocket.send (after accept).
    virtual Step send(bool text, std::string_view data) = 0;
    /// websocket.close: before accept, the handshake is denied (HTTP 403); after, a close
    /// frame with `code` and `reason` starts the closing handshake.
    virtual void close(std::uint16_t code, std::string_view reason) = 0;
    /// websocket.http.response.start (the Denial Response extension), before accept: the
    /// handshake is answered with this HTTP response instead of a 101. Returns an error
    /// message for the app (a RuntimeError): not in the handshake any more, a 101 status.
    [[nodiscard]] virtual std::string deny_start(int status, std::span<const Header> headers) = 0;
    /// websocket.http.response.body after deny_start; the last one (more_body false) sends
    /// the response and closes the connection.
    virtual void deny_body(std::string_view data, bool more_body) = 0;
    /// The app took a message out of the inbox (the connection may read again).
    virtual void consumed() = 0;
    /// The app's task ended (`traceback` non-empty when it raised). Before accept: 403 (or
    /// 500 when it raised); after: a close frame 1000 (1011 when it raised) if still open.
    virtual void finished(std::string_view traceback, bool quiet) = 0;

protected:
    virtual ~WebSocketSink() = default;
};

struct WsIncoming {
    bool text = true;
    std::string data;
};

struct WsExchange {
    // Set by the worker before submit_websocket(); the views are read while the scope is
    // built (inside submit_websocket), not after.
    RequestView request;
    std::span<const std::string_view> subprotocols;
    WebSocketSink* sink = nullptr;  // null once the connection is gone

    // Messages read from the client and not yet taken by receive(), oldest first
    // (inbox[inbox_head..]). The worker bounds it (back-pressure) and stops reading the
    // socket while it is full.
    std::vector<WsIncoming> inbox;
    std::size_t inbox_head = 0;
    std::size_t inbox_bytes = 0;
    /// Non-zero: after the inbox, receive() returns websocket.disconnect with this code.
    std::uint16_t disconnect_code = 0;

    bool connect_delivered = false;  // receive() returned websocket.connect
    bool accepted = false;           // websocket.accept was sent
    bool denying = false;            // websocket.http.response.start was sent
    bool waiting = false;            // receive() returned "wait": wake the task on news
    bool wants_room = false;         // send() returned "wait": wake when the output drained

    // Loop thread only: the Python channel of the running task (strong reference).
    _object* channel = nullptr;

    [[nodiscard]] std::size_t inbox_size() const { return inbox.size() - inbox_head; }
    void push(bool text, std::string_view data) {
        inbox.push_back({text, std::string(data)});
        inbox_bytes += data.size();
    }
};

}  // namespace paasrun::asgi
