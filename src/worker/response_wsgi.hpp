// WsgiProducer: the ResponseProducer that runs the WSGI app (src/wsgi's Exchange) and
// encodes its response for the wire (src/http's response writer).
//
// One per connection, reused for every request on it (the Exchange and the header vectors
// keep their capacity). What it adds on top of the Exchange:
//   - framing: the app's Content-Length, else the length src/wsgi knows in advance (a list
//     or tuple body, a file_wrapper region), else chunked (HTTP/1.1) or close (HTTP/1.0);
//     bytes beyond a declared Content-Length are not sent; fewer close the connection;
//   - the head goes out in the same queue append (one write) as the first body bytes;
//   - HEAD, 204 and 304: the head only; the body iterable is closed without iterating it;
//   - wsgi.file_wrapper regions are queued as sendfile segments;
//   - an app exception before the head is a 500 with "Connection: close" and the traceback
//     in the log (never in the body); after the head, the connection is cut so the client
//     sees a truncated response instead of a wrong one;
//   - the write() callable feeds the same queue; above the high-water mark it waits for the
//     client with the GIL released (PEP 3333: write() must not return before the data is
//     sent or buffered);
//   - the iterable's close() is always called (Exchange::finish), also when abandoned.
// The GIL is taken once per pump() slice (usually once per request).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "http/request.hpp"
#include "http/response_writer.hpp"
#include "worker/response.hpp"
#include "wsgi/app.hpp"
#include "wsgi/exchange.hpp"
#include "wsgi/request.hpp"

namespace paasrun::worker {

class WsgiProducer final : public ResponseProducer, private wsgi::ResponseSink {
public:
    /// No Python is touched here (safe on the loop thread without the GIL).
    explicit WsgiProducer(const wsgi::App& app) : app_(app) {}
    /// Takes the GIL if an Exchange was created.
    ~WsgiProducer() override;

    void begin(const RequestInfo& info, OutputQueue& queue, OutputChannel& channel) override;
    Step pump() override;
    void abandon() override;
    [[nodiscard]] ResponseSummary summary() const override { return summary_; }

private:
    bool write(const wsgi::ResponseHead* head, std::string_view data) override;

    void start_exchange();
    /// Encodes the head into head_buf_ (sent with the next body bytes). False on invalid
    /// app headers (then a 500 has been queued instead).
    bool commit_head(const wsgi::ResponseHead& head, std::optional<std::uint64_t> known_length);
    void send_data(std::string_view data);
    bool send_file(const wsgi::FileRegion& file);
    void flush_head();
    Step finish_ok();
    Step fail(bool head_sent);
    Step finish_exchange();
    [[nodiscard]] bool body_complete() const;

    const wsgi::App& app_;
    std::optional<wsgi::Exchange> exchange_;
    const RequestInfo* info_ = nullptr;
    OutputQueue* queue_ = nullptr;
    OutputChannel* channel_ = nullptr;
    bool started_ = false;
    bool done_ = false;
    bool head_pending_ = false;  // head_buf_ holds a head not yet queued
    bool broken_ = false;        // the response cannot be completed: close afterwards
    bool stream_ = true;         // push each chunk at once (unknown length: generators)

    std::vector<wsgi::Header> request_headers_;
    std::vector<http::Header> response_headers_;
    std::string head_buf_;
    http::ResponsePlan plan_;
    ResponseSummary summary_;
};

}  // namespace paasrun::worker
