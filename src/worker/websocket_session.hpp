// WebSocketSession: an ASGI app's WebSocket connection (RFC 6455, RFC 7692) in the worker's
// front end. A Connection whose request is a WebSocket upgrade (and whose app is ASGI) hands
// itself over to one of these; it drives the socket from then on. docs/asgi.md
// ("WebSockets") and docs/websocket.md describe the behaviour; src/http/websocket_* is the
// codec it uses.
//
// Phases:
//   handshake  check_handshake (400/426 refusals), permessage-deflate negotiation, then the
//              app's task runs the `websocket` scope (asgi/websocket.hpp). The socket is not
//              read meanwhile. websocket.accept writes the 101; websocket.close (or a task
//              that ends) before it is an HTTP 403 (500 when the task raised).
//   open       frames are read into the worker's scratch buffer and decoded (MessageReader:
//              masking, fragmentation, UTF-8 of text, --ws-max-size, inflating); messages go
//              to the app's inbox, pings are answered here (no Python), the app's sends are
//              framed (and compressed) into the connection's OutputQueue and written at once.
//   closing    a close frame was sent (the app's websocket.close, a drain's or an idle
//              timeout's 1001, a ping timeout's 1011, a protocol error's 1002/1007/1009, or the
//              echo of the peer's): the TCP connection closes when the peer's close arrives, once
//              the echo is written, or after ws_close_timeout_ms.
//   done       the connection is closed (or went back to HTTP to answer a refusal).
//
// Back-pressure: the inbox holds at most kInboxMessages messages / kInboxBytes bytes; when
// full the session stops reading the socket (the rest of the last read waits in `pending_`)
// until the app takes a message. The app's send() waits while the output is above
// OutputQueue::kHighWater. An idle open WebSocket holds no read buffer.
//
// Keep-alive: after --ws-ping-interval without any frame from the client a ping is sent;
// when nothing arrives within --ws-ping-timeout the connection is closed with 1011.
//
// Idle timeout: with --ws-idle-timeout, a connection with no data message either way (pings,
// pongs and the keep-alive do not count; a session paused by back-pressure is not idle) for
// that long gets close 1001 "idle timeout" and the app websocket.disconnect 1001. A message only
// sets a flag (no clock read per message); the manager's tick turns the flag into a timestamp, so
// the close comes at most one tick late and never early.
//
// Loop thread only; calls from the app's task (the WebSocketSink methods) come from the same
// thread with the GIL held (docs/asgi.md's single-thread model).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "asgi/runtime.hpp"
#include "asgi/websocket.hpp"
#include "http/websocket_deflate.hpp"
#include "http/websocket_handshake.hpp"
#include "http/websocket_message.hpp"
#include "worker/copied_headers.hpp"

namespace paasrun::worker {

class Connection;

class WebSocketSession final : private asgi::WebSocketSink {
public:
    static constexpr std::size_t kInboxMessages = 16;
    static constexpr std::size_t kInboxBytes = 1024 * 1024;

    WebSocketSession(Connection& owner, asgi::Runtime& runtime);
    ~WebSocketSession() override;
    WebSocketSession(const WebSocketSession&) = delete;
    WebSocketSession& operator=(const WebSocketSession&) = delete;

    /// Validates the handshake and starts the app's task (or answers 400/426/500).
    void start();
    /// Whether the session drives the connection (false once it is closed or handed a
    /// refusal back to the Connection's HTTP path).
    [[nodiscard]] bool active() const { return phase_ != Phase::done; }
    /// The manager's tick: pings, ping timeout, idle timeout, close timeout, a client that
    /// stopped reading.
    void check_deadline(std::int64_t now_ms);
    /// Graceful stop: an open WebSocket gets a close frame 1001 and the app
    /// websocket.disconnect 1001; one still in its handshake does once it is accepted.
    void drain();
    /// Connection::close() ran: the app gets websocket.disconnect (1006 unless it already
    /// got a code).
    void connection_closed();

private:
    enum class Phase : std::uint8_t { handshake, open, closing, done };

    // asgi::WebSocketSink (the app's task)
    std::string accept(std::string_view subprotocol, std::span<const Header> headers) override;
    Step send(bool text, std::string_view data) override;
    void close(std::uint16_t code, std::string_view reason) override;
    std::string deny_start(int status, std::span<const Header> headers) override;
    void deny_body(std::string_view data, bool more_body) override;
    void consumed() override;
    void finished(std::string_view traceback, bool quiet) override;

    void answer_http(int status, std::string_view response);
    void schedule_read();
    void resume();
    void read();
    void wait_readable();
    [[nodiscard]] bool process(char* data, std::size_t size);  // false: stop reading
    void on_peer_close(std::uint16_t code);
    void fail(http::ws::WsError e);
    void start_close(std::uint16_t code, std::string_view reason, bool tell_app);
    // Queues our close frame (code 0: none) and enters the closing phase with its deadline.
    void send_close_frame(std::uint16_t code, std::string_view reason);
    void deliver_disconnect(std::uint16_t code);
    void flush();
    void close_connection();
    void release_keeper();
    [[nodiscard]] bool inbox_full() const;
    // The stats file's WebSocket counters (serve/websocket_stats.hpp).
    void note_close_code(std::uint16_t code);
    void account_closed();

    Connection& owner_;
    asgi::Runtime& runtime_;
    std::shared_ptr<asgi::WsExchange> ex_;
    Phase phase_ = Phase::handshake;
    http::ws::Handshake hs_;
    std::optional<http::ws::DeflateAgreement> deflate_;
    std::unique_ptr<http::ws::Inflater> inflater_;
    std::unique_ptr<http::ws::Deflater> deflater_;
    std::optional<http::ws::MessageReader> reader_;
    std::string pending_;  // read but not yet decoded (the inbox was full)
    // The Denial Response (websocket.http.response.*): gathered, then written whole with a
    // Content-Length when the last body message comes. At most kDenialBodyMax body bytes.
    static constexpr std::size_t kDenialBodyMax = 1024 * 1024;
    int deny_status_ = 0;  // 0: no denial started
    CopiedHeaders deny_headers_;
    std::string deny_body_;

    std::int64_t last_seen_ms_ = 0;    // the last bytes from the client
    std::int64_t ping_sent_ms_ = 0;    // 0 = no ping outstanding
    std::int64_t write_since_ms_ = 0;  // when the current wait for writability began
    std::int64_t close_deadline_ms_ = 0;
    std::int64_t last_message_ms_ = 0;  // the tick that saw the last data message (idle timeout)
    std::uint32_t pings_ = 0;
    bool paused_ = false;  // the inbox is full: not reading
    bool resume_posted_ = false;
    bool read_armed_ = false;  // an async wait for readability is pending
    bool writing_ = false;     // an async wait for writability is pending
    bool close_after_flush_ = false;
    bool counted_open_ = false;        // counted as an open WebSocket in the stats file
    bool message_since_tick_ = false;  // a data message went either way since the last tick
    std::uint16_t close_code_ = 0;     // the close handshake's code (first close frame); 0: none
};

}  // namespace paasrun::worker
