// The admin front end: one Asio loop thread reads heads, two thread pools answer. See
// front_end.hpp for the rules; the comments here explain the mechanics.
#include "admin/front_end.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <httplib.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/write.hpp>
#include <cerrno>
#include <cstring>
#include <set>
#include <thread>

#include "admin/wire.hpp"
#include "http/errors.hpp"
#include "http/request_parser.hpp"

namespace paasrun::admin {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {

// How long a closing connection's input is drained (lingering close) and how long a read or
// write in progress still waits once the server is stopping.
constexpr auto kLinger = 2s;
constexpr auto kStopGrace = 1s;
constexpr auto kPollSlice = 200ms;

std::string peer_of(int fd, int& port) {
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    port = 0;
    if (::getpeername(fd, reinterpret_cast<sockaddr*>(&ss), &len) == -1 || ss.ss_family == AF_UNIX)
        return "unix";
    char host[NI_MAXHOST] = {};
    char serv[NI_MAXSERV] = {};
    if (::getnameinfo(reinterpret_cast<sockaddr*>(&ss), len, host, sizeof host, serv, sizeof serv,
                      NI_NUMERICHOST | NI_NUMERICSERV) != 0)
        return "?";
    port = std::atoi(serv);
    return host;
}

// Waits until `fd` is ready for `events` or `deadline` passes; in slices, so a stopping server
// is noticed (then `give_up_on_stop` ends the wait at once). 1 ready, 0 timed out, -1 error.
int wait_fd(int fd, short events, Clock::time_point deadline, const std::atomic<bool>& stopping,
            bool give_up_on_stop) {
    for (;;) {
        auto now = Clock::now();
        if (now >= deadline || (give_up_on_stop && stopping.load())) return 0;
        auto slice = std::min<Clock::duration>(deadline - now, kPollSlice);
        pollfd p{fd, events, 0};
        int rc = ::poll(
            &p, 1, static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(slice).count()));
        if (rc > 0) return 1;  // POLLERR/POLLHUP too: the read or write that follows reports it
        if (rc < 0 && errno != EINTR) return -1;
    }
}

// One request's bytes for httplib: first the buffered bytes, then the socket, never past
// `limit` (head + Content-Length), so the next pipelined request is not consumed.
class ConnStream final : public httplib::Stream {
public:
    ConnStream(int fd, const std::string& buf, std::uint64_t limit, std::size_t head_len,
               std::string peer, int port, const FrontEndOptions& o,
               const std::atomic<bool>& stopping)
        : fd_(fd),
          buf_(buf),
          limit_(limit),
          head_len_(head_len),
          peer_(std::move(peer)),
          port_(port),
          o_(o),
          stopping_(stopping),
          start_(Clock::now()) {}

    [[nodiscard]] std::uint64_t served() const { return served_; }

    bool is_readable() const override {
        if (served_ < buf_.size()) return true;
        return wait_fd(fd_, POLLIN, Clock::now() + o_.read_timeout, stopping_, true) == 1;
    }
    bool is_writable() const override {
        return wait_fd(fd_, POLLOUT, Clock::now() + write_timeout(), stopping_, false) == 1;
    }
    ssize_t read(char* ptr, size_t size) override {
        if (served_ >= limit_) return 0;
        auto n = static_cast<std::size_t>(std::min<std::uint64_t>(size, limit_ - served_));
        if (served_ < buf_.size()) {
            n = std::min<std::size_t>(n, buf_.size() - served_);
            std::memcpy(ptr, buf_.data() + served_, n);
            served_ += n;
            return static_cast<ssize_t>(n);
        }
        for (;;) {
            if (body_too_slow()) return -1;
            ssize_t r = ::recv(fd_, ptr, n, 0);
            if (r >= 0) {
                served_ += static_cast<std::uint64_t>(r);
                return r;
            }
            if (errno == EINTR) continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK) return -1;
            if (wait_fd(fd_, POLLIN, Clock::now() + o_.read_timeout, stopping_, true) != 1)
                return -1;
        }
    }
    ssize_t write(const char* ptr, size_t size) override {
        std::size_t done = 0;
        while (done < size) {
            ssize_t w = ::send(fd_, ptr + done, size - done, MSG_NOSIGNAL);
            if (w > 0) {
                done += static_cast<std::size_t>(w);
                continue;
            }
            if (w < 0 && errno == EINTR) continue;
            if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
                if (wait_fd(fd_, POLLOUT, Clock::now() + write_timeout(), stopping_, false) != 1)
                    return -1;
                continue;
            }
            return -1;
        }
        return static_cast<ssize_t>(size);
    }
    void get_remote_ip_and_port(std::string& ip, int& port) const override {
        ip = peer_ == "unix" ? std::string() : peer_;
        port = port_;
    }
    void get_local_ip_and_port(std::string& ip, int& port) const override {
        ip.clear();
        port = 0;
    }
    socket_t socket() const override { return fd_; }

