#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "serve/zygote_protocol.hpp"

using namespace paasrun;
using namespace paasrun::worker;
using Kind = ZygoteMessage::Kind;

TEST_CASE("zygote protocol: every message parses back", "[serve][zygote]") {
    CHECK(parse_zygote_message(zygote_ready_message()).kind == Kind::ready);

    auto f = parse_zygote_message(zygote_fork_message(3, 12345678901ULL));
    CHECK(f.kind == Kind::fork);
    CHECK(f.index == 3);
    CHECK(f.serial == 12345678901ULL);

    auto p = parse_zygote_message(zygote_forked_message(4242));
    CHECK(p.kind == Kind::forked);
    CHECK(p.pid == 4242);

    auto e = parse_zygote_message(zygote_fork_failed_message("fork: Cannot allocate memory"));
    CHECK(e.kind == Kind::fork_failed);
    CHECK(e.text == "fork: Cannot allocate memory");
    // A long error is cut so the message stays one record.
    CHECK(zygote_fork_failed_message(std::string(1000, 'x')).size() == kZygoteMaxMessage);
}

TEST_CASE("zygote protocol: malformed messages are unknown, with their text", "[serve][zygote]") {
    for (const char* bad : {"", "READY now", "FORK", "FORK index=0 serial=1", "FORK index=1",
                            "FORK index=1 serial=x", "FORK index=1 serial=2 extra=3",
                            "FORKED pid=0", "FORKED pid=-5", "FORKED", "FORK-FAILED", "HELLO"}) {
        auto m = parse_zygote_message(bad);
        INFO(bad);
        CHECK(m.kind == Kind::unknown);
        CHECK(m.text == bad);
    }
}

TEST_CASE("zygote protocol: records carry fds over a seqpacket pair", "[serve][zygote]") {
    int sv[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == 0);
    unique_fd a{sv[0]}, b{sv[1]};
    int p[2];
    REQUIRE(::pipe(p) == 0);
    unique_fd r{p[0]}, w{p[1]};

    REQUIRE(send_zygote_message(a.get(), zygote_fork_message(1, 2), {w.get(), r.get()}));
    REQUIRE(send_zygote_message(a.get(), zygote_ready_message()));
    auto got = receive_zygote_message(b.get());
    REQUIRE(got);
    CHECK(got->text == "FORK index=1 serial=2");
    REQUIRE(got->fds.size() == 2);
    // The received write end is the same pipe: what goes in comes out of our read end.
    REQUIRE(::write(got->fds[0].get(), "x", 1) == 1);
    char c = 0;
    REQUIRE(::read(r.get(), &c, 1) == 1);
    CHECK(c == 'x');
    auto second = receive_zygote_message(b.get());  // one record each: no merging
    REQUIRE(second);
    CHECK(second->text == "READY");
    CHECK(second->fds.empty());

    a.reset();
    auto eof = receive_zygote_message(b.get());
    REQUIRE(eof);
    CHECK(eof->eof);
}
