#include "worker/connection.hpp"

#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "http/access_log.hpp"
#include "http/proxy_protocol.hpp"
#include "http/request_parser.hpp"
#include "http/response_writer.hpp"
#include "serve/heartbeat.hpp"
#include "util/log.hpp"
#include "worker/connection_forwarded.hpp"
#include "worker/connection_manager.hpp"
#include "worker/route_key.hpp"
#include "worker/thread_cpu.hpp"
#include "worker/websocket_session.hpp"

namespace paasrun::worker {
namespace {

std::uint64_t now_ns() {
    return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                          std::chrono::steady_clock::now().time_since_epoch())
                                          .count());
}

// The CPU-time sample of this worker's loop thread (thread_cpu.hpp), made at first use.
CpuSampler& cpu_sampler() {
    thread_local CpuSampler sampler;
    return sampler;
}

// Best effort for a response we are about to close after anyway (408/504): one send, no
// waiting. The connection is closed right after, so a short write only loses the message.
void send_best_effort(int fd, int status, bool head_request) {
    std::string out;
    http::write_error_response(status, out, head_request);
    [[maybe_unused]] auto n = ::send(fd, out.data(), out.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
}

}  // namespace

Connection::Connection(ConnectionManager& manager, Socket socket, const ListenerInfo& listener,
                       std::string remote_addr, std::uint16_t remote_port,
                       std::unique_ptr<ResponseProducer> producer)
    : manager_(manager),
      socket_(std::move(socket)),
      fd_(socket_.native_handle()),
      listener_(listener),
      remote_addr_(std::move(remote_addr)),
      remote_port_(remote_port),
      producer_(std::move(producer)),
      chunked_(manager.config().limits) {
    trusted_peer_ = manager.config().forwarded_allow.allows_all() ||
                    manager.config().forwarded_allow.contains(std::string_view{remote_addr_});
    proxy_pending_ = manager.config().proxy_protocol;
}

// --proxy-protocol: the first bytes of a connection may be a PROXY header (optional, as in
// gunicorn); from a peer in --proxy-allow-from it replaces the client address, from any other
// peer it is refused. Returns false when the connection was refused.
bool Connection::take_proxy_header(std::string_view& input, bool& need_more) {
    need_more = false;
    auto h = http::parse_proxy_header(input);
    switch (h.status) {
        case http::ProxyStatus::incomplete:
            need_more = true;
            return true;
        case http::ProxyStatus::error:
            proxy_pending_ = false;
            refuse(400, h.error);
            return false;
        case http::ProxyStatus::not_proxy:
            proxy_pending_ = false;
            return true;
        case http::ProxyStatus::complete:
            break;
    }
    proxy_pending_ = false;
    const auto& cfg = manager_.config();
    if (!cfg.proxy_allow.allows_all() &&
        !cfg.proxy_allow.contains(std::string_view{remote_addr_})) {
        refuse(400, "PROXY header from a peer not in --proxy-allow-from");
        return false;
    }
    if (!h.local) {
        remote_addr_ = std::move(h.source_addr);
        remote_port_ = h.source_port;
        trusted_peer_ = cfg.forwarded_allow.allows_all() ||
                        cfg.forwarded_allow.contains(std::string_view{remote_addr_});
    }
    read_pos_ += h.consumed;
    input.remove_prefix(h.consumed);
    need_more = input.empty();
    return true;
}

Connection::~Connection() = default;

void Connection::start() {
    manager_.link(this);
    // Every read, write and sendfile on this socket must return EAGAIN rather than block the
    // worker's one loop thread (a slow client would stall every other connection). asio only
    // switches a socket to non-blocking inside its own read/write operations; this loop reads
    // with recv() after async_wait and writes with send()/sendfile(), so set it here, once.
    boost::system::error_code nb_ec;
    socket_.non_blocking(true, nb_ec);
    if (nb_ec) {
        log::error("http", "cannot make a connection non-blocking error={}",
                   log::quote(nb_ec.message()));
        return close();
    }
    deadline_ms_ = monotonic_ms() + manager_.config().header_timeout_ms;
    if (manager_.draining()) draining_ = true;
    do_read();
}