private:
    [[nodiscard]] Clock::duration write_timeout() const {
        return stopping_.load() ? Clock::duration(kStopGrace) : Clock::duration(o_.write_timeout);
    }
    // A body must arrive at min_body_rate on average once read_timeout has passed: an
    // authenticated client with a slow link still gets through, one that trickles does not
    // keep a request thread for ever.
    [[nodiscard]] bool body_too_slow() const {
        auto elapsed = Clock::now() - start_;
        if (elapsed <= o_.read_timeout) return false;
        auto over = std::chrono::duration<double>(elapsed - o_.read_timeout).count();
        std::uint64_t body = served_ > head_len_ ? served_ - head_len_ : 0;
        return static_cast<double>(body) < over * static_cast<double>(o_.min_body_rate);
    }

    int fd_;
    const std::string& buf_;
    std::uint64_t limit_;
    std::size_t head_len_;
    std::string peer_;
    int port_;
    const FrontEndOptions& o_;
    const std::atomic<bool>& stopping_;
    Clock::time_point start_;
    std::uint64_t served_ = 0;
};

enum class State { idle, head, writing, dispatched, lingering };

struct Conn {
    Conn(asio::io_context& io, int fd) : sock(io, fd), timer(io) {}
    asio::posix::stream_descriptor sock;
    asio::steady_timer timer;
    std::string buf;  // received, not yet consumed
    std::array<char, 4096> chunk{};
    std::string peer;
    int port = 0;
    State state = State::idle;
    Clock::time_point waiting_since;  // start of the current wait for a head (eviction order)
    bool closed = false;
};
using ConnPtr = std::shared_ptr<Conn>;

}  // namespace

struct FrontEnd::Impl {
    FrontEndOptions o;
    FrontEndHandlers h;
    asio::io_context io;
    asio::executor_work_guard<asio::io_context::executor_type> work{io.get_executor()};
    asio::posix::stream_descriptor listener;
    asio::steady_timer accept_retry{io};
    std::set<ConnPtr> conns;  // loop thread only
    asio::thread_pool probes;
    asio::thread_pool requests;
    std::atomic<bool> stopping{false};
    bool stopped = false;
    std::thread loop;

    Impl(unique_fd fd, FrontEndOptions opts, FrontEndHandlers handlers)
        : o(std::move(opts)),
          h(std::move(handlers)),
          listener(io, fd.release()),
          probes(o.probe_threads),
          requests(o.request_threads) {
        ::fcntl(listener.native_handle(), F_SETFL,
                ::fcntl(listener.native_handle(), F_GETFL) | O_NONBLOCK);
    }

    void accept_loop();
    void accepted(int fd);
    bool evict_one();
    void wait_for_head(const ConnPtr& c, bool fresh);
    void read_more(const ConnPtr& c);
    bool try_parse(const ConnPtr& c);
    void refuse(const ConnPtr& c, int status, std::string_view code, std::string_view message);
    void send(const ConnPtr& c, std::string bytes, bool keep, std::size_t consumed);
    void dispatch(const ConnPtr& c, std::size_t head_len, std::uint64_t limit, bool chunked,
                  bool close);
    void arm(const ConnPtr& c, Clock::time_point at);
    void on_timeout(const ConnPtr& c);
    void linger(const ConnPtr& c);
    void drain(const ConnPtr& c);
    void close(const ConnPtr& c);
};

