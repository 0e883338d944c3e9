#include "worker/response_wsgi.hpp"

#include <algorithm>
#include <array>

#include "http/request_id.hpp"
#include "util/log.hpp"
#include "wsgi/interpreter.hpp"

namespace paasrun::worker {

WsgiProducer::~WsgiProducer() {
    if (!exchange_) return;
    wsgi::GilGuard gil;
    exchange_.reset();
}

void WsgiProducer::begin(const RequestInfo& info, OutputQueue& queue, OutputChannel& channel) {
    // The app is called by the first pump(), so a request takes the GIL once.
    info_ = &info;
    queue_ = &queue;
    channel_ = &channel;
    started_ = false;
    done_ = false;
    head_pending_ = false;
    broken_ = false;
    stream_ = true;
    head_buf_.clear();
    plan_ = http::ResponsePlan{};
    summary_ = ResponseSummary{};
}

void WsgiProducer::start_exchange() {
    const auto& req = *info_->head;
    request_headers_.clear();
    bool host_seen = false;
    for (const auto& h : req.headers()) {
        // HTTP_HOST follows the effective host: the absolute-form authority (RFC 9112 3.2.2)
        // or a trusted X-Forwarded-Host; both are in info.host.
        if (http::iequals(h.name, "Host")) {
            if (host_seen) continue;
            host_seen = true;
            request_headers_.push_back({h.name, info_->host});
            continue;
        }
        request_headers_.push_back({h.name, h.value});
    }
    if (!host_seen && !info_->host.empty()) request_headers_.push_back({"Host", info_->host});

    wsgi::Request r;
    r.method = req.method;
    r.path = req.path;
    r.query = req.query;
    r.protocol = req.version == http::Version::http10 ? "HTTP/1.0" : "HTTP/1.1";
    r.headers = request_headers_;
    r.remote_addr = info_->remote_addr;
    r.remote_port = info_->remote_port;
    r.server_name = info_->server_name;
    r.server_port = info_->server_port;
    r.url_scheme = info_->url_scheme;
    r.script_name = info_->script_name;
    r.request_id = info_->request_id;
    const auto& body = *info_->body;
    r.body = body.spooled() ? wsgi::Body::in_file(body.spool_fd(), body.size())
                            : wsgi::Body::in_memory(body.memory());
    if (!exchange_) exchange_.emplace(app_);
    exchange_->start(r, this);
    started_ = true;
}

ResponseProducer::Step WsgiProducer::pump() {
    if (done_) return Step::done;
    wsgi::GilGuard gil;
    if (!started_) start_exchange();
    for (;;) {
        if (queue_->aborted()) {
            broken_ = true;
            return finish_exchange();
        }
        wsgi::Chunk c = exchange_->next();
        if (c.kind == wsgi::Chunk::Kind::failed) return fail(c.head_sent || summary_.headers_sent);
        if (c.head) {
            std::optional<std::uint64_t> known = c.head->body_length_hint;
            if (!known && c.kind == wsgi::Chunk::Kind::done) known = 0;
            if (!known && c.last && c.kind == wsgi::Chunk::Kind::data) known = c.data.size();
            if (!known && c.last && c.kind == wsgi::Chunk::Kind::file) known = c.file.length;
            if (!commit_head(*c.head, known)) return finish_exchange();
        }
        switch (c.kind) {
            case wsgi::Chunk::Kind::data:
                send_data(c.data);
                break;
            case wsgi::Chunk::Kind::file:
                if (!send_file(c.file)) {
                    broken_ = true;
                    return finish_exchange();
                }
                break;
            case wsgi::Chunk::Kind::done:
                return finish_ok();
            case wsgi::Chunk::Kind::failed:
                break;  // handled above
        }
        // No body to send (HEAD/204/304) or Content-Length reached: stop iterating.
        if (c.last || plan_.framing == http::ResponseFraming::no_body || body_complete())
            return finish_ok();
        if (queue_->pending() >= OutputQueue::kHighWater) return Step::more;
        if (stream_) channel_->output_ready();
    }
}

bool WsgiProducer::commit_head(const wsgi::ResponseHead& head,
                               std::optional<std::uint64_t> known_length) {
    response_headers_.clear();
    for (const auto& h : head.headers) response_headers_.push_back({h.name, h.value});
    http::echo_request_id(response_headers_, info_->request_id);
    std::string_view reason;
    if (auto sp = head.status.find(' '); sp != std::string_view::npos)
        reason = head.status.substr(sp + 1);

    http::ResponseSpec spec;
    spec.status = head.status_code;
    spec.reason = reason;
    spec.headers = response_headers_;
    spec.version = info_->head->version;
    spec.head_request = info_->head->method == "HEAD";
    spec.keep_alive = info_->keep_alive && !head.close;
    spec.body_length = known_length;
    // A body whose length is known up front is produced without blocking (a list, a file):
    // queue it whole and write once instead of pushing every piece.
    stream_ = !head.body_length_hint.has_value();

    head_buf_.clear();
    auto err = http::write_response_head(spec, head_buf_, plan_);
    summary_.status = head.status_code;
    summary_.keep_alive = plan_.keep_alive;
    summary_.headers_sent = true;
    if (err == http::ResponseError::none) {
        head_pending_ = true;
        return true;
    }
    log::error("wsgi", "invalid response head from the app error={} status={} request_id={}",
               http::describe(err), log::quote(head.status), info_->request_id);
    head_buf_.clear();
    http::write_error_response(500, head_buf_, info_->head->method == "HEAD");
    queue_->append(head_buf_);
    summary_ = ResponseSummary{500, 0, false, true};
    broken_ = true;
    return false;
}

bool WsgiProducer::body_complete() const {
    return plan_.framing == http::ResponseFraming::content_length &&
           summary_.body_bytes >= plan_.content_length;
}

void WsgiProducer::flush_head() {
    if (!head_pending_) return;
    queue_->append(head_buf_);
    head_pending_ = false;
}

void WsgiProducer::send_data(std::string_view data) {
    std::string_view pre = head_pending_ ? std::string_view{head_buf_} : std::string_view{};
    head_pending_ = false;
    switch (plan_.framing) {
        case http::ResponseFraming::no_body:
            queue_->append(pre);
            return;
        case http::ResponseFraming::content_length: {
            // PEP 3333: never send more than the declared Content-Length.
            auto left = plan_.content_length - std::min(plan_.content_length, summary_.body_bytes);
            if (data.size() > left) data = data.substr(0, static_cast<std::size_t>(left));
            queue_->append(pre, data);
            break;
        }
        case http::ResponseFraming::until_close:
            queue_->append(pre, data);
            break;
        case http::ResponseFraming::chunked: {
            if (data.empty()) {
                queue_->append(pre);
                return;
            }
            std::array<char, http::kChunkHeaderMax> buf{};
            auto size_line = http::chunk_header(data.size(), buf);
            if (!pre.empty()) {
                head_buf_.append(size_line);  // head + size line in one piece
                queue_->append(head_buf_, data, http::kChunkEnd);
            } else {
                queue_->append(size_line, data, http::kChunkEnd);
            }
            break;
        }
    }
    summary_.body_bytes += data.size();
}

bool WsgiProducer::send_file(const wsgi::FileRegion& file) {
    std::uint64_t length = file.length;
    switch (plan_.framing) {
        case http::ResponseFraming::no_body:
            flush_head();
            return true;
        case http::ResponseFraming::content_length:
            length = std::min(
                length, plan_.content_length - std::min(plan_.content_length, summary_.body_bytes));
            flush_head();
            break;
        case http::ResponseFraming::until_close:
            flush_head();
            break;
        case http::ResponseFraming::chunked: {
            if (length == 0) {
                flush_head();
                return true;
            }
            std::array<char, http::kChunkHeaderMax> buf{};
            auto size_line = http::chunk_header(length, buf);
            if (head_pending_) {
                head_buf_.append(size_line);
                flush_head();
            } else {
                queue_->append(size_line);
            }
            break;
        }
    }
    if (!queue_->append_file(file.fd, file.offset, length)) {
        log::error("wsgi", "dup of a file_wrapper fd failed request_id={}", info_->request_id);
        return false;
    }
    if (plan_.framing == http::ResponseFraming::chunked) queue_->append(http::kChunkEnd);
    summary_.body_bytes += length;
    return true;
}

ResponseProducer::Step WsgiProducer::finish_ok() {
    flush_head();
    if (plan_.framing == http::ResponseFraming::chunked) queue_->append(http::kLastChunk);
    if (plan_.framing == http::ResponseFraming::content_length &&
        summary_.body_bytes < plan_.content_length && info_->head->method != "HEAD") {
        // The framing promised more than the app produced: the only honest end is a close.
        log::warn("wsgi",
                  "app sent fewer bytes than its Content-Length sent={} declared={} request_id={}",
                  summary_.body_bytes, plan_.content_length, info_->request_id);
        broken_ = true;
    }
    return finish_exchange();
}

ResponseProducer::Step WsgiProducer::fail(bool head_sent) {
    const auto& req = *info_->head;
    log::error("wsgi", "app raised method={} path={} request_id={} traceback={}", req.method,
               log::quote(req.path), info_->request_id, log::quote(exchange_->error_text()));
    if (!head_sent) {
        head_buf_.clear();
        head_pending_ = false;
        http::write_error_response(500, head_buf_, req.method == "HEAD");
        queue_->append(head_buf_);
        summary_ = ResponseSummary{500, 0, false, true};
    }
    broken_ = true;
    return finish_exchange();
}

ResponseProducer::Step WsgiProducer::finish_exchange() {
    if (!exchange_->finish())
        log::error("wsgi", "close() of the response iterable raised request_id={} traceback={}",
                   info_->request_id, log::quote(exchange_->error_text()));
    if (broken_) summary_.keep_alive = false;
    done_ = true;
    return Step::done;
}

void WsgiProducer::abandon() {
    if (done_ || !started_) {
        done_ = true;
        summary_.keep_alive = false;
        return;
    }
    wsgi::GilGuard gil;
    broken_ = true;
    finish_exchange();
}

bool WsgiProducer::write(const wsgi::ResponseHead* head, std::string_view data) {
    // The app's write() callable (GIL held). Headers are committed by the first call.
    if (queue_->aborted()) return false;
    if (head && !commit_head(*head, std::nullopt)) return false;
    if (plan_.framing != http::ResponseFraming::no_body && !body_complete()) send_data(data);
    flush_head();
    channel_->output_ready();
    if (queue_->pending() < OutputQueue::kHighWater) return true;
    bool ok = false;
    {
        wsgi::GilRelease unlocked;
        ok = channel_->wait_for_room();
    }
    return ok;
}

}  // namespace paasrun::worker
