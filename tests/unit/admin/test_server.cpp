// The admin server over real sockets (port 0, unix sockets, temp dirs) with a fake control:
// binding, the body limits that must act before the body is read, uploads, log streaming.
#include <httplib.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "admin/server.hpp"
#include "fake_control.hpp"

using namespace paasrun::admin;
using nlohmann::json;
using paasrun::admin::testing::FakeControl;

namespace {

constexpr const char* kToken = "server-test-token";

int port_of(const std::string& address) {
    return std::stoi(address.substr(address.rfind(':') + 1));
}

// One raw exchange: connect, send `request`, read until the peer closes, `until` appears
// in what was read, or the deadline passes.
std::string raw_exchange(const sockaddr* addr, socklen_t len, int family,
                         const std::string& request, const std::string& until = "",
                         std::chrono::milliseconds deadline = std::chrono::seconds(5)) {
    int fd = ::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd >= 0);
    REQUIRE(::connect(fd, addr, len) == 0);
    std::size_t sent = 0;
    while (sent < request.size()) {
        auto n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) break;
        sent += static_cast<std::size_t>(n);
    }
    std::string out;
    auto end = std::chrono::steady_clock::now() + deadline;
    char buf[4096];
    while (std::chrono::steady_clock::now() < end) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, 50) <= 0) continue;
        auto n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) break;
        out.append(buf, static_cast<std::size_t>(n));
        if (!until.empty() && out.find(until) != std::string::npos) break;
    }
    ::close(fd);
    return out;
}

std::string tcp_exchange(int port, const std::string& request, const std::string& until = "") {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return raw_exchange(reinterpret_cast<sockaddr*>(&a), sizeof a, AF_INET, request, until);
}

struct Running {
    FakeControl control;
    std::unique_ptr<Server> server;
    int port = 0;
    explicit Running(ServerOptions o = {}) {
        if (o.token.empty()) o.token = kToken;
        auto s = Server::start(control, o);
        REQUIRE(s);
        server = std::move(*s);
        if (!o.bind.starts_with("unix:")) port = port_of(server->address());
    }
    httplib::Client client() {
        httplib::Client c("127.0.0.1", port);
        c.set_bearer_token_auth(kToken);
        c.set_read_timeout(5);
        return c;
    }
};

std::string gzip_bytes(std::size_t n) {
    std::string s(n, 'x');
    s[0] = '\x1f';
    s[1] = '\x8b';
    return s;
}

}  // namespace

TEST_CASE("admin server: binds port 0, reports the real port, answers health without a token",
          "[admin][server]") {
    Running r;
    CHECK(r.server->address().starts_with("127.0.0.1:"));
    CHECK(r.port > 0);
    CHECK(r.server->token_source() == "options");
    httplib::Client anon("127.0.0.1", r.port);
    auto live = anon.Get("/livez");
    REQUIRE(live);
    CHECK(live->status == 200);
    CHECK(json::parse(live->body).at("status") == "ok");
    auto status = anon.Get("/v1/status");
    REQUIRE(status);
    CHECK(status->status == 401);
    CHECK(status->get_header_value("WWW-Authenticate") == "Bearer realm=\"paasrun\"");
    CHECK(json::parse(status->body).at("error") == "unauthorized");
    auto c = r.client();
    auto ok = c.Get("/v1/status");
    REQUIRE(ok);
    CHECK(ok->status == 200);
    auto q = c.Get(std::string("/v1/status?token=") + kToken);
    REQUIRE(q);
    CHECK(q->status == 400);
    CHECK(json::parse(q->body).at("error") == "token_in_query");
    auto missing = c.Get("/nope");
    REQUIRE(missing);
    CHECK(missing->status == 404);
    CHECK(json::parse(missing->body).at("error") == "not_found");
}