void FrontEnd::Impl::accept_loop() {
    listener.async_wait(
        asio::posix::descriptor_base::wait_read, [this](const boost::system::error_code& ec) {
            if (ec || stopping) return;
            for (;;) {
                int fd = ::accept4(listener.native_handle(), nullptr, nullptr,
                                   SOCK_NONBLOCK | SOCK_CLOEXEC);
                if (fd >= 0) {
                    accepted(fd);
                    continue;
                }
                if (errno == EINTR || errno == ECONNABORTED) continue;
                if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
                    // Out of descriptors: the listener stays readable, so waiting on it would
                    // spin. Try again shortly (connections close meanwhile).
                    accept_retry.expires_after(100ms);
                    accept_retry.async_wait([this](const boost::system::error_code& e) {
                        if (!e && !stopping) accept_loop();
                    });
                    return;
                }
                break;  // EAGAIN: drained
            }
            accept_loop();
        });
}

void FrontEnd::Impl::accepted(int fd) {
    if (conns.size() >= o.max_connections && !evict_one()) {
        ::close(fd);  // every connection is in a request: nothing can be given up
        return;
    }
    auto c = std::make_shared<Conn>(io, fd);
    c->peer = peer_of(fd, c->port);
    conns.insert(c);
    wait_for_head(c, true);
}

// At the cap, the connection that has waited longest for a head (slow or idle) makes room:
// a new client (a health probe) is never refused because others hold connections open.
bool FrontEnd::Impl::evict_one() {
    ConnPtr oldest;
    for (const auto& c : conns)
        if ((c->state == State::idle || c->state == State::head || c->state == State::lingering) &&
            (!oldest || c->waiting_since < oldest->waiting_since))
            oldest = c;
    if (!oldest) return false;
    close(oldest);
    return true;
}

void FrontEnd::Impl::wait_for_head(const ConnPtr& c, bool fresh) {
    auto now = Clock::now();
    c->waiting_since = now;
    if (!c->buf.empty()) {
        // Pipelined bytes after the previous request: its head deadline starts now.
        c->state = State::head;
        arm(c, now + o.head_deadline);
        if (try_parse(c)) return;
    } else {
        c->state = State::idle;
        arm(c, now + (fresh ? o.head_deadline : o.keep_alive_timeout));
    }
    read_more(c);
}

void FrontEnd::Impl::read_more(const ConnPtr& c) {
    c->sock.async_read_some(
        asio::buffer(c->chunk), [this, c](const boost::system::error_code& ec, std::size_t n) {
            if (c->closed || (c->state != State::idle && c->state != State::head)) return;
            if (ec) return close(c);  // the client went away (or the socket failed)
            if (c->state == State::idle) {
                c->state = State::head;
                arm(c, Clock::now() + o.head_deadline);
            }
            c->buf.append(c->chunk.data(), n);
            // A head can only complete (or, for most errors, be refused) at a line end: parsing
            // only then keeps a client sending one byte per packet from costing a parse each.
            bool line_end = std::memchr(c->chunk.data(), '\n', n) != nullptr;
            if ((line_end || c->buf.size() > o.max_head_bytes) && try_parse(c)) return;
            read_more(c);
        });
}