// ---- read side ------------------------------------------------------------------------

Connection::Recv Connection::recv_some(char* buf, std::size_t size, std::size_t& n) {
    for (;;) {
        ssize_t r = ::recv(fd_, buf, size, MSG_DONTWAIT);
        if (r > 0) {
            n = static_cast<std::size_t>(r);
            return Recv::data;
        }
        if (r == -1 && errno == EINTR) continue;
        if (r == -1 && (errno == EAGAIN || errno == EWOULDBLOCK)) return Recv::would_block;
        return Recv::closed;  // EOF or an error: either way the client is gone
    }
}

void Connection::wait_readable(void (Connection::*next)()) {
    socket_.async_wait(Socket::wait_read,
                       [self = shared_from_this(), next](const boost::system::error_code& ec) {
                           if (self->state_ == State::closed) return;
                           if (ec) return self->close();
                           ((*self).*next)();
                       });
}

void Connection::release_read_buffer() {
    manager_.read_buffers().give(std::move(rbuf_));
    rbuf_.clear();
    read_pos_ = read_end_ = 0;
}

void Connection::do_read() {
    if (state_ != State::head) return;
    for (;;) {
        if (rbuf_.empty()) rbuf_ = manager_.read_buffers().take();
        if (read_end_ == rbuf_.size()) {
            // No request views are alive in the head state, so compacting is safe here. The
            // parser enforces the head limits on partial input, which bounds the growth.
            if (read_pos_ > 0) {
                std::memmove(rbuf_.data(), rbuf_.data() + read_pos_, read_end_ - read_pos_);
                read_end_ -= read_pos_;
                read_pos_ = 0;
            } else {
                rbuf_.resize(rbuf_.size() * 2);
            }
        }
        std::size_t n = 0;
        switch (recv_some(rbuf_.data() + read_end_, rbuf_.size() - read_end_, n)) {
            case Recv::closed:
                return close();
            case Recv::would_block:
                // Waiting with nothing buffered: the buffer goes back to the pool.
                if (read_pos_ == read_end_) release_read_buffer();
                return wait_readable(&Connection::do_read);
            case Recv::data:
                read_end_ += n;
                if (!parse_available()) return;
        }
    }
}

bool Connection::parse_available() {
    if (state_ != State::head) return false;
    std::string_view input(rbuf_.data() + read_pos_, read_end_ - read_pos_);
    if (!in_request_ && !input.empty()) {
        in_request_ = true;
        request_started_ns_ = now_ns();
        deadline_ms_ = monotonic_ms() + manager_.config().header_timeout_ms;
    }
    if (proxy_pending_ && !input.empty()) {
        bool need_more = false;
        if (!take_proxy_header(input, need_more)) return false;
        if (need_more) return true;
    }
    auto r = http::parse_request_head(input, request_, manager_.config().limits);
    if (r.status == http::ParseStatus::incomplete) return true;
    if (r.status == http::ParseStatus::error) {
        refuse(http::status_for(r.error), http::describe(r.error));
        return false;
    }
    read_pos_ += r.consumed;
    start_body();
    return false;
}

void Connection::parse_head() {
    if (parse_available()) do_read();
}