TEST_CASE("admin server: without a configured token one is generated in the state dir",
          "[admin][server][auth]") {
    const char* saved = std::getenv("PAASRUN_ADMIN_TOKEN");
    std::string keep = saved ? saved : "";
    ::unsetenv("PAASRUN_ADMIN_TOKEN");
    FakeControl control;
    auto s = Server::start(control, ServerOptions{});
    if (saved) ::setenv("PAASRUN_ADMIN_TOKEN", keep.c_str(), 1);
    REQUIRE(s);
    auto file = control.state_dir() / "admin-token";
    CHECK((*s)->token_source() == "file:" + file.string());
    std::ifstream in(file);
    std::string token;
    in >> token;
    REQUIRE(token.size() == 64);
    httplib::Client c("127.0.0.1", port_of((*s)->address()));
    c.set_bearer_token_auth(token);
    auto res = c.Get("/v1/status");
    REQUIRE(res);
    CHECK(res->status == 200);
}

TEST_CASE("admin server: a bad bind is an error naming it", "[admin][server]") {
    FakeControl control;
    ServerOptions o;
    o.token = kToken;
    o.bind = "127.0.0.1:99999";
    auto bad = Server::start(control, o);
    REQUIRE_FALSE(bad);
    CHECK(bad.error().message.find("127.0.0.1:99999") != std::string::npos);

    Running first;
    o.bind = first.server->address();
    auto taken = Server::start(control, o);
    REQUIRE_FALSE(taken);
    CHECK(taken.error().message.find(first.server->address()) != std::string::npos);
}

TEST_CASE("admin server: an oversized Content-Length is refused before the body is sent",
          "[admin][server][limits]") {
    ServerOptions o;
    o.max_body_bytes = 1024;
    Running r(o);
    // Headers only: a server that waited for the body would not answer within the deadline.
    auto res = tcp_exchange(
        r.port,
        "POST /v1/releases HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + std::string(kToken) +
            "\r\nContent-Type: application/gzip\r\nContent-Length: 1000000000\r\n\r\n",
        "}\n");
    INFO(res);
    CHECK(res.starts_with("HTTP/1.1 413"));
    CHECK(res.find("\"payload_too_large\"") != std::string::npos);
    CHECK(res.find("Connection: close") != std::string::npos);
    CHECK(r.control.calls.empty());
}

TEST_CASE("admin server: Expect: 100-continue gets the refusal instead of 100 Continue",
          "[admin][server][limits]") {
    ServerOptions o;
    o.max_json_bytes = 100;
    Running r(o);
    auto big = tcp_exchange(r.port,
                            "PATCH /v1/config HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                                std::string(kToken) +
                                "\r\nContent-Type: application/json\r\nContent-Length: "
                                "5000\r\nExpect: 100-continue\r\n\r\n",
                            "}\n");
    INFO(big);
    CHECK(big.starts_with("HTTP/1.1 413"));
    CHECK(big.find("100 Continue") == std::string::npos);
    auto anon =
        tcp_exchange(r.port,
                     "PATCH /v1/config HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     "Content-Length: 10\r\nExpect: 100-continue\r\n\r\n",
                     "}\n");
    CHECK(anon.starts_with("HTTP/1.1 401"));
}

TEST_CASE("admin server: chunked bodies are limited while they are read",
          "[admin][server][limits]") {
    ServerOptions o;
    o.max_json_bytes = 64;
    o.max_body_bytes = 600;
    Running r(o);
    std::string chunk(100, 'a');
    auto json_res = tcp_exchange(
        r.port,
        "PATCH /v1/config HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + std::string(kToken) +
            "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n64\r\n" +
            chunk + "\r\n0\r\n\r\n",
        "}\n");
    INFO(json_res);
    CHECK(json_res.starts_with("HTTP/1.1 413"));

    std::string body = gzip_bytes(700);
    auto archive = tcp_exchange(
        r.port,
        "POST /v1/releases HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + std::string(kToken) +
            "\r\nContent-Type: application/gzip\r\nTransfer-Encoding: chunked\r\n\r\n2bc\r\n" +
            body + "\r\n0\r\n\r\n",
        "}\n");
    INFO(archive);
    CHECK(archive.starts_with("HTTP/1.1 413"));
    CHECK(r.control.calls.empty());
    // Nothing is left in the uploads dir.
    std::error_code ec;
    CHECK(std::filesystem::is_empty(r.control.state_dir() / "uploads", ec));
}

