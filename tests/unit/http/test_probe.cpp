#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <thread>

#include "http/probe.hpp"
#include "util/unique_fd.hpp"

namespace ex = paasrun::http;
using namespace std::chrono_literals;

TEST_CASE("http probe: URL parsing", "[http][probe]") {
    auto u = ex::parse_probe_url("http://127.0.0.1:5900/readyz");
    REQUIRE(u);
    CHECK(u->host == "127.0.0.1");
    CHECK(u->port == 5900);
    CHECK(u->path == "/readyz");
    u = ex::parse_probe_url("http://[::1]:80/a?b=c");
    REQUIRE(u);
    CHECK(u->host == "::1");
    CHECK(u->path == "/a?b=c");
    u = ex::parse_probe_url("http://localhost");
    REQUIRE(u);
    CHECK(u->port == 80);
    CHECK(u->path == "/");
    for (const char* bad : {"https://x/", "x:80/", "http://:80/", "http://h:0/", "http://h:99999/",
                            "http://h:/", "http://u@h/", "http://[::1/", "http://h/a b"})
        CHECK_FALSE(ex::parse_probe_url(bad));
}

TEST_CASE("http probe: status lines", "[http][probe]") {
    CHECK(*ex::parse_status_line("HTTP/1.1 200 OK") == 200);
    CHECK(*ex::parse_status_line("HTTP/1.0 503 Service Unavailable") == 503);
    CHECK(*ex::parse_status_line("HTTP/1.1 204 ") == 204);
    CHECK_FALSE(ex::parse_status_line("SSH-2.0-OpenSSH"));
    CHECK_FALSE(ex::parse_status_line("HTTP/1.1 2000 OK"));
    CHECK_FALSE(ex::parse_status_line("HTTP/2 200"));
}

namespace {

// A one-connection server on 127.0.0.1:0 that answers `reply` (or nothing) to one request.
struct OneShotServer {
    paasrun::unique_fd listener{::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)};
    int port = 0;
    std::string request;
    std::thread thread;

    // trickle_ms > 0: the reply goes out one byte every trickle_ms (until the client leaves).
    explicit OneShotServer(std::string reply, bool answer = true, int trickle_ms = 0) {
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(::bind(listener.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
        REQUIRE(::listen(listener.get(), 1) == 0);
        socklen_t len = sizeof a;
        ::getsockname(listener.get(), reinterpret_cast<sockaddr*>(&a), &len);
        port = ntohs(a.sin_port);
        thread = std::thread([this, reply = std::move(reply), answer, trickle_ms] {
            paasrun::unique_fd c(::accept(listener.get(), nullptr, nullptr));
            char buf[4096];
            while (request.find("\r\n\r\n") == std::string::npos) {
                ssize_t n = ::read(c.get(), buf, sizeof buf);
                if (n <= 0) return;
                request.append(buf, static_cast<std::size_t>(n));
            }
            if (answer && trickle_ms > 0) {
                for (char ch : reply) {
                    if (::send(c.get(), &ch, 1, MSG_NOSIGNAL) != 1) return;
                    std::this_thread::sleep_for(std::chrono::milliseconds(trickle_ms));
                }
            } else if (answer) {
                (void)!::write(c.get(), reply.data(), reply.size());
            } else {
                // Hold the connection open without answering until the client gives up.
                while (::read(c.get(), buf, sizeof buf) > 0) {
                }
            }
        });
    }
    ~OneShotServer() { thread.join(); }
};

}  // namespace

TEST_CASE("http probe: returns the status of a real server and sends a proper request",
          "[http][probe]") {
    OneShotServer s("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n");
    auto st = ex::probe({"127.0.0.1", s.port, "/readyz"}, 2s);
    REQUIRE(st);
    CHECK(*st == 503);
    s.thread.join();
    s.thread = std::thread([] {});
    CHECK(s.request.rfind("GET /readyz HTTP/1.1\r\n", 0) == 0);
    CHECK(s.request.find("\r\nHost: 127.0.0.1:" + std::to_string(s.port) + "\r\n") !=
          std::string::npos);
    CHECK(s.request.find("\r\nConnection: close\r\n") != std::string::npos);
}

TEST_CASE("http probe: a refused connection and a silent server are errors", "[http][probe]") {
    int port = 0;
    {
        OneShotServer s("HTTP/1.1 200 OK\r\n\r\n");
        port = s.port;
        REQUIRE(ex::probe({"127.0.0.1", port, "/"}, 2s));
    }  // the listener is closed now
    auto refused = ex::probe({"127.0.0.1", port, "/"}, 2s);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().message.find("refused") != std::string::npos);

    OneShotServer silent("", false);
    auto start = std::chrono::steady_clock::now();
    auto timed_out = ex::probe({"127.0.0.1", silent.port, "/"}, 300ms);
    auto took = std::chrono::steady_clock::now() - start;
    REQUIRE_FALSE(timed_out);
    CHECK(took >= 250ms);
    CHECK(took < 2s);
}

TEST_CASE("http probe: a server trickling its status line cannot hold the probe past its deadline",
          "[http][probe]") {
    // Each byte arrives well within any per-read timeout; only an overall deadline stops this.
    OneShotServer slow("HTTP/1.1 200 OK" + std::string(20, ' '), true, 50);
    auto start = std::chrono::steady_clock::now();
    auto r = ex::probe({"127.0.0.1", slow.port, "/"}, 300ms);
    auto took = std::chrono::steady_clock::now() - start;
    REQUIRE_FALSE(r);
    CHECK(r.error().message.find("deadline") != std::string::npos);
    CHECK(took >= 250ms);
    CHECK(took < 1s);
}
