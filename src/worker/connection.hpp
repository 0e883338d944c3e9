// Connection: one accepted HTTP/1.1 client, driven by the worker's event loop.
//
// Life of a request on a connection (see docs/serve.md, "HTTP front end"):
//   head   read into a pooled buffer and parse strictly (src/http); an idle connection holds
//          no buffer (connection_memory.hpp). Errors answer 400/414/431/
//          413/501/505 with "Connection: close" and end the connection: a request whose
//          framing is in doubt is never followed by another (RFC 9112 11.2, smuggling).
//   body   Expect: 100-continue answered just before reading the body; the whole body is
//          read (de-chunked) into a RequestBody, still without the GIL. For an asynchronous
//          producer (ASGI) the app starts at once and the body is streamed to it as it
//          arrives (BodyStream): reading stops while BodyStream::kHighWater bytes wait
//          unread by the app, and a response that completes before the body ended closes
//          the connection (the rest of the body is never read).
//   app    the ResponseProducer (WSGI) runs on the loop thread (--threads 1) or on an app
//          thread; it queues encoded response bytes with backpressure. An asynchronous
//          producer (ASGI) starts a task and reports the end with response_complete().
//   write  the loop flushes the queue (writev/sendfile on the non-blocking socket).
//   next   access-log line, then keep-alive: bytes already received (pipelining) are parsed
//          at once, in order; otherwise wait for the next request within --keep-alive.
// Only one request per connection is in flight; pipelined ones wait in the read buffer, so
// responses leave in request order and a client cannot queue unbounded work.
//
// Deadlines are plain numbers checked by the manager's tick (no timer per connection): a
// connection that misses one is closed (a partial head gets 408 first).
//
// Threads: everything here runs on the loop thread except run_app_job() (an app thread).
// The app thread touches only the producer, the OutputQueue (thread-safe) and posts back.
#pragma once

#include <array>
#include <atomic>
#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <memory>
#include <string>

#include "http/chunked_decoder.hpp"
#include "http/request.hpp"
#include "http/request_id.hpp"
#include "worker/app_pool.hpp"
#include "worker/body.hpp"
#include "worker/response.hpp"
#include "worker/response_queue.hpp"