TEST_CASE("admin server: a deploy upload is streamed to the state dir and handed over",
          "[admin][server][deploy]") {
    Running r;
    auto c = r.client();
    std::string body = gzip_bytes(300000);
    auto res = c.Post("/v1/releases", body, "application/gzip");
    REQUIRE(res);
    INFO(res->body);
    CHECK(res->status == 202);
    CHECK(res->get_header_value("Location") == "/v1/jobs/j1");
    CHECK(json::parse(res->body).at("kind") == "deploy");
    CHECK(r.control.deployed_bytes == body);
    CHECK(r.control.deployed_archive.parent_path() == r.control.state_dir() / "uploads");

    auto garbage = c.Post("/v1/releases", std::string(2000, 'z'), "application/gzip");
    REQUIRE(garbage);
    CHECK(garbage->status == 400);
    auto empty = c.Post("/v1/releases", "", "application/gzip");
    REQUIRE(empty);
    CHECK(empty->status == 400);
    auto wrong_type = c.Post("/v1/releases", body, "text/plain");
    REQUIRE(wrong_type);
    CHECK(wrong_type->status == 415);

    std::get<AppStatus>(r.control.status_answer).running_job = "j1";
    auto busy = c.Post("/v1/releases", body, "application/gzip");
    REQUIRE(busy);
    CHECK(busy->status == 409);
    CHECK(json::parse(busy->body).at("error") == "conflict");
}

TEST_CASE("admin server: JSON routes over HTTP, including garbage and wrong types",
          "[admin][server]") {
    Running r;
    auto c = r.client();
    auto ok = c.Patch("/v1/config", R"({"FOO":"bar"})", "application/json");
    REQUIRE(ok);
    CHECK(ok->status == 202);
    auto garbage = c.Patch("/v1/config", "{nope", "application/json");
    REQUIRE(garbage);
    CHECK(garbage->status == 400);
    CHECK(json::parse(garbage->body).at("error") == "invalid_json");
    auto types = c.Put("/v1/formation", R"({"web":"two"})", "application/json");
    REQUIRE(types);
    CHECK(types->status == 422);
    auto rollback = c.Post("/v1/rollback");  // no body at all
    REQUIRE(rollback);
    CHECK(rollback->status == 202);
    auto head = c.Head("/readyz");
    REQUIRE(head);
    CHECK(head->status == 200);
    auto options = c.Options("/v1/status");
    REQUIRE(options);
    CHECK(options->status == 405);
}

