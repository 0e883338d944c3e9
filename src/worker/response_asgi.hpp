// AsgiProducer: the ResponseProducer of an ASGI worker. It hands each request to the
// worker's asyncio loop (asgi::Runtime, which drives this same thread's io_context) and
// encodes what the app sends for the wire into the connection's OutputQueue; the connection
// writes it on the next poll. docs/asgi.md has the threading model.
//
// One per connection, reused for its requests; each request gets a fresh asgi::Exchange
// shared with the loop thread, so a task that outlives its response (a background task)
// never touches the next request's state.
//
// Framing follows the WSGI producer: the app's Content-Length; else, when the first body
// message is also the last (more_body false), its length; else chunked (HTTP/1.1) or close
// (HTTP/1.0). The head is held back until the first body message and leaves with it in one
// write. Bytes beyond a declared Content-Length are dropped; fewer close the connection.
// http.response.pathsend queues a sendfile(2) segment. An app that raises (or returns)
// before its response is complete gets a 500 when nothing was sent, else the connection is
// cut so the client sees a truncated response.
//
// Threads: one. begin/abandon/output_drained/cancel/summary run in asio handlers, the
// ResponseSink methods in the app's task; the GIL is held for both (docs/asgi.md).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "asgi/exchange.hpp"
#include "asgi/runtime.hpp"
#include "http/response_writer.hpp"
#include "worker/copied_headers.hpp"
#include "worker/response.hpp"

namespace paasrun::worker {

class AsgiProducer final : public ResponseProducer,
                           private asgi::ResponseSink,
                           private asgi::BodySource {
public:
    explicit AsgiProducer(asgi::Runtime& runtime) : runtime_(runtime) {}

    void begin(const RequestInfo& info, OutputQueue& queue, OutputChannel& channel) override;
    ResponseProducer::Step pump() override { return ResponseProducer::Step::done; }
    void abandon() override;
    [[nodiscard]] ResponseSummary summary() const override { return summary_; }
    [[nodiscard]] bool asynchronous() const override { return true; }
    void output_drained() override;
    void body_arrived() override;
    bool cancel() override;
    [[nodiscard]] std::int64_t app_cpu_ns() const override {
        return exchange_ ? exchange_->cpu_ns : -1;
    }

private:
    // asgi::ResponseSink (asyncio thread, GIL held)
    void start(int status, std::span<const Header> headers) override;
    using SinkStep = asgi::ResponseSink::Step;
    SinkStep body(std::string_view data, bool more_body) override;
    SinkStep file(int fd, std::uint64_t length) override;
    void expect_trailers() override { trailers_expected_ = true; }
    SinkStep trailers(std::span<const Header> fields, bool more_trailers) override;
    void fail(std::string_view traceback, bool quiet) override;

    // asgi::BodySource: the connection's BodyStream, plus the loop turn its resumed read needs
    [[nodiscard]] std::string_view available() const override { return info_->stream->available(); }
    [[nodiscard]] bool ended() const override { return info_->stream->ended(); }
    void take(std::size_t n) override;

    bool commit_head(std::optional<std::uint64_t> known_length);
    void queue_data(std::string_view data);
    SinkStep after_append(bool more_body);
    /// `last_chunk`: end a chunked body (false: the trailer section already did).
    SinkStep complete(bool last_chunk = true);
    SinkStep body_done();

    asgi::Runtime& runtime_;
    std::shared_ptr<asgi::Exchange> exchange_;
    const RequestInfo* info_ = nullptr;
    OutputQueue* queue_ = nullptr;
    OutputChannel* channel_ = nullptr;
    std::vector<wsgi::Header> request_headers_;

    // The response (asyncio thread until complete).
    int status_ = 0;
    CopiedHeaders headers_;  // the app's, copied at start
    std::vector<http::Header> response_headers_;
    std::string head_buf_;
    http::ResponsePlan plan_;
    ResponseSummary summary_;
    bool head_committed_ = false;
    bool broken_ = false;
    // http.response.trailers (docs/asgi.md "Responses"): announced at start; the body is done
    // and the trailers are awaited; the trailer fields gathered so far (sent only chunked, to
    // a client that sent TE: trailers).
    bool trailers_expected_ = false;
    bool awaiting_trailers_ = false;
    std::string trailer_buf_;
};

}  // namespace paasrun::worker
