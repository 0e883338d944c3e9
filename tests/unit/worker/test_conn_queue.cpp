// OutputQueue: bytes and file segments reach the socket in order, backpressure wakes the
// producer, abort releases it.
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <string>
#include <thread>

#include "worker/response_queue.hpp"

using paasrun::worker::OutputQueue;

namespace {
std::string drain(int fd) {
    std::string out;
    char buf[65536];
    for (;;) {
        auto n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
        if (n <= 0) return out;
        out.append(buf, static_cast<std::size_t>(n));
    }
}
}  // namespace

TEST_CASE("conn queue: bytes and file segments are written in order", "[worker][queue]") {
    int sv[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) == 0);
    FILE* f = std::tmpfile();
    REQUIRE(f);
    std::fputs("0123456789", f);
    std::fflush(f);

    OutputQueue q;
    q.append("head|");
    REQUIRE(q.append_file(::fileno(f), 2, 5));
    q.append("|", "tail", "!");
    std::fclose(f);  // the queue owns a dup: closing the app's file is fine
    std::uint64_t written = 0;
    std::error_code ec;
    CHECK(q.flush(sv[0], written, ec) == OutputQueue::FlushResult::drained);
    CHECK(written == 16);
    CHECK(drain(sv[1]) == "head|23456|tail!");
    CHECK(q.pending() == 0);
    ::close(sv[0]);
    ::close(sv[1]);
}

TEST_CASE("conn queue: a full socket is would_block and flushing resumes later",
          "[worker][queue]") {
    int sv[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) == 0);
    OutputQueue q;
    std::string big(4 * 1024 * 1024, 'x');
    q.append(big);
    std::uint64_t written = 0;
    std::error_code ec;
    CHECK(q.flush(sv[0], written, ec) == OutputQueue::FlushResult::would_block);
    CHECK(q.pending() == big.size() - written);

    // A producer above the high-water mark waits until the consumer drains below low water.
    std::thread producer([&] { CHECK(q.wait_below_low_water()); });
    std::string got;
    for (int i = 0; i < 10000 && got.size() < big.size(); ++i) {
        got += drain(sv[1]);
        q.flush(sv[0], written, ec);
    }
    producer.join();
    got += drain(sv[1]);
    CHECK(got.size() == big.size());
    ::close(sv[0]);
    ::close(sv[1]);
}

TEST_CASE("conn queue: abort drops data and releases a waiting producer", "[worker][queue]") {
    OutputQueue q;
    q.append(std::string(OutputQueue::kHighWater, 'y'));
    std::thread producer([&] { CHECK_FALSE(q.wait_below_low_water()); });
    q.abort();
    producer.join();
    CHECK(q.aborted());
    q.append("ignored");
    CHECK(q.pending() == 0);
    q.reset();
    CHECK_FALSE(q.aborted());
}

TEST_CASE("conn queue: a write to a closed peer is an error", "[worker][queue]") {
    int sv[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) == 0);
    ::close(sv[1]);
    OutputQueue q;
    q.append("data");
    std::uint64_t written = 0;
    std::error_code ec;
    CHECK(q.flush(sv[0], written, ec) == OutputQueue::FlushResult::error);
    CHECK(ec);
    ::close(sv[0]);
}