TEST_CASE("admin server: serves on a unix socket, mode 0600, removed on stop",
          "[admin][server][unix]") {
    FakeControl control;
    auto path = control.dir.path / "admin.sock";
    ServerOptions o;
    o.token = kToken;
    o.bind = "unix:" + path.string();
    auto s = Server::start(control, o);
    REQUIRE(s);
    CHECK((*s)->address() == "unix:" + path.string());
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    CHECK(S_ISSOCK(st.st_mode));
    CHECK((st.st_mode & 077) == 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::strcpy(a.sun_path, path.c_str());
    auto res = raw_exchange(reinterpret_cast<sockaddr*>(&a), sizeof a, AF_UNIX,
                            "GET /v1/status HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                                std::string(kToken) + "\r\nConnection: close\r\n\r\n");
    CHECK(res.starts_with("HTTP/1.1 200"));
    CHECK(res.find("\"app\": \"demo\"") != std::string::npos);

    // A second server cannot steal a live socket.
    auto second = Server::start(control, o);
    REQUIRE_FALSE(second);
    CHECK(second.error().message.find("another process") != std::string::npos);

    (*s)->stop();
    CHECK_FALSE(std::filesystem::exists(path));
    // A stale socket file (its server gone without cleaning up) is replaced.
    int stale = ::socket(AF_UNIX, SOCK_STREAM, 0);
    REQUIRE(::bind(stale, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    ::close(stale);
    auto again = Server::start(control, o);
    REQUIRE(again);
}

TEST_CASE("admin server: logs follow as chunked text and end cleanly on stop",
          "[admin][server][logs]") {
    Running r;
    r.control.log_lines = {"old 1", "old 2"};
    std::string received;
    std::atomic<bool> done{false};
    std::thread reader([&] {
        httplib::Client c("127.0.0.1", r.port);
        c.set_bearer_token_auth(kToken);
        c.set_read_timeout(10);
        auto res = c.Get("/v1/logs?follow=true&tail=1", [&](const char* data, std::size_t n) {
            received.append(data, n);
            return true;
        });
        done = res && res->status == 200;
    });
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (r.control.subscribers() == 0 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    REQUIRE(r.control.subscribers() == 1);
    r.control.emit_log("new line");
    auto t0 = std::chrono::steady_clock::now();
    r.server->stop();
    reader.join();
    CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(4));
    CHECK(done);  // the terminating chunk arrived: a complete 200 response
    CHECK(received == "old 2\nnew line\n");
    CHECK(r.control.subscribers() == 0);
}

TEST_CASE("admin server: server-sent events, and a vanished client ends its stream",
          "[admin][server][logs]") {
    Running r;
    auto res = [&] {
        std::string req =
            "GET /v1/logs?tail=0 HTTP/1.1\r\nHost: x\r\nAccept: "
            "text/event-stream\r\nAuthorization: Bearer " +
            std::string(kToken) + "\r\n\r\n";
        std::thread emitter([&] {
            auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
            while (r.control.subscribers() == 0 && std::chrono::steady_clock::now() < deadline)
                std::this_thread::sleep_for(std::chrono::milliseconds(5));
            r.control.emit_log("hello sse");
        });
        auto out = tcp_exchange(r.port, req, "hello sse\n\n");
        emitter.join();
        return out;
    }();
    INFO(res);
    CHECK(res.starts_with("HTTP/1.1 200"));
    CHECK(res.find("Content-Type: text/event-stream") != std::string::npos);
    CHECK(res.find("data: hello sse\n\n") != std::string::npos);
    // The client closed; the next line written fails and the subscription goes away.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (r.control.subscribers() > 0 && std::chrono::steady_clock::now() < deadline) {
        r.control.emit_log("anyone there?");
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    CHECK(r.control.subscribers() == 0);
}

TEST_CASE("admin server: after refusing an unread body the connection is closed, not reused",
          "[admin][server][limits]") {
    ServerOptions o;
    o.max_json_bytes = 100;
    Running r(o);
    // Body sent in full, then a second request on the same connection: httplib alone would
    // parse the leftover body as a request; the server must answer once and close.
    std::string body(5000, 'x');
    auto res = tcp_exchange(
        r.port, "PATCH /v1/config HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                    std::string(kToken) +
                    "\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n" + body +
                    "GET /livez HTTP/1.1\r\nHost: x\r\n\r\n");
    INFO(res);
    CHECK(res.starts_with("HTTP/1.1 413"));
    CHECK(res.find("HTTP/1.1", 5) == std::string::npos);  // exactly one response
    auto brace = res.find('{');
    REQUIRE(brace != std::string::npos);
    CHECK(json::parse(res.substr(brace)).at("error") == "payload_too_large");
}

TEST_CASE("admin server: its request log lines go to the log sink when one is set",
          "[admin][server][logs]") {
    struct Sink {
        std::mutex mu;
        std::vector<std::pair<paasrun::log::Level, std::string>> lines;
    };
    auto sink = std::make_shared<Sink>();
    ServerOptions o;
    o.log_sink = [sink](paasrun::log::Level level, std::string_view text) {
        std::lock_guard lk(sink->mu);
        sink->lines.emplace_back(level, std::string(text));
    };
    Running r(o);
    httplib::Client anon("127.0.0.1", r.port);
    auto res = anon.Get("/v1/status");  // a 401: logged at info
    REQUIRE(res);
    REQUIRE(res->status == 401);
    // httplib calls its logger after the response is written: wait for the line (bounded).
    auto logged = [&] {
        std::lock_guard lk(sink->mu);
        for (const auto& [level, text] : sink->lines)
            if (level == paasrun::log::Level::info &&
                text.find("request method=GET path=/v1/status status=401") != std::string::npos)
                return true;
        return false;
    };
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!logged() && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    CHECK(logged());
    // The component is the sink's to add: the text carries neither time nor level.
    std::lock_guard lk(sink->mu);
    for (const auto& [level, text] : sink->lines) CHECK(text.find("at=") == std::string::npos);
}