bool FrontEnd::Impl::try_parse(const ConnPtr& c) {
    http::Request req;
    auto r = http::parse_request_head(c->buf, req, o.limits);
    if (r.status == http::ParseStatus::incomplete) {
        if (c->buf.size() <= o.max_head_bytes) return false;
        refuse(c, 431, "header_too_large",
               fmt::format("the request head is larger than {} bytes", o.max_head_bytes));
        return true;
    }
    if (r.status == http::ParseStatus::error) {
        int status = http::status_for(r.error);
        auto what = http::describe(r.error);
        refuse(c, status,
               status == 431   ? "header_too_large"
               : status == 413 ? "payload_too_large"
                               : "bad_request",
               fmt::format("the request was refused: {}", what));
        return true;
    }
    if (r.consumed > o.max_head_bytes) {
        refuse(c, 431, "header_too_large",
               fmt::format("the request head is larger than {} bytes", o.max_head_bytes));
        return true;
    }
    c->timer.cancel();
    if (count_fields(req, "Authorization") > 1) {
        refuse(c, 400, "bad_request", "more than one Authorization field");
        return true;
    }
    auto api = to_api_request(req);
    const bool head_only = req.method == "HEAD";
    const bool keep = req.keep_alive && !req.has_body() && !stopping;
    auto verdict = h.decide(api, req);
    switch (verdict.kind) {
        case Verdict::Kind::respond: {
            if (h.log_request)
                h.log_request(api.method, api.path, verdict.response.status, c->peer);
            send(c, render_response(verdict.response, head_only, !keep), keep, r.consumed);
            return true;
        }
        case Verdict::Kind::probe: {
            if (req.has_body()) {
                refuse(c, 400, "bad_request",
                       fmt::format("{} {} takes no request body", api.method, api.path));
                return true;
            }
            c->state = State::dispatched;
            asio::post(probes,
                       [this, c, api = std::move(api), head_only, keep, consumed = r.consumed] {
                           auto answer = h.answer_probe(api);
                           auto bytes = render_response(answer, head_only, !keep);
                           asio::post(io, [this, c, api, status = answer.status,
                                           bytes = std::move(bytes), keep, consumed]() mutable {
                               if (c->closed) return;
                               if (h.log_request)
                                   h.log_request(api.method, api.path, status, c->peer);
                               send(c, std::move(bytes), keep && !stopping, consumed);
                           });
                       });
            return true;
        }
        case Verdict::Kind::serve: {
            const bool chunked = req.framing == http::BodyFraming::chunked;
            std::uint64_t limit =
                chunked ? UINT64_MAX
                        : r.consumed + (req.framing == http::BodyFraming::content_length
                                            ? req.content_length
                                            : 0);
            dispatch(c, r.consumed, limit, chunked, !req.keep_alive);
            return true;
        }
    }
    return true;
}

void FrontEnd::Impl::refuse(const ConnPtr& c, int status, std::string_view code,
                            std::string_view message) {
    if (h.log_request) h.log_request("-", "-", status, c->peer);
    // The head (or its framing) is in doubt: answer and close.
    send(c, render_response(error_response(status, code, message), false, true), false, 0);
}

void FrontEnd::Impl::send(const ConnPtr& c, std::string bytes, bool keep, std::size_t consumed) {
    if (c->state == State::idle || c->state == State::head)
        c->sock.cancel();  // a read may be pending (408)
    c->state = State::writing;
    arm(c, Clock::now() + o.write_timeout);
    auto data = std::make_shared<std::string>(std::move(bytes));
    asio::async_write(
        c->sock, asio::buffer(*data),
        [this, c, data, keep, consumed](const boost::system::error_code& ec, std::size_t) {
            if (c->closed) return;
            if (ec) return close(c);
            if (!keep || stopping) return linger(c);
            c->buf.erase(0, consumed);
            wait_for_head(c, false);
        });
}

