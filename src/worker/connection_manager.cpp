#include "worker/connection_manager.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/basic_socket_acceptor.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <cstring>

#include "asgi/runtime.hpp"
#include "serve/heartbeat.hpp"
#include "util/log.hpp"

namespace paasrun::worker {
namespace asio = boost::asio;
using Protocol = asio::generic::stream_protocol;

namespace {

constexpr auto kTick = std::chrono::milliseconds(250);

// Connections taken from the backlog per accept wake-up. One per wake-up starves a backlog
// when the app runs on the loop thread (--threads 1): each wake-up comes once per round of
// app calls, so with a 50 ms view and 32 kept-alive connections a new connection waited
// ~1.6 s per accept and some hit the client's 5 s timeout (bench/run sleep64). A bounded
// batch drains a burst in a few rounds without letting one worker take a whole burst while
// its siblings are busy in the app.
constexpr int kAcceptBatch = 8;

// Numeric address and port of a sockaddr; IPv4-mapped IPv6 peers (dual-stack sockets) are
// shown as plain IPv4 so REMOTE_ADDR and --forwarded-allow-ips see what people expect.
void describe_address(const sockaddr* sa, std::string& addr, std::uint16_t& port) {
    char text[INET6_ADDRSTRLEN] = {};
    addr.clear();
    port = 0;
    if (sa->sa_family == AF_INET) {
        const auto* in = reinterpret_cast<const sockaddr_in*>(sa);
        ::inet_ntop(AF_INET, &in->sin_addr, text, sizeof text);
        port = ntohs(in->sin_port);
    } else if (sa->sa_family == AF_INET6) {
        const auto* in6 = reinterpret_cast<const sockaddr_in6*>(sa);
        if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr))
            ::inet_ntop(AF_INET, &in6->sin6_addr.s6_addr[12], text, sizeof text);
        else
            ::inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof text);
        port = ntohs(in6->sin6_port);
    }
    addr = text;
}

}  // namespace

struct ConnectionManager::Listener {
    Listener(asio::io_context& io, Protocol protocol, int fd) : acceptor(io, protocol, fd) {}
    asio::basic_socket_acceptor<Protocol> acceptor;
    Protocol::endpoint peer;
    ListenerInfo info;
    bool accepting = false;
};

ConnectionManager::ConnectionManager(asio::io_context& io, ConnectionConfig config,
                                     ProducerFactory factory, AppPool* pool, PreAppRoute* pre_app,
                                     ManagerHooks hooks)
    : io_(io),
      config_(std::move(config)),
      factory_(std::move(factory)),
      pool_(pool),
      pre_app_(pre_app),
      hooks_(std::move(hooks)),
      tick_(io),
      access_batch_(config_.access_log_fd) {}

ConnectionManager::~ConnectionManager() = default;

Status ConnectionManager::add_listener(int fd) {
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) == -1)
        return sys_error("getsockname(listen fd {})", fd);
    try {
        auto l = std::make_unique<Listener>(io_, Protocol(ss.ss_family, SOCK_STREAM), fd);
        l->info.tcp = ss.ss_family == AF_INET || ss.ss_family == AF_INET6;
        describe_address(reinterpret_cast<const sockaddr*>(&ss), l->info.address, l->info.port);
        l->acceptor.non_blocking(true);
        listeners_.push_back(std::move(l));
    } catch (const boost::system::system_error& e) {
        return Error(fmt::format("listen fd {}: {}", fd, e.what()));
    }
    return {};
}

void ConnectionManager::start() {
    descriptor_states_.ensure(io_, 0);
    for (auto& l : listeners_) do_accept(*l);
    on_tick();
}

void ConnectionManager::do_accept(Listener& l) {
    if (draining_ || !l.acceptor.is_open()) return;
    if (count_ >= config_.max_connections) {
        accept_paused_ = true;  // unlink() resumes
        return;
    }
    l.accepting = true;
    l.acceptor.async_accept(
        io_, l.peer, [this, &l](const boost::system::error_code& ec, Protocol::socket sock) {
            l.accepting = false;
            if (ec == asio::error::operation_aborted || (ec && draining_)) return maybe_drained();
            // A connection the kernel handed over just before a graceful stop closed the acceptor
            // is served (its first request gets `Connection: close`): dropping it here would
            // reset a client that did nothing wrong (zero-downtime deploys drain this way).
            if (ec) {
                // EMFILE/ENFILE and friends: retry on the next tick instead of spinning.
                log::warn("http", "accept failed error={}", log::quote(ec.message()));
                accept_paused_ = true;
                return;
            }
            adopt(l, std::move(sock));
            // More of the backlog now, without blocking (the acceptor is non-blocking): stops at
            // EAGAIN, at the batch size, or at the connection cap.
            for (int i = 1; i < kAcceptBatch && !draining_ && count_ < config_.max_connections;
                 ++i) {
                Protocol::socket more(io_);
                boost::system::error_code aec;
                l.acceptor.accept(more, l.peer, aec);
                if (aec) break;  // would_block: the backlog is empty (other errors: next wake-up)
                adopt(l, std::move(more));
            }
            do_accept(l);
        });
}

