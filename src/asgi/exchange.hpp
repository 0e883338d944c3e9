// Exchange: one HTTP request handed from the worker's front end (AsgiProducer) to the ASGI
// runtime, and the sink its response goes to. Front end and event loop share one thread
// (asgi/runtime.hpp), so nothing here is cross-thread except by history: the atomics cost
// nothing and keep the contract explicit.
//
// The worker fills `request` and `sink`, then Runtime::submit()s the exchange. From then on:
//   - the runtime builds the `http` scope from `request` and runs the app's task; its send()
//     calls go to `sink` (never blocking);
//   - the worker may set `disconnected` or ask for a wake-up (Runtime::notify) at any time
//     (body bytes arrived for a receive() that waits: `wants_body`);
//   - once the sink reported the response complete (ResponseSink::Step::complete, or after
//     fail()), the runtime never touches `request` or `sink` again: the connection may
//     already be serving its next request. A task that keeps running (a background task)
//     only sees http.disconnect from receive() and an error from send().
// Shared through std::shared_ptr by the producer and the task's Port.
#pragma once

#include <atomic>
#include <cstdint>
#include <span>
#include <string_view>

#include "wsgi/request.hpp"

struct _object;  // PyObject, opaque here

namespace paasrun::asgi {

/// A request body that is still arriving: the front end reads it from the socket with
/// back-pressure (it stops reading while a bounded amount waits here) and receive() takes it.
/// Loop thread, GIL held; never used after the response is complete.
class BodySource {
public:
    /// Body bytes received and not yet taken (valid until take()).
    [[nodiscard]] virtual std::string_view available() const = 0;
    /// Every body byte has arrived (available() is the last of it).
    [[nodiscard]] virtual bool ended() const = 0;
    /// The app took the first `n` available bytes (the front end may read more).
    virtual void take(std::size_t n) = 0;

protected:
    virtual ~BodySource() = default;
};

/// The request as the front end parsed it (views into the connection's buffers, valid until
/// the response is complete).
struct RequestView {
    std::string_view method;
    std::string_view raw_path;  // as received, not decoded, without the query
    std::string_view query;     // raw, without '?'
    bool http10 = false;
    std::span<const wsgi::Header> headers;  // arrival order; Host already the effective one
    std::string_view scheme = "http";       // after trusted X-Forwarded-Proto
    std::string_view client_host;           // "" = unknown (unix socket)
    std::uint16_t client_port = 0;
    std::string_view server_host;  // local address; "" = unix socket
    std::uint16_t server_port = 0;
    std::string_view root_path;    // --root-path ("" = none)
    std::string_view request_id;   // for log lines
    wsgi::Body body;               // the whole body, when `stream` is null
    BodySource* stream = nullptr;  // the body as it arrives (null: no body, or `body`)
};

/// Where the app's response goes (the worker encodes it for the wire). Every call happens on
/// the event loop thread with the GIL held and must not block.
class ResponseSink {
public:
    enum class Step {
        ok,        // taken; the app may send more
        wait,      // taken, but the output is above its high-water mark: wait for a wake-up
        complete,  // the response is complete (or could not be completed): sink is done
    };
    struct Header {
        std::string_view name;
        std::string_view value;
    };

    /// http.response.start (validated shape; headers copied, the head is held back until
    /// the first body bytes so both leave in one write).
    virtual void start(int status, std::span<const Header> headers) = 0;
    /// http.response.body.
    virtual Step body(std::string_view data, bool more_body) = 0;
    /// http.response.pathsend: `length` bytes of `fd` from offset 0 (the sink dups the fd).
    virtual Step file(int fd, std::uint64_t length) = 0;
    /// http.response.start said `trailers: True` (called right after start()): the last body
    /// does not complete the response, the trailers message with more_trailers false does.
    virtual void expect_trailers() = 0;
    /// http.response.trailers (after the last body; the port checks the order).
    virtual Step trailers(std::span<const Header> fields, bool more_trailers) = 0;
    /// The app's task ended (or raised, `traceback` non-empty) before the response was
    /// complete: a 500 when nothing was sent, else the connection is cut. Completes.
    /// `quiet`: the client went away or the task was cancelled (logged at info, not error).
    virtual void fail(std::string_view traceback, bool quiet) = 0;

protected:
    virtual ~ResponseSink() = default;
};

struct Exchange {
    // Set by the worker before submit(); read by the loop thread until the response is
    // complete.
    RequestView request;
    ResponseSink* sink = nullptr;

    // Either thread.
    std::atomic<bool> disconnected{false};  // the client went away (worker sets it)
    std::atomic<bool> wants_room{false};    // the app waits for the output to drain
    std::atomic<bool> wants_body{false};    // receive() waits for body bytes to arrive

    // Loop thread only: the Python channel of the running task (a strong reference, dropped
    // when the task ends).
    _object* channel = nullptr;

    // CPU time per request (the per-endpoint table): when `measure_cpu` (set by the worker
    // before submit(), for the requests its sampler picked), the thread CPU time of each step
    // of this request's own task is added to `cpu_ns` (-1 until the first): the eager first
    // step (with the scope and the Task made for it) and every later step the Task runs.
    // Other tasks' steps run on the same thread in between and are not counted; neither is
    // waiting. Loop thread only; read by the worker once the response is complete.
    bool measure_cpu = false;
    std::int64_t cpu_ns = -1;
};

}  // namespace paasrun::asgi