namespace paasrun::worker {

class ConnectionManager;
class WebSocketSession;

/// Address facts of a listening socket, shared by the connections it accepted.
struct ListenerInfo {
    std::string address;  // numeric local address ("" for unix sockets)
    std::uint16_t port = 0;
    bool tcp = true;
};

class Connection final : public std::enable_shared_from_this<Connection>,
                         public AppJob,
                         private OutputChannel,
                         private BodyStream {
public:
    using Socket = boost::asio::generic::stream_protocol::socket;

    Connection(ConnectionManager& manager, Socket socket, const ListenerInfo& listener,
               std::string remote_addr, std::uint16_t remote_port,
               std::unique_ptr<ResponseProducer> producer);
    ~Connection();

    void start();
    /// The loop's periodic check: closes the connection when its deadline passed.
    void check_deadline(std::int64_t now_ms);
    /// Graceful stop: idle connections close now; busy ones close after their response.
    void drain();
    /// Immediate close (graceful timeout over).
    void force_close();

    /// Intrusive list links for the manager (loop thread only).
    Connection* prev_ = nullptr;
    Connection* next_ = nullptr;

private:
    // websocket: an ASGI WebSocket after its 101; ws_ drives the socket (websocket_session.hpp)
    enum class State { head, body, app, websocket, linger, closed };
    friend class WebSocketSession;

    // read side. Reads are non-blocking recv() until EAGAIN, then an async wait for
    // readability: no buffer has to be lent to a pending read, so an idle connection owns
    // none (connection_memory.hpp).
    enum class Recv { data, would_block, closed };
    Recv recv_some(char* buf, std::size_t size, std::size_t& n);
    void wait_readable(void (Connection::*next)());
    void do_read();
    [[nodiscard]] bool parse_available();  // true: the head needs more input
    void parse_head();
    void release_read_buffer();
    void start_body();
    [[nodiscard]] bool feed_body(std::string_view input,
                                 bool from_read_buffer);  // true: more body wanted
    void read_body();
    void refuse(int status, std::string_view why);
    void refuse_streamed(int status, std::string_view why);
    [[nodiscard]] bool reading_body() const;

    // BodyStream (the asynchronous producer calls these)
    [[nodiscard]] std::string_view available() const override;
    [[nodiscard]] bool ended() const override { return stream_ended_; }
    bool take(std::size_t n) override;
    [[nodiscard]] bool take_proxy_header(std::string_view& input, bool& need_more);

    // app side
    void dispatch();
    void prepare_info();
    void run_inline();
    void run_async();
    void watch_disconnect();
    void run_app_job() override;  // app thread
    void on_app_done();           // loop thread, posted by run_app_job

    // OutputChannel (the producer calls these)
    void output_ready() override;
    bool wait_for_room() override;
    void response_complete() override;  // asyncio thread (ASGI)

    // write side
    void flush();
    void wait_writable();
    void on_flushed();
    void finish_request();
    void account_request();  // stats, access log, request count of the finished request
    void record_stats(std::uint64_t duration_ns, std::int64_t cpu_ns);
    void next_request();

    // closing
    void linger_close();
    void linger_read();
    void close();

    ConnectionManager& manager_;
    Socket socket_;
    int fd_;
    const ListenerInfo& listener_;
    std::string remote_addr_;
    std::uint16_t remote_port_;
    std::unique_ptr<ResponseProducer> producer_;

    State state_ = State::head;
    std::int64_t deadline_ms_ = 0;
    bool draining_ = false;
    bool writing_ = false;      // an async wait for writability is pending
    bool app_running_ = false;  // the producer has not returned `done` yet
    bool pre_app_served_ = false;
    bool in_request_ = false;  // bytes of the current request have arrived
    bool served_any_ = false;  // a request was answered on this connection (drain())
    static constexpr std::int64_t kDrainFirstRequestMs = 2000;
    bool refused_ = false;              // an error response is queued; close after it
    bool timed_out_ = false;            // --request-timeout fired
    bool trusted_peer_ = false;         // the peer is in --forwarded-allow-ips
    bool proxy_pending_ = false;        // --proxy-protocol: a PROXY header may still come
    bool counted_in_flight_ = false;    // StatsWriter::request_started() was called for it
    bool watching_disconnect_ = false;  // an EOF watch is pending (ASGI, watch_disconnect)
    std::atomic<bool> flush_posted_{false};
    std::shared_ptr<Connection> self_;  // keeps *this alive while an app thread owns it

    // read buffer: [read_pos_, read_end_) unparsed input; head views point into it while a
    // request is in flight, so it is compacted/grown only between requests, and given back
    // to the pool (empty) while the connection waits for a request with nothing buffered.
    std::string rbuf_;
    std::size_t read_pos_ = 0;
    std::size_t read_end_ = 0;
    std::string carry_;  // input that arrived after the body, for the next request

    http::Request request_;
    http::ChunkedDecoder chunked_;
    RequestBody body_;
    std::uint64_t body_left_ = 0;  // content-length bytes still to read
    std::int64_t body_start_ms_ = 0;
    std::int64_t app_started_ms_ = 0;
    std::uint64_t body_raw_ = 0;        // body bytes read from the socket (before de-chunking)
    std::uint64_t continue_bytes_ = 0;  // bytes of "100 Continue" sent (not logged)
    std::uint64_t request_started_ns_ = 0;
    std::int64_t cpu_ns_ =
        -1;  // thread CPU time of the app call, -1 = not measured (thread_cpu.hpp)
    bool cpu_sampled_ = false;  // this request's CPU time is measured (CpuSampler)

    // Body streaming (asynchronous producers): bytes read and not yet taken by the app.
    bool streaming_ = false;      // this request's body goes to the app as it arrives
    bool stream_ended_ = false;   // every body byte has arrived
    bool stream_paused_ = false;  // reading stopped: kHighWater bytes wait for the app
    std::int64_t stream_paused_ms_ = 0;
    std::string stream_buf_;

    RequestInfo info_;
    std::array<char, http::kGeneratedIdSize> generated_id_{};
    std::string forwarded_for_;

    OutputQueue queue_;
    std::uint64_t bytes_written_ = 0;
    ResponseSummary summary_;

    std::unique_ptr<WebSocketSession> ws_;  // an upgrade request of an ASGI app
};

}  // namespace paasrun::worker