void Connection::start_body() {
    state_ = State::body;
    body_.reset();
    chunked_.reset();
    body_raw_ = 0;
    body_start_ms_ = monotonic_ms();
    deadline_ms_ = body_start_ms_ + manager_.config().body_idle_ms;
    switch (request_.framing) {
        case http::BodyFraming::none:
            return dispatch();
        case http::BodyFraming::content_length:
            body_left_ = request_.content_length;
            if (body_left_ == 0) return dispatch();
            break;
        case http::BodyFraming::chunked:
            break;
    }
    // RFC 9110 10.1.1: a server that will read the body sends 100 (Continue) first. We only
    // get here once the head passed every check, so a refused request never gets a 100.
    if (request_.expect_continue && read_pos_ == read_end_) {
        queue_.append(http::kContinueResponse);
        std::error_code wec;
        if (queue_.flush(fd_, continue_bytes_, wec) == OutputQueue::FlushResult::error)
            return close();
    }
    // An asynchronous producer (ASGI) gets the body as it arrives: the app starts now, with
    // what the head's read already brought.
    streaming_ = producer_->asynchronous();
    stream_ended_ = false;
    stream_paused_ = false;
    stream_buf_.clear();
    bool more = feed_body(std::string_view(rbuf_.data() + read_pos_, read_end_ - read_pos_), true);
    if (!streaming_) {
        if (more) read_body();
        return;
    }
    if (!more && !stream_ended_) return;  // refused (bad chunking)
    dispatch();
    if (more) read_body();
}

bool Connection::reading_body() const {
    if (state_ == State::body) return true;
    return state_ == State::app && streaming_ && !stream_ended_;
}

std::string_view Connection::available() const {
    return stream_buf_;
}

bool Connection::take(std::size_t n) {
    stream_buf_.erase(0, n);
    if (!stream_paused_ || stream_buf_.size() >= kHighWater || !reading_body()) return false;
    // Resume. The time spent paused was the app's, not the client's: it does not count
    // against the client's minimum body rate.
    stream_paused_ = false;
    auto now = monotonic_ms();
    body_start_ms_ += now - stream_paused_ms_;
    deadline_ms_ = now + manager_.config().body_idle_ms;
    boost::asio::post(manager_.io(), [self = shared_from_this()] {
        if (self->reading_body()) self->read_body();
    });
    return true;
}

bool Connection::feed_body(std::string_view input, bool from_read_buffer) {
    std::size_t consumed = 0;
    bool complete = false;
    std::error_code ec;
    auto before = stream_buf_.size();
    auto append = [this](std::string_view data) {
        if (!streaming_) return body_.append(data);
        stream_buf_.append(data);
        return std::error_code{};
    };
    if (request_.framing == http::BodyFraming::content_length) {
        auto take = static_cast<std::size_t>(std::min<std::uint64_t>(body_left_, input.size()));
        ec = append(input.substr(0, take));
        body_left_ -= take;
        consumed = take;
        complete = body_left_ == 0;
    } else {
        while (consumed < input.size() && !complete) {
            auto step = chunked_.next(input.substr(consumed));
            consumed += step.consumed;
            if (!step.data.empty()) ec = append(step.data);
            if (ec) break;
            if (step.status == http::ParseStatus::error) {
                if (state_ == State::app)
                    refuse_streamed(http::status_for(step.error), http::describe(step.error));
                else
                    refuse(http::status_for(step.error), http::describe(step.error));
                return false;
            }
            if (step.status == http::ParseStatus::complete) complete = true;
            if (step.consumed == 0 && !complete) break;
        }
    }
    if (ec) {
        log::error("http", "request body spool failed error={}", log::quote(ec.message()));
        refuse(500, "body spool failed");
        return false;
    }
    if (from_read_buffer) {
        read_pos_ += consumed;
    } else if (complete && consumed < input.size()) {
        carry_.append(input.substr(consumed));  // the next pipelined request(s)
    }
    if (streaming_) {
        stream_ended_ = complete;
        // Before dispatch (bytes that came with the head) there is no app to tell yet.
        if (state_ == State::app && (complete || stream_buf_.size() != before))
            producer_->body_arrived();
        return !complete;
    }
    if (complete) {
        dispatch();
        return false;
    }
    return true;
}