void ConnectionManager::adopt(Listener& l, Protocol::socket sock) {
    if (l.info.tcp) {
        int one = 1;
        ::setsockopt(sock.native_handle(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    std::string addr;
    std::uint16_t port = 0;
    describe_address(static_cast<const sockaddr*>(l.peer.data()), addr, port);
    auto conn = std::make_shared<Connection>(*this, std::move(sock), l.info, std::move(addr), port,
                                             factory_());
    conn->start();
    descriptor_states_.ensure(io_, count_);  // for the next accepts (connection_memory.hpp)
}

void ConnectionManager::link(Connection* c) {
    c->prev_ = nullptr;
    c->next_ = head_;
    if (head_) head_->prev_ = c;
    head_ = c;
    ++count_;
}

void ConnectionManager::unlink(Connection* c) {
    if (c->prev_)
        c->prev_->next_ = c->next_;
    else if (head_ == c)
        head_ = c->next_;
    if (c->next_) c->next_->prev_ = c->prev_;
    c->prev_ = c->next_ = nullptr;
    --count_;
    trimmer_.connection_closed();
    if (accept_paused_ && !draining_ && count_ < config_.max_connections) {
        accept_paused_ = false;
        for (auto& l : listeners_)
            if (!l->accepting) do_accept(*l);
    }
    if (draining_) maybe_drained();
}

void ConnectionManager::on_tick() {
    auto now = monotonic_ms();
    for (Connection* c = head_; c;) {
        Connection* next = c->next_;  // check_deadline may unlink c
        c->check_deadline(now);
        c = next;
    }
    if (accept_paused_ && !draining_ && count_ < config_.max_connections) {
        accept_paused_ = false;
        for (auto& l : listeners_)
            if (!l->accepting) do_accept(*l);
    }
    trimmer_.on_tick();
    if (hooks_.on_tick) hooks_.on_tick();
    tick_.expires_after(kTick);
    tick_.async_wait([this](const boost::system::error_code& ec) {
        if (!ec) on_tick();
    });
}

void ConnectionManager::beat() {
    if (hooks_.on_tick) hooks_.on_tick();
}

void ConnectionManager::begin_graceful_stop() {
    if (draining_) return;
    draining_ = true;
    // Closing our copies of the listening fds stops this worker accepting; the socket stays
    // open in the arbiter and the other workers, so no connection is refused.
    for (auto& l : listeners_) {
        boost::system::error_code ignored;
        l->acceptor.close(ignored);
    }
    for (Connection* c = head_; c;) {
        Connection* next = c->next_;
        c->drain();
        c = next;
    }
    maybe_drained();
}

void ConnectionManager::force_stop() {
    draining_ = true;
    for (auto& l : listeners_) {
        boost::system::error_code ignored;
        l->acceptor.close(ignored);
    }
    for (Connection* c = head_; c;) {
        Connection* next = c->next_;
        c->force_close();
        c = next;
    }
    tick_.cancel();
}

void ConnectionManager::maybe_drained() {
    // An accept still outstanding may already hold a connection: asio accepts speculatively
    // when async_accept starts and queues only the completion, which closing the acceptor
    // does not cancel. Stopping the loop before it runs would close that socket unread and
    // reset its client; its handler runs soon (success or operation_aborted) and calls here.
    for (const auto& l : listeners_)
        if (l->accepting) return;
    if (draining_ && count_ == 0 && hooks_.on_drained) {
        auto done = std::move(hooks_.on_drained);
        hooks_.on_drained = nullptr;
        done();
    }
}

void ConnectionManager::request_done() {
    if (hooks_.on_request_done) hooks_.on_request_done();
}

void ConnectionManager::request_timed_out() {
    if (hooks_.on_request_timeout) hooks_.on_request_timeout();
}

void ConnectionManager::write_access_log(const http::AccessLogEntry& entry) {
    auto line = config_.access_log_template && config_.access_log != http::AccessLogFormat::off
                    ? config_.access_log_template->render(entry)
                    : http::format_access_log(config_.access_log, entry);
    if (line.empty()) return;
    // Batched: one write(2) per loop iteration, whole lines of at most PIPE_BUF bytes, so
    // lines from several workers sharing the fd never interleave (access_log_batch.hpp).
    if (!access_batch_.add(line)) return;
    asio::post(io_, [this] { access_batch_.flush(); });
    // Outside io_context::poll (an ASGI task's step), the post runs on the loop's next turn.
    if (websocket_runtime_ != nullptr) websocket_runtime_->schedule_poll();
}

}  // namespace paasrun::worker
