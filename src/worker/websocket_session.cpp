#include "worker/websocket_session.hpp"

#include <sys/socket.h>

#include <boost/asio/post.hpp>

#include "http/request_id.hpp"
#include "http/response_writer.hpp"
#include "serve/heartbeat.hpp"
#include "util/log.hpp"
#include "worker/asgi_request_view.hpp"
#include "worker/connection.hpp"
#include "worker/connection_manager.hpp"

namespace paasrun::worker {
namespace ws = http::ws;

WebSocketSession::WebSocketSession(Connection& owner, asgi::Runtime& runtime)
    : owner_(owner), runtime_(runtime) {}

WebSocketSession::~WebSocketSession() {
    if (ex_) ex_->sink = nullptr;
    account_closed();
}

void WebSocketSession::note_close_code(std::uint16_t code) {
    if (close_code_ == 0) close_code_ = code;
}

// An accepted connection ended: the open gauge goes down and its close code is counted.
void WebSocketSession::account_closed() {
    if (!counted_open_) return;
    counted_open_ = false;
    if (auto* stats = owner_.manager_.stats())
        stats->websocket_closed(close_code_ != 0 ? close_code_ : ws::close_code::abnormal);
}

void WebSocketSession::start() {
    const auto& req = owner_.request_;
    if (auto e = ws::check_handshake(req, hs_); e != ws::HandshakeError::none) {
        log::info("http", "websocket handshake refused status={} reason={} remote_addr={}",
                  ws::status_for(e), ws::describe(e), log::quote(owner_.remote_addr_));
        std::string out;
        ws::write_handshake_refusal(e, out);
        return answer_http(ws::status_for(e), out);
    }
    const auto& cfg = owner_.manager_.config();
    if (cfg.ws_deflate) deflate_ = ws::negotiate_deflate(req, ws::DeflateConfig{});
    ex_ = std::make_shared<asgi::WsExchange>();
    std::vector<wsgi::Header> headers;
    fill_request_view(owner_.info_, headers, ex_->request);
    ex_->subprotocols = hs_.subprotocols();
    ex_->sink = this;
    // Nothing else holds the connection while the app decides (no socket wait is pending).
    owner_.self_ = owner_.shared_from_this();
    bool started = runtime_.submit_websocket(ex_);
    ex_->request = asgi::RequestView{};  // the views are not valid after this call
    ex_->subprotocols = {};
    if (!started) {
        ex_->sink = nullptr;
        std::string out;
        http::write_error_response(500, out, false);
        answer_http(500, out);
    }
}

// The handshake ends as an HTTP response (refusal, denial, failure): the Connection's own
// path writes it, logs it and closes (linger).
void WebSocketSession::answer_http(int status, std::string_view response) {
    phase_ = Phase::done;
    if (ex_) {
        ex_->sink = nullptr;
        deliver_disconnect(ws::close_code::abnormal);
    }
    owner_.pre_app_served_ = true;
    owner_.summary_ = ResponseSummary{status, 0, false, true};
    owner_.queue_.append(response);
    owner_.app_running_ = false;
    owner_.flush();
    release_keeper();
}

// ---- asgi::WebSocketSink (the app's task) --------------------------------------------

// The responses the app makes to a handshake (the 101, a denial response) echo the request
// id as HTTP responses do (docs/asgi.md), unless the app set its own. The front end's own
// refusals (400, 426, 403, 500) go without it, as WSGI's error responses do.
std::string WebSocketSession::accept(std::string_view subprotocol,
                                     std::span<const Header> headers) {
    if (phase_ != Phase::handshake) return "the connection is not waiting for websocket.accept";
    std::vector<http::Header> fields;
    fields.reserve(headers.size());
    for (const auto& h : headers) fields.push_back({h.name, h.value});
    http::echo_request_id(fields, owner_.info_.request_id);
    std::string out;
    ws::UpgradeResponse response{subprotocol, deflate_ ? deflate_->response : std::string_view{},
                                 fields};
    if (auto e = ws::write_upgrade_response(hs_, response, out); e != ws::UpgradeError::none)
        return std::string(ws::describe(e));
    owner_.queue_.append(out);
    // The upgrade request is this connection's request: it completes with the 101 (access
    // log, stats, --max-requests), so a long-lived WebSocket is not an in-flight request.
    owner_.pre_app_served_ = true;
    owner_.summary_ = ResponseSummary{101, 0, false, true};
    owner_.account_request();
    owner_.state_ = Connection::State::websocket;

    const auto& cfg = owner_.manager_.config();
    if (deflate_) {
        inflater_ = std::make_unique<ws::Inflater>(deflate_->client_window_bits,
                                                   deflate_->client_no_context_takeover);
        deflater_ = std::make_unique<ws::Deflater>(deflate_->server_window_bits,
                                                   deflate_->server_no_context_takeover);
        deflate_.reset();
    }
    reader_.emplace(ws::MessageLimits{cfg.ws_max_message}, inflater_.get());
    // Bytes after the head are the client's first frames; the read buffer goes back to the
    // pool (an idle WebSocket holds none).
    if (owner_.read_end_ > owner_.read_pos_)
        pending_.assign(owner_.rbuf_.data() + owner_.read_pos_,
                        owner_.read_end_ - owner_.read_pos_);
    owner_.release_read_buffer();
    hs_ = ws::Handshake{};
    phase_ = Phase::open;
    if (auto* stats = owner_.manager_.stats()) {
        stats->websocket_opened();
        counted_open_ = true;
    }
    last_seen_ms_ = monotonic_ms();
    last_message_ms_ = last_seen_ms_;
    flush();
    if (phase_ != Phase::open) return {};
    // Read even when closing at once (a drain began during the handshake): the client's
    // close frame ends the connection.
    schedule_read();
    if (owner_.draining_) start_close(ws::close_code::going_away, "server shutting down", true);
    return {};
}

asgi::WebSocketSink::Step WebSocketSession::send(bool text, std::string_view data) {
    if (phase_ != Phase::open) return Step::closed;
    auto op = text ? ws::Opcode::text : ws::Opcode::binary;
    if (deflater_) {
        std::string frame;
        if (ws::append_message(frame, op, data, deflater_.get()) != ws::WsError::none) {
            fail(ws::WsError::out_of_memory);
            return Step::closed;
        }
        deflater_->release();  // frees zlib's state when no context is kept
        owner_.queue_.append(frame);
    } else {
        auto header = ws::encode_frame_header(op, data.size());
        owner_.queue_.append(header.view(), data);
    }
    if (auto* stats = owner_.manager_.stats()) stats->websocket_sent(data.size());
    message_since_tick_ = true;
    flush();
    if (phase_ == Phase::done) return Step::closed;
    return owner_.queue_.pending() >= OutputQueue::kHighWater ? Step::wait : Step::ok;
}

void WebSocketSession::close(std::uint16_t code, std::string_view reason) {
    if (phase_ == Phase::handshake) {
        // Denied before accept: HTTP 403 (the ASGI spec; uvicorn does the same).
        log::info("http", "websocket denied by the app path={} request_id={}",
                  log::quote(owner_.request_.path), owner_.info_.request_id);
        std::string out;
        http::write_error_response(403, out, false);
        return answer_http(403, out);
    }
    if (phase_ == Phase::open) start_close(code, reason, false);
}

std::string WebSocketSession::deny_start(int status, std::span<const Header> headers) {
    if (phase_ != Phase::handshake) return "the connection is not waiting for a response";
    if (status == 101) return "a denial response cannot be 101 Switching Protocols";
    deny_status_ = status;
    deny_headers_.assign(headers);
    return {};
}

void WebSocketSession::deny_body(std::string_view data, bool more_body) {
    if (phase_ != Phase::handshake || deny_status_ == 0) return;
    auto room = kDenialBodyMax - std::min(kDenialBodyMax, deny_body_.size());
    deny_body_.append(data.substr(0, std::min(room, data.size())));
    if (more_body) return;
    // The whole response at once, framed by its length (or the app's Content-Length), and
    // the connection closes after it: the bytes after the head were meant as frames.
    std::vector<http::Header> fields;
    deny_headers_.append_to(fields);
    http::echo_request_id(fields, owner_.info_.request_id);
    http::ResponseSpec spec;
    spec.status = deny_status_;
    spec.headers = fields;
    spec.keep_alive = false;
    spec.body_length = deny_body_.size();
    std::string out;
    http::ResponsePlan plan;
    if (http::write_response_head(spec, out, plan) != http::ResponseError::none) {
        log::error("asgi", "invalid websocket denial response from the app status={} request_id={}",
                   deny_status_, owner_.info_.request_id);
        out.clear();
        http::write_error_response(500, out, false);
        deny_status_ = 500;
    } else if (plan.framing == http::ResponseFraming::content_length) {
        out.append(std::string_view(deny_body_)
                       .substr(0, static_cast<std::size_t>(std::min<std::uint64_t>(
                                      plan.content_length, deny_body_.size()))));
    }
    log::info("http", "websocket denied by the app path={} status={} request_id={}",
              log::quote(owner_.request_.path), deny_status_, owner_.info_.request_id);
    deny_body_.clear();
    deny_body_.shrink_to_fit();
    answer_http(deny_status_, out);
}

void WebSocketSession::consumed() {
    if (!paused_ || resume_posted_ || inbox_full()) return;
    resume_posted_ = true;
    boost::asio::post(owner_.manager_.io(), [self = owner_.shared_from_this()] {
        if (self->ws_) self->ws_->resume();
    });
    runtime_.schedule_poll();
}

void WebSocketSession::finished(std::string_view traceback, bool quiet) {
    if (!traceback.empty() && !quiet)
        log::error("asgi", "websocket app raised path={} request_id={} traceback={}",
                   log::quote(owner_.request_.path), owner_.info_.request_id,
                   log::quote(traceback));
    ex_->sink = nullptr;
    switch (phase_) {
        case Phase::handshake: {
            if (traceback.empty())
                log::info("asgi", "websocket app returned without accepting request_id={}",
                          owner_.info_.request_id);
            // An unfinished denial response (no last body message) is a 500 too.
            int status = traceback.empty() && deny_status_ == 0 ? 403 : 500;
            std::string out;
            http::write_error_response(status, out, false);
            return answer_http(status, out);
        }
        case Phase::open:
            return start_close(
                traceback.empty() ? ws::close_code::normal : ws::close_code::internal_error, {},
                false);
        case Phase::closing:
        case Phase::done:
            return;
    }
}

// ---- reading ------------------------------------------------------------------------

bool WebSocketSession::inbox_full() const {
    return ex_ && (ex_->inbox_size() >= kInboxMessages || ex_->inbox_bytes >= kInboxBytes);
}

void WebSocketSession::schedule_read() {
    resume_posted_ = true;
    boost::asio::post(owner_.manager_.io(), [self = owner_.shared_from_this()] {
        if (self->ws_) self->ws_->resume();
    });
    runtime_.schedule_poll();
}

void WebSocketSession::resume() {
    resume_posted_ = false;
    if (phase_ != Phase::open && phase_ != Phase::closing) return;
    paused_ = false;
    if (!pending_.empty()) {
        std::string input = std::move(pending_);
        pending_.clear();
        if (!process(input.data(), input.size())) return;
    }
    read();
}

void WebSocketSession::wait_readable() {
    if (read_armed_) return;
    read_armed_ = true;
    owner_.socket_.async_wait(
        Connection::Socket::wait_read,
        [self = owner_.shared_from_this()](const boost::system::error_code& ec) {
            auto* s = self->ws_.get();
            if (s == nullptr) return;
            s->read_armed_ = false;
            if (self->state_ == Connection::State::closed) return;
            if (ec) return s->close_connection();
            s->read();
        });
}

void WebSocketSession::read() {
    // A fast client could keep this loop busy: after kReadsPerTurn reads the other
    // connections' handlers (and the app's tasks) run first.
    constexpr int kReadsPerTurn = 8;
    auto& scratch = owner_.manager_.scratch();
    for (int turn = 0; turn < kReadsPerTurn; ++turn) {
        if ((phase_ != Phase::open && phase_ != Phase::closing) || paused_) return;
        std::size_t n = 0;
        switch (owner_.recv_some(scratch.data(), scratch.size(), n)) {
            case Connection::Recv::closed:
                deliver_disconnect(ws::close_code::abnormal);
                return close_connection();
            case Connection::Recv::would_block:
                return wait_readable();
            case Connection::Recv::data:
                break;
        }
        last_seen_ms_ = monotonic_ms();
        ping_sent_ms_ = 0;  // any frame proves the client alive
        if (!process(scratch.data(), n)) return;
    }
    schedule_read();
}

bool WebSocketSession::process(char* data, std::size_t size) {
    std::size_t pos = 0;
    while (pos < size) {
        auto ev = reader_->next(data + pos, size - pos);
        pos += ev.consumed;
        switch (ev.kind) {
            case ws::MessageReader::Kind::need_more:
                if (ev.consumed == 0) return true;  // (the reader consumes all it is given)
                continue;
            case ws::MessageReader::Kind::message:
                // Data after our close frame is dropped (RFC 6455 5.5.1: the app already
                // got, or is about to get, websocket.disconnect).
                if (phase_ != Phase::open) continue;
                if (auto* stats = owner_.manager_.stats())
                    stats->websocket_received(ev.payload.size());
                message_since_tick_ = true;
                ex_->push(ev.opcode == ws::Opcode::text, ev.payload);
                reader_->release();  // frees a fragmented/compressed message's buffer
                runtime_.wake_websocket(ex_);
                if (inbox_full()) {
                    paused_ = true;
                    pending_.assign(data + pos, size - pos);
                    return false;
                }
                continue;
            case ws::MessageReader::Kind::ping:
                if (phase_ == Phase::open) {
                    std::string pong;
                    ws::append_frame(pong, ws::Opcode::pong, ev.payload);
                    owner_.queue_.append(pong);
                    flush();
                    if (phase_ == Phase::done) return false;
                }
                continue;
            case ws::MessageReader::Kind::pong:
                continue;
            case ws::MessageReader::Kind::close:
                on_peer_close(ev.close_code);
                return false;
            case ws::MessageReader::Kind::error:
                fail(ev.error);
                return false;
        }
    }
    return true;
}

// ---- closing ------------------------------------------------------------------------

void WebSocketSession::on_peer_close(std::uint16_t code) {
    note_close_code(code);
    if (phase_ == Phase::open) {
        // Echo the code (RFC 6455 5.5.1), then close TCP once it is written: the server
        // closes first (7.1.1).
        send_close_frame(code == ws::close_code::no_status ? 0 : code, {});
    }
    deliver_disconnect(code);
    close_after_flush_ = true;
    flush();
}

void WebSocketSession::fail(ws::WsError e) {
    auto code = ws::close_code_for(e);
    if (phase_ == Phase::open) note_close_code(code);
    log::info("http", "websocket closed on a protocol error code={} reason={} request_id={}", code,
              ws::describe(e), owner_.info_.request_id);
    if (phase_ == Phase::open) {
        send_close_frame(code, ws::describe(e));
    }
    // RFC 6455 7.1.7: the peer's framing is no longer trusted; close once the frame left.
    deliver_disconnect(code);
    close_after_flush_ = true;
    flush();
}

void WebSocketSession::start_close(std::uint16_t code, std::string_view reason, bool tell_app) {
    if (phase_ != Phase::open) return;
    note_close_code(code);
    send_close_frame(code, reason);
    if (tell_app) deliver_disconnect(code);
    // Reading stopped for a full inbox: read on, for the client's close frame (data frames
    // are dropped from now on, so the inbox does not fill further).
    if (paused_ && !resume_posted_) schedule_read();
    flush();
}

void WebSocketSession::send_close_frame(std::uint16_t code, std::string_view reason) {
    std::string out;
    ws::append_close_frame(out, code, reason);
    owner_.queue_.append(out);
    phase_ = Phase::closing;
    close_deadline_ms_ = monotonic_ms() + owner_.manager_.config().ws_close_timeout_ms;
}

void WebSocketSession::deliver_disconnect(std::uint16_t code) {
    if (!ex_ || ex_->disconnect_code != 0) return;
    ex_->disconnect_code = code;
    runtime_.wake_websocket(ex_);
}

void WebSocketSession::check_deadline(std::int64_t now_ms) {
    const auto& cfg = owner_.manager_.config();
    if (phase_ != Phase::open && phase_ != Phase::closing) return;
    if (writing_ && now_ms - write_since_ms_ >= cfg.body_idle_ms) {
        // The client stopped reading what we send.
        deliver_disconnect(ws::close_code::abnormal);
        return close_connection();
    }
    if (phase_ == Phase::closing) {
        if (now_ms >= close_deadline_ms_) {
            deliver_disconnect(ws::close_code::abnormal);
            close_connection();
        }
        return;
    }
    if (cfg.ws_idle_timeout_ms > 0) {
        // Paused: the client's messages wait for the app to take the inbox's; not idle.
        if (message_since_tick_ || paused_) {
            message_since_tick_ = false;
            last_message_ms_ = now_ms;
        } else if (now_ms - last_message_ms_ >= cfg.ws_idle_timeout_ms) {
            log::info("http", "websocket idle timeout idle_ms={} request_id={}",
                      now_ms - last_message_ms_, owner_.info_.request_id);
            // A silent peer may well be alive: the close handshake runs as usual (its close
            // frame ends the connection, else ws_close_timeout_ms does).
            return start_close(ws::close_code::going_away, "idle timeout", true);
        }
    }
    if (cfg.ws_ping_interval_ms <= 0) return;
    if (ping_sent_ms_ == 0) {
        if (now_ms - last_seen_ms_ < cfg.ws_ping_interval_ms) return;
        ping_sent_ms_ = now_ms;
        ++pings_;
        char payload[4] = {static_cast<char>(pings_ >> 24), static_cast<char>(pings_ >> 16),
                           static_cast<char>(pings_ >> 8), static_cast<char>(pings_)};
        std::string ping;
        ws::append_frame(ping, ws::Opcode::ping, std::string_view(payload, sizeof payload));
        owner_.queue_.append(ping);
        return flush();
    }
    if (cfg.ws_ping_timeout_ms > 0 && now_ms - ping_sent_ms_ >= cfg.ws_ping_timeout_ms) {
        log::info("http", "websocket keepalive ping timeout request_id={}",
                  owner_.info_.request_id);
        close_after_flush_ = true;
        start_close(ws::close_code::internal_error, "keepalive ping timeout", true);
    }
}

void WebSocketSession::drain() {
    if (phase_ == Phase::open)
        start_close(ws::close_code::going_away, "server shutting down", true);
    // handshake: accept() sees the connection draining and closes with 1001 at once.
}

void WebSocketSession::connection_closed() {
    if (phase_ == Phase::done) return;
    phase_ = Phase::done;
    deliver_disconnect(ws::close_code::abnormal);
    account_closed();
    if (ex_) ex_->sink = nullptr;
    pending_.clear();
    release_keeper();
}

// ---- writing ------------------------------------------------------------------------

void WebSocketSession::flush() {
    if (writing_ || phase_ == Phase::done) return;
    std::error_code ec;
    auto r = owner_.queue_.flush(owner_.fd_, owner_.bytes_written_, ec);
    if (r == OutputQueue::FlushResult::error) {
        deliver_disconnect(ws::close_code::abnormal);
        return close_connection();
    }
    if (r == OutputQueue::FlushResult::would_block) {
        writing_ = true;
        write_since_ms_ = monotonic_ms();
        owner_.socket_.async_wait(
            Connection::Socket::wait_write,
            [self = owner_.shared_from_this()](const boost::system::error_code& ec2) {
                auto* s = self->ws_.get();
                if (s == nullptr) return;
                s->writing_ = false;
                if (ec2 || self->state_ == Connection::State::closed) return;
                s->flush();
            });
        return;
    }
    if (close_after_flush_) return close_connection();
    if (ex_ && ex_->wants_room) runtime_.wake_websocket(ex_);
}

void WebSocketSession::close_connection() {
    // Connection::close() calls connection_closed() (the app's disconnect, the keeper).
    owner_.close();
}

// The connection keeps itself alive through owner_.self_ while no socket wait holds it;
// dropping it from inside a call that came from the app would destroy this session under
// its own feet, so the last reference goes on the loop's next turn.
void WebSocketSession::release_keeper() {
    if (!owner_.self_) return;
    boost::asio::post(owner_.manager_.io(), [keep = std::move(owner_.self_)] {});
    runtime_.schedule_poll();
}

}  // namespace paasrun::worker