// Body bytes go through the worker's scratch buffer straight into the RequestBody.
void Connection::read_body() {
    // A fast client could keep this loop busy for a whole upload: after kBodyReadsPerTurn
    // reads, let the other connections' handlers run first.
    constexpr int kBodyReadsPerTurn = 8;
    auto& scratch = manager_.scratch();
    for (int turn = 0; turn < kBodyReadsPerTurn; ++turn) {
        if (!reading_body()) return;
        if (streaming_ && stream_buf_.size() >= kHighWater) {
            // Back-pressure: the app has not taken what is here. Stop reading; take()
            // resumes. The client's upload waits in the kernel's socket buffers.
            stream_paused_ = true;
            stream_paused_ms_ = monotonic_ms();
            return;
        }
        std::size_t n = 0;
        switch (recv_some(scratch.data(), scratch.size(), n)) {
            case Recv::closed:
                return close();
            case Recv::would_block:
                return wait_readable(&Connection::read_body);
            case Recv::data:
                break;
        }
        body_raw_ += n;
        const auto& cfg = manager_.config();
        // Minimum body rate: after the grace period the client must have sent body_min_rate
        // bytes for every second; and no single read may stall longer than body_idle_ms.
        auto by_rate = body_start_ms_ + cfg.body_grace_ms +
                       static_cast<std::int64_t>(body_raw_ * 1000 /
                                                 std::max<std::uint64_t>(cfg.body_min_rate, 1));
        deadline_ms_ = std::min(monotonic_ms() + cfg.body_idle_ms, by_rate);
        if (!feed_body(std::string_view(scratch.data(), n), false)) return;
    }
    boost::asio::post(manager_.io(), [self = shared_from_this()] {
        if (self->reading_body()) self->read_body();
    });
}

// The body went bad (chunking, --max-body) while the app already runs with the part that
// arrived: the app gets http.disconnect, the client the error status unless the app's
// response already began to leave, then the connection lingers closed as refuse() does.
void Connection::refuse_streamed(int status, std::string_view why) {
    log::info("http", "request refused status={} reason={} remote_addr={}", status, why,
              log::quote(remote_addr_));
    streaming_ = false;
    queue_.abort();        // what the app queued is never sent
    producer_->abandon();  // http.disconnect; its send() raises
    if (bytes_written_ == 0) {
        send_best_effort(fd_, status, request_.method == "HEAD");
        summary_ = ResponseSummary{status, 0, false, true};
        record_stats(now_ns() - request_started_ns_, -1);
    }
    linger_close();
}

void Connection::refuse(int status, std::string_view why) {
    log::info("http", "request refused status={} reason={} remote_addr={}", status, why,
              log::quote(remote_addr_));
    refused_ = true;
    state_ = State::app;
    summary_ = ResponseSummary{status, 0, false, true};
    std::string out;
    // A HEAD request refused while parsing still gets no body (RFC 9110 9.3.2): the method
    // is known as soon as the request line's first SP was seen.
    http::write_error_response(status, out, request_.method == "HEAD");
    queue_.append(out);
    flush();
}

// ---- app side -------------------------------------------------------------------------

void Connection::prepare_info() {
    const auto& cfg = manager_.config();
    info_ = RequestInfo{};
    info_.head = &request_;
    info_.body = &body_;
    info_.stream = streaming_ ? this : nullptr;
    info_.remote_addr = remote_addr_;
    info_.remote_port = remote_port_;
    info_.url_scheme = "http";
    info_.host = request_.host;
    if (!request_.scheme.empty()) info_.url_scheme = request_.scheme;
    if (trusted_peer_) apply_forwarded(request_, cfg.forwarded_allow, forwarded_for_, info_);
    split_host(info_.host, info_.url_scheme, listener_.address, listener_.port, info_.server_name,
               info_.server_port);

    auto client_id = request_.find("X-Request-Id");
    if (http::is_valid_request_id(client_id)) {
        info_.request_id = client_id;
    } else {
        http::generate_request_id(generated_id_);
        info_.request_id = std::string_view(generated_id_.data(), generated_id_.size());
    }
    info_.script_name = cfg.root_path;
    info_.local_addr = listener_.address;
    info_.local_port = listener_.port;
    info_.keep_alive = request_.keep_alive && !draining_;
}

