// A graceful stop must serve a connection the kernel already handed to this worker.
//
// asio accepts speculatively when an async_accept starts: if a connection is already waiting,
// accept() happens at once and only the completion is queued. A stop that found no open
// connection used to declare the worker drained right away, stopping the loop with that
// completion still queued: the accepted socket was closed unread and its client, which did
// nothing wrong, got a reset (a zero-downtime deploy under load failed one request this way).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <string>

#include "worker/connection_config.hpp"
#include "worker/connection_manager.hpp"
#include "worker/response.hpp"

using namespace paasrun::worker;

namespace {

constexpr std::string_view kResponse = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

/// Answers every request with 200 "ok"; enough to see whether a connection was served.
class OkProducer final : public ResponseProducer {
public:
    explicit OkProducer(int* keep_alive_seen = nullptr) : keep_alive_seen_(keep_alive_seen) {}
    void begin(const RequestInfo& info, OutputQueue& queue, OutputChannel&) override {
        queue_ = &queue;
        if (keep_alive_seen_) *keep_alive_seen_ = info.keep_alive ? 1 : 0;
    }
    Step pump() override {
        queue_->append(kResponse);
        return Step::done;
    }
    void abandon() override {}
    [[nodiscard]] ResponseSummary summary() const override { return {200, 2, true, true}; }

private:
    OutputQueue* queue_ = nullptr;
    int* keep_alive_seen_;
};

int listen_loopback(std::uint16_t& port) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    REQUIRE(::listen(fd, 16) == 0);
    socklen_t len = sizeof a;
    REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0);
    port = ntohs(a.sin_port);
    return fd;
}

int connect_loopback(std::uint16_t port) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    timeval tv{5, 0};  // a hang fails the test instead of blocking it
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return fd;
}

std::string read_all(int fd) {
    std::string out;
    char buf[4096];
    for (;;) {
        auto n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) return out;
        out.append(buf, static_cast<std::size_t>(n));
    }
}

/// One worker's connection manager on `listener` (a dup), answering with OkProducer; records
/// when it declares itself drained (and stops its loop then, as worker_main does).
struct DrainingWorker {
    boost::asio::io_context io{1};
    bool drained = false;
    int keep_alive = -1;  // what the last request's producer was told
    std::unique_ptr<ConnectionManager> manager;

    explicit DrainingWorker(int listener) {
        ManagerHooks hooks;
        hooks.on_drained = [this] {
            drained = true;
            io.stop();
        };
        ConnectionConfig config;
        config.access_log = paasrun::http::AccessLogFormat::off;
        config.linger_ms = 200;
        manager = std::make_unique<ConnectionManager>(
            io, config, [this] { return std::make_unique<OkProducer>(&keep_alive); }, nullptr,
            nullptr, std::move(hooks));
        REQUIRE(manager->add_listener(::dup(listener)));
    }
};

}  // namespace

TEST_CASE("drain: a connection accepted as the stop begins is served, not reset",
          "[worker][drain]") {
    std::uint16_t port = 0;
    int listener = listen_loopback(port);
    // The client is already waiting in the backlog with its request sent when the worker
    // starts accepting: the first async_accept completes speculatively.
    int client = connect_loopback(port);
    const std::string request = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
    REQUIRE(::send(client, request.data(), request.size(), 0) ==
            static_cast<ssize_t>(request.size()));

    DrainingWorker w(listener);
    w.manager->start();
    w.manager->begin_graceful_stop();  // the stop signal, before the loop ran the completion
    CHECK_FALSE(w.drained);            // one accepted connection is still to be served

    w.io.run_for(std::chrono::seconds(5));
    std::string got = read_all(client);
    CHECK(got.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
    CHECK(w.keep_alive == 0);  // draining: the app is told this is the connection's last response
    CHECK(w.drained);
    ::close(client);
    ::close(listener);
}

TEST_CASE("drain: an idle worker is drained at once", "[worker][drain]") {
    std::uint16_t port = 0;
    int listener = listen_loopback(port);
    DrainingWorker w(listener);
    w.manager->start();
    w.manager->begin_graceful_stop();
    // The pending accept is cancelled by the close; its handler runs on the loop and the
    // worker is drained then (no connection was ever accepted).
    w.io.run_for(std::chrono::seconds(5));
    CHECK(w.drained);
    ::close(listener);
}