void FrontEnd::Impl::dispatch(const ConnPtr& c, std::size_t head_len, std::uint64_t limit,
                              bool chunked, bool close_req) {
    c->state = State::dispatched;
    asio::post(requests, [this, c, head_len, limit, chunked, close_req] {
        // The loop thread leaves a dispatched connection alone, so its buffer and descriptor
        // are this thread's until the result is posted back.
        ConnStream stream(c->sock.native_handle(), c->buf, limit, head_len, c->peer, c->port, o,
                          stopping);
        bool closed = false;
        bool ok = false;
        try {
            ok = h.serve(stream, close_req || stopping, closed);
        } catch (...) {
            ok = false;
        }
        // Keep the connection only when exactly this request's bytes were consumed.
        bool keep =
            ok && !closed && !close_req && !chunked && stream.served() == limit && !stopping;
        auto used =
            static_cast<std::size_t>(std::min<std::uint64_t>(stream.served(), c->buf.size()));
        asio::post(io, [this, c, keep, used] {
            if (c->closed) return;
            if (!keep) return stopping ? close(c) : linger(c);
            c->buf.erase(0, used);
            wait_for_head(c, false);
        });
    });
}

void FrontEnd::Impl::arm(const ConnPtr& c, Clock::time_point at) {
    c->timer.expires_at(at);
    c->timer.async_wait([this, c](const boost::system::error_code& ec) {
        // A timer that fired just before being re-armed still runs: check it is due.
        if (ec || c->closed || c->state == State::dispatched || c->timer.expiry() > Clock::now())
            return;
        on_timeout(c);
    });
}

void FrontEnd::Impl::on_timeout(const ConnPtr& c) {
    if (c->state == State::head) {
        auto secs =
            std::chrono::duration_cast<std::chrono::milliseconds>(o.head_deadline).count() / 1000.0;
        refuse(c, 408, "request_timeout",
               fmt::format("the request head did not arrive within {}s", secs));
        return;
    }
    close(c);  // idle keep-alive, a write that does not progress, the end of a linger
}

// Lingering close (RFC 9112 9.6): shut the write side so the client sees the end of the
// response, then read and discard what it still sends for a moment. Closing with unread
// input would send a reset, which can destroy the response before the client reads it.
void FrontEnd::Impl::linger(const ConnPtr& c) {
    c->state = State::lingering;
    c->waiting_since = Clock::now();
    ::shutdown(c->sock.native_handle(), SHUT_WR);
    std::string().swap(c->buf);
    arm(c, Clock::now() + kLinger);
    drain(c);
}

void FrontEnd::Impl::drain(const ConnPtr& c) {
    c->sock.async_read_some(asio::buffer(c->chunk),
                            [this, c](const boost::system::error_code& ec, std::size_t) {
                                if (c->closed) return;
                                if (ec) return close(c);
                                drain(c);
                            });
}

void FrontEnd::Impl::close(const ConnPtr& c) {
    if (c->closed) return;
    c->closed = true;
    c->timer.cancel();
    boost::system::error_code ignored;
    c->sock.close(ignored);
    conns.erase(c);
}

FrontEnd::FrontEnd(unique_fd listener, FrontEndOptions options, FrontEndHandlers handlers)
    : impl_(std::make_unique<Impl>(std::move(listener), std::move(options), std::move(handlers))) {
    Impl* i = impl_.get();
    asio::post(i->io, [i] { i->accept_loop(); });
    i->loop = std::thread([i] { i->io.run(); });
}

FrontEnd::~FrontEnd() {
    stop();
}

void FrontEnd::stop() {
    Impl* i = impl_.get();
    if (!i || i->stopped) return;
    i->stopped = true;
    i->stopping = true;
    asio::post(i->io, [i] {
        boost::system::error_code ignored;
        i->listener.close(ignored);
        i->accept_retry.cancel();
        for (auto c : std::vector<ConnPtr>(i->conns.begin(), i->conns.end()))
            if (c->state != State::dispatched) i->close(c);
    });
    // Requests in progress notice `stopping` within a poll slice (reads) or kStopGrace (writes).
    i->probes.join();
    i->requests.join();
    asio::post(i->io, [i] {
        for (auto c : std::vector<ConnPtr>(i->conns.begin(), i->conns.end())) i->close(c);
        i->work.reset();
        i->io.stop();
    });
    if (i->loop.joinable()) i->loop.join();
}

}  // namespace paasrun::admin