void Connection::dispatch() {
    state_ = State::app;
    app_started_ms_ = monotonic_ms();
    prepare_info();
    if (auto* stats = manager_.stats()) {
        stats->request_started();
        counted_in_flight_ = true;
        cpu_sampled_ = cpu_sampler().take(request_started_ns_);
        info_.measure_cpu = cpu_sampled_;
    }
    // An ASGI app's WebSocket upgrade: the session drives the connection from here. (A WSGI
    // app gets the request as plain HTTP, as before: WSGI has no WebSocket.)
    if (auto* rt = manager_.websocket_runtime(); rt && http::ws::is_websocket_request(request_)) {
        ws_ = std::make_unique<WebSocketSession>(*this, *rt);
        return ws_->start();
    }
    if (auto* route = manager_.pre_app(); route && route->try_serve(info_, queue_, summary_)) {
        pre_app_served_ = true;
        return flush();
    }
    app_running_ = true;
    if (producer_->asynchronous()) return run_async();
    if (manager_.config().inline_app) return run_inline();
    self_ = shared_from_this();
    if (!manager_.pool()->post(*this)) {
        self_.reset();
        app_running_ = false;
        return close();
    }
}

void Connection::run_inline() {
    {
        ThreadCpuMeter cpu(cpu_ns_, cpu_sampled_);
        producer_->begin(info_, queue_, *this);
        if (producer_->pump() == ResponseProducer::Step::done) app_running_ = false;
    }
    flush();
}

// ASGI: the request goes to the worker's event loop thread; the producer calls
// response_complete() from there when the response is whole.
void Connection::run_async() {
    self_ = shared_from_this();
    producer_->begin(info_, queue_, *this);
}

void Connection::response_complete() {
    auto self = std::move(self_);
    boost::asio::post(manager_.io(), [self = std::move(self)] { self->on_app_done(); });
}

