// --bind parsing, LISTEN_FDS semantics, and real sockets from open_listener.
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>

#include "serve/listen.hpp"

using namespace paasrun::worker;
using Kind = BindAddress::Kind;

TEST_CASE("listen: --bind forms", "[worker][listen]") {
    auto a = parse_bind("127.0.0.1:8080");
    REQUIRE(a);
    CHECK(a->kind == Kind::tcp);
    CHECK(a->host == "127.0.0.1");
    CHECK(a->port == 8080);

    auto v6 = parse_bind("[::1]:9000");
    REQUIRE(v6);
    CHECK(v6->host == "::1");
    CHECK(v6->port == 9000);

    auto v6_noport = parse_bind("[::]");
    REQUIRE(v6_noport);
    CHECK(v6_noport->port == 8000);

    auto any = parse_bind(":5000");
    REQUIRE(any);
    CHECK(any->host == "0.0.0.0");
    CHECK(any->port == 5000);

    auto host_only = parse_bind("localhost");
    REQUIRE(host_only);
    CHECK(host_only->host == "localhost");
    CHECK(host_only->port == 8000);  // gunicorn's default port

    auto unix1 = parse_bind("unix:/run/app.sock");
    REQUIRE(unix1);
    CHECK(unix1->kind == Kind::unix_path);
    CHECK(unix1->path == "/run/app.sock");
    auto unix2 = parse_bind("unix:///run/app.sock");
    REQUIRE(unix2);
    CHECK(unix2->path == "/run/app.sock");

    auto fd = parse_bind("fd://5");
    REQUIRE(fd);
    CHECK(fd->kind == Kind::fd);
    CHECK(fd->fd == 5);
}

TEST_CASE("listen: malformed --bind values are errors", "[worker][listen]") {
    for (const char* bad : {"", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:http", "::1:80", "[::1",
                            "[::1]80", "[]:80", "unix:", "fd://", "fd://x", "fd://-1"})
        CHECK_FALSE(parse_bind(bad));
}

TEST_CASE("listen: LISTEN_FDS follows sd_listen_fds semantics", "[worker][listen]") {
    CHECK(*parse_listen_fds(std::nullopt, std::nullopt, 42) == 0);
    CHECK(*parse_listen_fds("42", "2", 42) == 2);
    CHECK(*parse_listen_fds("41", "2", 42) == 0);          // meant for another process
    CHECK(*parse_listen_fds(std::nullopt, "1", 42) == 1);  // no LISTEN_PID: trusted
    CHECK_FALSE(parse_listen_fds("42", "two", 42));
    CHECK_FALSE(parse_listen_fds("42", "-1", 42));
    CHECK_FALSE(parse_listen_fds("pid", "1", 42));
}

TEST_CASE("listen: open_listener binds port 0 and reports the real port", "[worker][listen]") {
    auto l = open_listener(*parse_bind("127.0.0.1:0"), 16);
    REQUIRE(l);
    CHECK(l->name.starts_with("http://127.0.0.1:"));
    CHECK(l->name != "http://127.0.0.1:0");
    int listening = 0;
    socklen_t len = sizeof listening;
    REQUIRE(::getsockopt(l->fd.get(), SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) == 0);
    CHECK(listening == 1);
}

TEST_CASE("listen: a unix socket replaces a stale file but not a live server", "[worker][listen]") {
    auto dir =
        std::filesystem::temp_directory_path() / ("paasrun-listen-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    auto path = (dir / "s.sock").string();
    auto addr = *parse_bind("unix:" + path);
    {
        auto first = open_listener(addr, 4);
        REQUIRE(first);
        CHECK(first->unlink_on_exit == path);
        auto second = open_listener(addr, 4);  // first still listening
        REQUIRE_FALSE(second);
        CHECK(second.error().message.find("in use") != std::string::npos);
    }
    // The first listener is closed now; its file is stale and gets replaced.
    auto third = open_listener(addr, 4);
    CHECK(third);
    std::filesystem::remove_all(dir);
}

TEST_CASE("listen: fd:// accepts only a listening socket", "[worker][listen]") {
    auto l = open_listener(*parse_bind("127.0.0.1:0"), 4);
    REQUIRE(l);
    auto dup = open_listener(BindAddress{Kind::fd, "", 0, "", l->fd.get()}, 4);
    REQUIRE(dup);
    CHECK(dup->name == l->name);
    CHECK(dup->fd.get() != l->fd.get());

    int p[2];
    REQUIRE(::pipe(p) == 0);
    CHECK_FALSE(open_listener(BindAddress{Kind::fd, "", 0, "", p[0]}, 4));
    ::close(p[0]);
    ::close(p[1]);
}
