#include "worker/response_asgi.hpp"

#include <algorithm>
#include <array>

#include "http/request_id.hpp"
#include "http/trailers.hpp"
#include "util/log.hpp"
#include "worker/asgi_request_view.hpp"

namespace paasrun::worker {

void AsgiProducer::begin(const RequestInfo& info, OutputQueue& queue, OutputChannel& channel) {
    info_ = &info;
    queue_ = &queue;
    channel_ = &channel;
    status_ = 0;
    head_committed_ = false;
    broken_ = false;
    trailers_expected_ = false;
    awaiting_trailers_ = false;
    trailer_buf_.clear();
    head_buf_.clear();
    plan_ = http::ResponsePlan{};
    summary_ = ResponseSummary{};

    exchange_ = std::make_shared<asgi::Exchange>();
    auto& r = exchange_->request;
    // The effective host (absolute-form authority or trusted X-Forwarded-Host), as the WSGI
    // environ's HTTP_HOST; the same view a WebSocket's scope gets.
    fill_request_view(info, request_headers_, r);
    if (info.stream != nullptr) {
        r.stream = this;
    } else {
        const auto& body = *info.body;
        r.body = body.spooled() ? wsgi::Body::in_file(body.spool_fd(), body.size())
                                : wsgi::Body::in_memory(body.memory());
    }
    exchange_->sink = this;
    exchange_->measure_cpu = info.measure_cpu;
    runtime_.submit(exchange_);
}

void AsgiProducer::abandon() {
    if (!exchange_) return;
    exchange_->disconnected.store(true);
    runtime_.notify(exchange_, asgi::Runtime::Event::wake);
}

void AsgiProducer::output_drained() {
    if (exchange_ && exchange_->wants_room.exchange(false))
        runtime_.notify(exchange_, asgi::Runtime::Event::wake);
}

void AsgiProducer::body_arrived() {
    if (exchange_ && exchange_->wants_body.exchange(false))
        runtime_.notify(exchange_, asgi::Runtime::Event::wake);
}

void AsgiProducer::take(std::size_t n) {
    if (info_->stream->take(n)) runtime_.schedule_poll();
}

bool AsgiProducer::cancel() {
    if (!exchange_) return false;
    runtime_.notify(exchange_, asgi::Runtime::Event::cancel);
    return true;
}

// ---- asgi::ResponseSink (asyncio thread) ----------------------------------------------

void AsgiProducer::start(int status, std::span<const Header> headers) {
    status_ = status;
    headers_.assign(headers);
}

bool AsgiProducer::commit_head(std::optional<std::uint64_t> known_length) {
    response_headers_.clear();
    headers_.append_to(response_headers_);
    http::echo_request_id(response_headers_, info_->request_id);
    http::ResponseSpec spec;
    spec.status = status_;
    spec.headers = response_headers_;
    spec.version = info_->head->version;
    spec.head_request = info_->head->method == "HEAD";
    // A body still arriving when the response starts is not read to its end if the app
    // does not: the connection closes after the response (Connection: close says so).
    spec.keep_alive = info_->keep_alive && (info_->stream == nullptr || info_->stream->ended());
    spec.body_length = known_length;
    spec.trailers = trailers_expected_ && http::accepts_trailers(*info_->head);
    head_buf_.clear();
    auto err = http::write_response_head(spec, head_buf_, plan_);
    head_committed_ = true;
    summary_.status = status_;
    summary_.keep_alive = plan_.keep_alive;
    summary_.headers_sent = true;
    if (err == http::ResponseError::none) return true;
    log::error("asgi", "invalid response head from the app error={} status={} request_id={}",
               http::describe(err), status_, info_->request_id);
    head_buf_.clear();
    http::write_error_response(500, head_buf_, spec.head_request);
    queue_->append(head_buf_);
    summary_ = ResponseSummary{500, 0, false, true};
    broken_ = true;
    return false;
}

void AsgiProducer::queue_data(std::string_view data) {
    std::string_view pre = head_buf_;
    switch (plan_.framing) {
        case http::ResponseFraming::no_body:
            data = {};
            break;
        case http::ResponseFraming::content_length: {
            auto left = plan_.content_length - std::min(plan_.content_length, summary_.body_bytes);
            if (data.size() > left) data = data.substr(0, static_cast<std::size_t>(left));
            break;
        }
        case http::ResponseFraming::until_close:
            break;
        case http::ResponseFraming::chunked:
            if (data.empty()) break;
            std::array<char, http::kChunkHeaderMax> buf{};
            auto size_line = http::chunk_header(data.size(), buf);
            if (!pre.empty()) {
                head_buf_.append(size_line);
                queue_->append(head_buf_, data, http::kChunkEnd);
            } else {
                queue_->append(size_line, data, http::kChunkEnd);
            }
            head_buf_.clear();
            summary_.body_bytes += data.size();
            return;
    }
    if (!pre.empty() || !data.empty()) queue_->append(pre, data);
    head_buf_.clear();
    summary_.body_bytes += data.size();
}

AsgiProducer::SinkStep AsgiProducer::body(std::string_view data, bool more_body) {
    if (!head_committed_) {
        std::optional<std::uint64_t> known;
        // With trailers coming, an HTTP/1.1 response is chunked even when this is all.
        if (!more_body && !trailers_expected_) known = data.size();
        if (!commit_head(known)) return complete();
    }
    queue_data(data);
    return more_body ? after_append(true) : body_done();
}

// The last body message went out: the response is complete, unless trailers follow.
AsgiProducer::SinkStep AsgiProducer::body_done() {
    if (!trailers_expected_ || broken_) return complete();
    awaiting_trailers_ = true;
    return after_append(true);
}

AsgiProducer::SinkStep AsgiProducer::trailers(std::span<const Header> fields, bool more_trailers) {
    // Trailers need the chunked framing (RFC 9112 7.1.2) and a client that said it takes them
    // (TE: trailers, as the ASGI extension asks); else they are dropped and the body ends as
    // it would have (a Content-Length, HTTP/1.0's close, HEAD's nothing).
    bool send = plan_.framing == http::ResponseFraming::chunked && !broken_ &&
                http::accepts_trailers(*info_->head);
    if (send) {
        std::vector<http::Header> list;
        list.reserve(fields.size());
        for (const auto& f : fields) list.push_back({f.name, f.value});
        if (auto skipped = http::append_trailer_fields(list, trailer_buf_); skipped > 0)
            log::error("asgi", "invalid trailer fields from the app dropped count={} request_id={}",
                       skipped, info_->request_id);
    }
    if (more_trailers) return SinkStep::ok;
    awaiting_trailers_ = false;
    if (!send) return complete();
    queue_->append(http::kLastChunkLine, trailer_buf_, http::kChunkEnd);
    trailer_buf_.clear();
    return complete(false);
}

AsgiProducer::SinkStep AsgiProducer::after_append(bool more_body) {
    // Only more_body=false ends the response: bytes past a Content-Length (or any body of a
    // HEAD/204/304 response) are dropped, but the app may still send its closing message.
    if (!more_body) return complete();
    if (queue_->aborted())
        return SinkStep::ok;  // the client is gone; the Port raises on the next send
    channel_->output_ready();
    runtime_.schedule_poll();
    // Backpressure: announce the wait before looking at the queue, so a drain that happens in
    // between still sees the flag (output_drained) and wakes us.
    exchange_->wants_room.store(true);
    if (queue_->pending() < OutputQueue::kHighWater) {
        exchange_->wants_room.store(false);
        return SinkStep::ok;
    }
    return SinkStep::wait;
}

AsgiProducer::SinkStep AsgiProducer::file(int fd, std::uint64_t length) {
    if (!head_committed_ && !commit_head(length)) return complete();
    std::uint64_t n = length;
    if (plan_.framing == http::ResponseFraming::content_length)
        n = std::min(n, plan_.content_length - std::min(plan_.content_length, summary_.body_bytes));
    if (plan_.framing == http::ResponseFraming::no_body) n = 0;
    if (plan_.framing == http::ResponseFraming::chunked && n > 0)
        http::append_chunk_header(head_buf_, n);
    if (!head_buf_.empty()) queue_->append(head_buf_);
    head_buf_.clear();
    if (!queue_->append_file(fd, 0, n)) {
        log::error("asgi", "dup of a pathsend file failed request_id={}", info_->request_id);
        broken_ = true;
        return complete();
    }
    if (plan_.framing == http::ResponseFraming::chunked && n > 0) queue_->append(http::kChunkEnd);
    summary_.body_bytes += n;
    return body_done();
}

void AsgiProducer::fail(std::string_view traceback, bool quiet) {
    const auto& req = *info_->head;
    if (awaiting_trailers_ && traceback.empty() && !quiet) {
        // The whole body went out; the trailers never came: end the body without them.
        log::warn("asgi", "app returned without its http.response.trailers request_id={}",
                  info_->request_id);
        awaiting_trailers_ = false;
        complete();
        return;
    }
    // An app that returns on http.disconnect (the client went away, or its body was
    // refused mid-stream) did what the spec asks: not an error.
    if (exchange_ && exchange_->disconnected.load()) quiet = true;
    if (traceback.empty() && !quiet) {
        log::error("asgi",
                   "app returned without completing its response method={} path={} request_id={}",
                   req.method, log::quote(req.path), info_->request_id);
    } else if (quiet) {
        log::info("asgi",
                  "app stopped: client gone or task cancelled method={} path={} request_id={}",
                  req.method, log::quote(req.path), info_->request_id);
    } else {
        log::error("asgi", "app raised method={} path={} request_id={} traceback={}", req.method,
                   log::quote(req.path), info_->request_id, log::quote(traceback));
    }
    if (!head_committed_) {
        head_buf_.clear();
        http::write_error_response(500, head_buf_, req.method == "HEAD");
        queue_->append(head_buf_);
        head_buf_.clear();
        summary_ = ResponseSummary{500, 0, false, true};
        head_committed_ = true;
    }
    broken_ = true;
    complete();
}

AsgiProducer::SinkStep AsgiProducer::complete(bool last_chunk) {
    if (plan_.framing == http::ResponseFraming::chunked && !broken_ && last_chunk)
        queue_->append(http::kLastChunk);
    if (plan_.framing == http::ResponseFraming::content_length &&
        summary_.body_bytes < plan_.content_length && info_->head->method != "HEAD" && !broken_) {
        log::warn("asgi",
                  "app sent fewer bytes than its Content-Length sent={} declared={} request_id={}",
                  summary_.body_bytes, plan_.content_length, info_->request_id);
        broken_ = true;
    }
    if (broken_) summary_.keep_alive = false;
    channel_->response_complete();
    runtime_.schedule_poll();
    return SinkStep::complete;
}

}  // namespace paasrun::worker
