// The admin API's connection handling, in front of cpp-httplib's request machinery.
//
// Why it exists (issue 11): httplib 0.11 gives each connection a pool thread from accept on,
// so 16 clients sending a header line every 2 s starved every endpoint; it had no limit on
// the number or total size of header lines, parsed leniently, and dropped pipelined requests.
//
// What it does:
//  - One event-loop thread (Boost.Asio) accepts and reads every request head without
//    blocking, under a deadline (head_deadline from the first byte; idle keep-alive
//    connections are closed after keep_alive_timeout) and a cap on connections (at the cap the
//    connection that has waited longest for its head is closed to make room).
//  - Each head is parsed by the project's strict parser (http/request_parser.hpp) with the
//    front end's limits plus a cap on the whole head (431). Errors are answered here and the
//    connection closed (a message whose framing is in doubt is never followed by another).
//  - A complete head goes to `decide` (on the loop thread; must be quick and not block):
//      respond: the loop thread writes the answer (refusals: 401, 404, ...); the connection
//               stays open only if it carries no body and asked for keep-alive;
//      probe:   answered by `answer_probe` on a pool of its own (kProbeThreads), so no other
//               client can hold the threads a health probe needs; a probe with a body is
//               refused with 400 (it would be read on that pool);
//      serve:   `serve` runs on the request pool with a blocking httplib::Stream over the
//               connection that yields exactly this request's head and body (so a pipelined
//               next request stays for the loop thread, answered in order), with a read
//               deadline per read and a minimum average body rate.
//    Only requests that passed `decide` (authenticated, in the server's use) reach the request
//    pool: clients without the token cannot occupy its threads.
//  - Connections are closed after a chunked body (its framing is httplib's to parse), after a
//    body left unread, and with a lingering close (write side shut, input drained briefly) so
//    a client's unread pipelined bytes do not turn the last response into a reset.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "admin/api_types.hpp"
#include "http/limits.hpp"
#include "http/request.hpp"
#include "util/unique_fd.hpp"

namespace httplib {
class Stream;
}

namespace paasrun::admin {

struct FrontEndOptions {
    http::Limits limits;                                  // max_body: the largest any route takes
    std::size_t max_head_bytes = 32 * 1024;               // the whole head, request line included
    std::chrono::milliseconds head_deadline{10'000};      // first byte of a head -> its end
    std::chrono::milliseconds keep_alive_timeout{5'000};  // idle between requests
    std::chrono::milliseconds read_timeout{10'000};       // one read of a body
    std::chrono::milliseconds write_timeout{30'000};      // one write of a response
    std::uint64_t min_body_rate = 64 * 1024;              // bytes/s on average, after read_timeout
    std::size_t max_connections = 256;
    std::size_t request_threads = 16;
    std::size_t probe_threads = 2;
};

/// What the front end does with a complete, valid head.
struct Verdict {
    enum class Kind { respond, probe, serve } kind = Kind::serve;
    ApiResponse response;  // kind == respond
};

struct FrontEndHandlers {
    /// Loop thread; quick, never blocks.
    std::function<Verdict(const ApiRequest&, const http::Request&)> decide;
    /// Probe pool.
    std::function<ApiResponse(const ApiRequest&)> answer_probe;
    /// Request pool: processes exactly one request from `stream` (httplib's process_request).
    /// `close` asks for "Connection: close"; returns false (or sets `closed`) when the
    /// connection cannot carry another request.
    std::function<bool(httplib::Stream& stream, bool close, bool& closed)> serve;
    /// A request the front end answered itself (parse error, timeout, respond, probe).
    std::function<void(std::string_view method, std::string_view path, int status,
                       std::string_view peer)>
        log_request;
};

class FrontEnd {
public:
    /// Starts the loop thread and the pools on `listener` (a listening stream socket).
    FrontEnd(unique_fd listener, FrontEndOptions options, FrontEndHandlers handlers);
    ~FrontEnd();  // stop()
    FrontEnd(const FrontEnd&) = delete;
    FrontEnd& operator=(const FrontEnd&) = delete;

    /// Stops accepting, closes idle connections, lets requests in progress end (their reads
    /// and writes give up within about a second) and joins every thread. Idempotent.
    void stop();

    struct Impl;

private:
    std::unique_ptr<Impl> impl_;
};

}  // namespace paasrun::admin