// While an async app runs, the connection reads nothing (pipelined requests wait), so a
// client that goes away would only be noticed by a failed write. Watch for EOF meanwhile:
// the app gets http.disconnect (an SSE or long-poll view ends). Bytes that arrive instead
// are a pipelined request: left alone. Armed by the tick once a request has run for a
// while (check_deadline), so the common short request pays nothing for it.
void Connection::watch_disconnect() {
    watching_disconnect_ = true;
    socket_.async_wait(
        Socket::wait_read, [self = shared_from_this()](const boost::system::error_code& ec) {
            self->watching_disconnect_ = false;
            if (self->state_ != State::app || !self->app_running_) return;
            if (ec) return self->close();
            char byte = 0;
            ssize_t n = ::recv(self->fd_, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
            if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
                return self->close();
            if (n < 0) self->watch_disconnect();
        });
}

void Connection::run_app_job() {
    // App thread. The loop does not touch producer_ (nor cpu_ns_) until on_app_done.
    {
        ThreadCpuMeter cpu(cpu_ns_, cpu_sampled_);
        producer_->begin(info_, queue_, *this);
        while (producer_->pump() == ResponseProducer::Step::more) {
            output_ready();
            queue_.wait_below_low_water();  // an aborted queue makes the next pump() abandon
        }
    }
    auto self = std::move(self_);
    boost::asio::post(manager_.io(), [self = std::move(self)] { self->on_app_done(); });
}

void Connection::on_app_done() {
    app_running_ = false;
    if (state_ == State::closed || state_ == State::linger) return;
    flush();
}

void Connection::output_ready() {
    if (manager_.config().inline_app) {
        // Loop thread, inside pump(): push what we have now (streaming), never wait here.
        // Re-entering on_flushed() from inside pump() is avoided on purpose.
        if (writing_ || state_ == State::closed) return;
        std::error_code ec;
        auto r = queue_.flush(fd_, bytes_written_, ec);
        if (r == OutputQueue::FlushResult::error) return queue_.abort();
        if (r == OutputQueue::FlushResult::would_block) wait_writable();
        return;
    }
    if (flush_posted_.exchange(true)) return;
    boost::asio::post(manager_.io(), [self = shared_from_this()] {
        self->flush_posted_ = false;
        if (self->state_ != State::closed) self->flush();
    });
}

bool Connection::wait_for_room() {
    if (!manager_.config().inline_app) {
        output_ready();
        return queue_.wait_below_low_water();
    }
    // --threads 1, inside the app's write(): the loop is this thread, so drain the socket
    // here (the GIL is released by the caller). A client that takes nothing for
    // body_idle_ms is dropped rather than holding the worker.
    auto idle_limit = manager_.config().body_idle_ms;
    auto last_progress = monotonic_ms();
    while (queue_.pending() >= OutputQueue::kLowWater) {
        if (state_ == State::closed || queue_.aborted()) return false;
        std::error_code ec;
        auto before = bytes_written_;
        auto r = queue_.flush(fd_, bytes_written_, ec);
        if (r == OutputQueue::FlushResult::error) {
            queue_.abort();
            return false;
        }
        if (bytes_written_ != before) last_progress = monotonic_ms();
        if (r == OutputQueue::FlushResult::drained) break;
        if (monotonic_ms() - last_progress > idle_limit) {
            queue_.abort();
            return false;
        }
        pollfd p{fd_, POLLOUT, 0};
        ::poll(&p, 1, 250);
        manager_.beat();
    }
    return true;
}

// ---- write side -----------------------------------------------------------------------

void Connection::wait_writable() {
    writing_ = true;
    deadline_ms_ = monotonic_ms() + manager_.config().body_idle_ms;
    socket_.async_wait(Socket::wait_write,
                       [self = shared_from_this()](const boost::system::error_code& ec) {
                           self->writing_ = false;
                           if (ec || self->state_ == State::closed) return;
                           self->flush();
                       });
}

void Connection::flush() {
    if (writing_ || state_ == State::closed) return;
    if (queue_.aborted()) return close();  // a write failed inside pump(): the client is gone
    std::error_code ec;
    auto r = queue_.flush(fd_, bytes_written_, ec);
    if (r == OutputQueue::FlushResult::error) {
        queue_.abort();
        if (app_running_ && manager_.config().inline_app) {
            producer_->abandon();
            app_running_ = false;
        }
        return close();
    }
    if (r == OutputQueue::FlushResult::would_block) return wait_writable();
    on_flushed();
}

void Connection::on_flushed() {
    if (!app_running_) return finish_request();
    if (producer_->asynchronous()) return producer_->output_drained();
    if (!manager_.config().inline_app) return;  // the app thread posts more or on_app_done
    // --threads 1 and the producer paused at the high-water mark: pull the next slice.
    {
        ThreadCpuMeter cpu(cpu_ns_, cpu_sampled_);
        if (producer_->pump() == ResponseProducer::Step::done) app_running_ = false;
    }
    flush();
}

void Connection::finish_request() {
    if (refused_) {
        record_stats(now_ns() - request_started_ns_, -1);
        return linger_close();
    }
    account_request();
    // A streamed body the app did not read to its end is never read: close after it.
    bool body_unread = streaming_ && !stream_ended_;
    streaming_ = false;
    if (!summary_.keep_alive || !request_.keep_alive || draining_ || body_unread)
        return linger_close();
    next_request();
}

void Connection::account_request() {
    if (!pre_app_served_) summary_ = producer_->summary();
    const auto& cfg = manager_.config();
    bool log_on = cfg.access_log != http::AccessLogFormat::off;
    std::uint64_t duration_ns = 0;
    if (log_on || manager_.stats()) duration_ns = now_ns() - request_started_ns_;
    // An ASGI app's CPU time is its task's steps, added up by the runtime (asgi/exchange.hpp).
    if (producer_->asynchronous() && !pre_app_served_) cpu_ns_ = producer_->app_cpu_ns();
    record_stats(duration_ns, cpu_ns_);
    if (log_on) {
        http::AccessLogEntry e;
        e.method = request_.method;
        e.path = request_.path;
        e.query = request_.query;
        e.status = summary_.status;
        e.bytes = summary_.body_bytes;
        e.duration_ms = static_cast<double>(duration_ns) / 1e6;
        e.request_id = info_.request_id;
        e.remote_addr = info_.remote_addr;
        e.target = request_.target;
        e.protocol = request_.version == http::Version::http10 ? "HTTP/1.0" : "HTTP/1.1";
        e.host = info_.host;
        e.referer = request_.find("Referer");
        e.user_agent = request_.find("User-Agent");
        e.request = &request_;
        manager_.write_access_log(e);
    }
    manager_.request_done();
}

void Connection::next_request() {
    state_ = State::head;
    served_any_ = true;
    in_request_ = false;
    pre_app_served_ = false;
    queue_.reset();
    body_.reset();
    if (stream_buf_.capacity() > kHighWater / 4) std::string().swap(stream_buf_);
    stream_buf_.clear();
    bytes_written_ = 0;
    summary_ = ResponseSummary{};
    cpu_ns_ = -1;
    // The previous request's views are dead now: compact, then add what arrived after its
    // body while we were reading it.
    std::size_t left = read_end_ - read_pos_;
    if (read_pos_ > 0 && left > 0) std::memmove(rbuf_.data(), rbuf_.data() + read_pos_, left);
    read_pos_ = 0;
    read_end_ = left;
    if (!carry_.empty()) {
        if (rbuf_.size() < read_end_ + carry_.size()) rbuf_.resize(read_end_ + carry_.size());
        std::memcpy(rbuf_.data() + read_end_, carry_.data(), carry_.size());
        read_end_ += carry_.size();
        std::string().swap(carry_);  // rare (pipelining after a body): do not keep its memory
    }
    if (read_end_ > 0) {
        // Pipelined input is already here. Parse it from the loop, not recursively, so a
        // long pipeline does not grow the stack.
        boost::asio::post(manager_.io(), [self = shared_from_this()] { self->parse_head(); });
        return;
    }
    deadline_ms_ = monotonic_ms() + manager_.config().keep_alive_ms;
    do_read();
}

// ---- deadlines and closing -------------------------------------------------------------

void Connection::check_deadline(std::int64_t now_ms) {
    if (state_ == State::closed) return;
    if (ws_ && ws_->active()) return ws_->check_deadline(now_ms);
    const auto& cfg = manager_.config();
    if (state_ == State::app) {
        if (writing_ && now_ms >= deadline_ms_) return force_close();  // client stopped reading
        // Streaming a body: a client that stops sending is dropped as in the body state
        // (paused by back-pressure, the wait is the app's). The body reader sees EOF itself.
        if (reading_body() && !stream_paused_ && !writing_ && now_ms >= deadline_ms_)
            return close();
        if (app_running_ && !watching_disconnect_ && !reading_body() && producer_->asynchronous())
            watch_disconnect();
        if (!app_running_ || cfg.request_timeout_ms <= 0 || timed_out_) return;
        if (now_ms - app_started_ms_ < cfg.request_timeout_ms) return;
        // --request-timeout with app threads: Python cannot interrupt a running thread, so
        // the client gets 504 (when nothing was sent yet) and the worker asks to be
        // recycled; the late response is discarded. With --threads 1 the loop itself is
        // busy and the arbiter's --timeout applies instead (docs/serve.md).
        timed_out_ = true;
        log::warn("http", "request timed out method={} path={} request_id={}", request_.method,
                  log::quote(request_.path), info_.request_id);
        // An async (ASGI) task is cancelled, its stack logged; nothing is left stuck, so no
        // recycle. A WSGI app thread cannot be stopped: the worker asks to be replaced.
        if (!producer_->cancel()) manager_.request_timed_out();
        if (bytes_written_ == 0) {
            send_best_effort(fd_, 504, request_.method == "HEAD");
            summary_.status = 504;
            record_stats(now_ns() - request_started_ns_,
                         -1);  // an app thread may still run: no CPU
        }
        return close();
    }
    if (now_ms < deadline_ms_) return;
    if (state_ == State::head && in_request_) send_best_effort(fd_, 408, request_.method == "HEAD");
    close();
}

void Connection::drain() {
    draining_ = true;
    if (ws_ && ws_->active()) return ws_->drain();
    if (state_ != State::head || in_request_) return;
    // An idle kept-alive connection is closed at once (a client retries a request that met
    // a closed idle connection: RFC 9112 9.3.1). A connection accepted just before the drain
    // has not sent its first request yet, but its client is sending it: closing it would fail
    // a request on a fresh connection, so it gets a short while to arrive and is answered
    // with `Connection: close` (a zero-downtime deploy drains the old workers this way).
    if (served_any_) return close();
    deadline_ms_ = std::min(deadline_ms_, monotonic_ms() + kDrainFirstRequestMs);
}

void Connection::force_close() {
    close();
}

void Connection::linger_close() {
    // Half-close and read what the client still sends for a moment, so that a response to
    // a refused request is not destroyed by a RST (unread input at close() sends RST).
    state_ = State::linger;
    ::shutdown(fd_, SHUT_WR);
    deadline_ms_ = monotonic_ms() + manager_.config().linger_ms;
    linger_read();
}

void Connection::linger_read() {
    // Bytes are dropped; the deadline bounds how long (and so how much) this reads.
    auto& scratch = manager_.scratch();
    for (int turn = 0; turn < 8; ++turn) {
        if (state_ != State::linger) return;
        std::size_t n = 0;
        switch (recv_some(scratch.data(), scratch.size(), n)) {
            case Recv::closed:
                return close();
            case Recv::would_block:
                return wait_readable(&Connection::linger_read);
            case Recv::data:
                break;
        }
    }
    boost::asio::post(manager_.io(), [self = shared_from_this()] { self->linger_read(); });
}

// Per completed response, where the access log is written; the stats update is a few
// plain stores into the worker's shared stats page, plus the endpoint's slot: the route key
// of the path (route_key.hpp) looked up in the worker's fixed table. `cpu_ns` < 0: not
// measured (not sampled, refused, timed out: docs/dashboard.md).
void Connection::record_stats(std::uint64_t duration_ns, std::int64_t cpu_ns) {
    auto* stats = manager_.stats();
    if (!stats) return;
    auto route = endpoint_stats::kOtherSlot;
    if (pre_app_served_) {
        route = endpoint_stats::kStaticSlot;
    } else if (!refused_) {
        char key[endpoint_stats::kRouteKeyMax];
        if (auto n = route_key(request_.path, key, sizeof key - 1); n > 0)
            route = stats->route_slot({key, n});
    }
    stats->request_finished(summary_.status, duration_ns, counted_in_flight_, route, cpu_ns);
    counted_in_flight_ = false;
}

void Connection::close() {
    if (state_ == State::closed) return;
    state_ = State::closed;
    if (counted_in_flight_) {  // the response never completed (client gone, timeout, stop)
        counted_in_flight_ = false;
        if (auto* stats = manager_.stats()) stats->request_abandoned();
    }
    queue_.abort();  // wakes an app thread waiting for room; its next pump() abandons
    if (app_running_ && producer_->asynchronous()) producer_->abandon();  // http.disconnect
    if (ws_) ws_->connection_closed();                                    // websocket.disconnect
    boost::system::error_code ignored;
    socket_.close(ignored);
    manager_.unlink(this);
}

}  // namespace paasrun::worker
