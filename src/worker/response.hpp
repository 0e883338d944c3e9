// The contract between a connection (event loop, no Python) and the app side that produces
// a response (the WSGI adapter in response_wsgi.cpp, or a static-file route).
//
// A connection hands over one request (head parsed, whole body buffered; or, for an
// asynchronous producer, the body streamed as it arrives: BodyStream) as a RequestInfo and
// drives a ResponseProducer:
//
//   producer.begin(info, queue, channel)   once per request (calls the app)
//   producer.pump()             until it returns done; each call appends encoded response
//                               bytes (head + framed body) to `queue` and returns `more` when
//                               the queue went above OutputQueue::kHighWater (call again once
//                               it drained below kLowWater) or `done` when the response is
//                               complete and the app's iterable has been closed.
//   producer.abandon()          the client went away or the request timed out: close the
//                               iterable (PEP 3333: close() is always called) without pulling
//                               more. Safe after done (no-op).
//   producer.summary()          after done/abandon: status, body bytes, whether the connection
//                               may stay open.
//
// Threads: with --threads 1 all calls happen on the loop thread; with a pool they happen on
// one app thread at a time for a given request. The producer takes and releases the GIL
// itself, and must not hold it while waiting on the queue.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "http/request.hpp"
#include "worker/body.hpp"
#include "worker/response_queue.hpp"

namespace paasrun::worker {

/// A request body the connection streams to an asynchronous producer (ASGI) while it
/// arrives, instead of buffering it whole first. The connection stops reading the socket
/// while kHighWater bytes wait here unread by the app (back-pressure: the client's upload
/// stalls in the kernel's buffers), and tells the producer when bytes arrive
/// (ResponseProducer::body_arrived). Loop thread only.
class BodyStream {
public:
    static constexpr std::size_t kHighWater = 64 * 1024;

    /// Body bytes received and not yet taken (valid until take()).
    [[nodiscard]] virtual std::string_view available() const = 0;
    /// Every body byte has arrived.
    [[nodiscard]] virtual bool ended() const = 0;
    /// The producer took the first `n` available bytes. True when the connection resumed
    /// reading with an asio::post (the caller, outside io_context::poll, must get it run).
    virtual bool take(std::size_t n) = 0;

protected:
    virtual ~BodyStream() = default;
};

/// Everything the app side needs to build a PEP 3333 environ. Views stay valid until the
/// response is done (they point into the connection's buffers).
struct RequestInfo {
    const http::Request* head = nullptr;
    const RequestBody* body = nullptr;
    BodyStream* stream = nullptr;  // asynchronous producers: the body as it arrives (then
                                   // `body` is empty); null when there is no body
    std::string_view remote_addr;  // REMOTE_ADDR (after trusted X-Forwarded-For)
    std::uint16_t remote_port = 0;
    std::string_view server_name;  // SERVER_NAME: the local address when no Host
    std::uint16_t server_port = 0;
    std::string_view url_scheme = "http";  // after trusted X-Forwarded-Proto
    std::string_view host;         // HTTP_HOST (after trusted X-Forwarded-Host); may be empty
    std::string_view request_id;   // validated or generated X-Request-Id
    std::string_view script_name;  // --root-path ("" = none)
    std::string_view local_addr;   // the listening socket's address ("" = unix socket)
    std::uint16_t local_port = 0;
    bool keep_alive = true;    // the connection may stay open after this response
    bool measure_cpu = false;  // this request's CPU time is measured (worker/thread_cpu.hpp)
};

/// How a producer talks back to its connection while it runs.
class OutputChannel {
public:
    /// Bytes were queued that the client should get now (streaming). May be called with
    /// the GIL held: must not block.
    virtual void output_ready() = 0;
    /// The queue is above OutputQueue::kHighWater inside a call that cannot return to the
    /// loop (the app's write() callable): block until it drained below kLowWater. Called
    /// WITHOUT the GIL. False when the client is gone.
    virtual bool wait_for_room() = 0;
    /// An asynchronous producer (ASGI) finished the response from its own thread: the
    /// connection takes over (flush, access log, next request). Called once per request.
    virtual void response_complete() {}

protected:
    virtual ~OutputChannel() = default;
};

struct ResponseSummary {
    int status = 0;
    std::uint64_t body_bytes = 0;  // body bytes handed to the queue (excluding framing)
    bool keep_alive = false;       // the connection may carry another request afterwards
    bool headers_sent = false;     // the head went into the queue
};

class ResponseProducer {
public:
    enum class Step { more, done };

    virtual ~ResponseProducer() = default;
    virtual void begin(const RequestInfo& info, OutputQueue& queue, OutputChannel& channel) = 0;
    virtual Step pump() = 0;
    virtual void abandon() = 0;
    [[nodiscard]] virtual ResponseSummary summary() const = 0;

    // ---- asynchronous producers (ASGI) only; loop thread ------------------------------
    /// True: begin() hands the request to another thread and the producer reports the end
    /// through OutputChannel::response_complete(); pump() is never called.
    [[nodiscard]] virtual bool asynchronous() const { return false; }
    /// The connection wrote everything queued so far (the app may be waiting for room).
    virtual void output_drained() {}
    /// Body bytes arrived in RequestInfo::stream, or it ended (the app may be waiting).
    virtual void body_arrived() {}
    /// The request overran --request-timeout: stop it if possible. True when it was
    /// stopped (no stuck thread is left behind, so the worker need not be recycled).
    virtual bool cancel() { return false; }
    /// Once the response is complete: the thread CPU time of the app's work for this request
    /// (its task's steps), or -1 when not measured (RequestInfo::measure_cpu was false).
    [[nodiscard]] virtual std::int64_t app_cpu_ns() const { return -1; }
};

/// The static-files hook: called on the loop thread, without the GIL, before the app. Returns
/// true when it produced the whole response into `queue` (then `summary` is filled), false to
/// let the app handle the request. src/static_files implements it; none is installed by
/// default.
class PreAppRoute {
public:
    virtual ~PreAppRoute() = default;
    [[nodiscard]] virtual bool try_serve(const RequestInfo& info, OutputQueue& queue,
                                         ResponseSummary& summary) = 0;
};

}  // namespace paasrun::worker
