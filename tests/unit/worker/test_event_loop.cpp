// run_event_loop: runs every handler, returns when out of work or stopped, and yields at the
// configured pace (an injected yield counts; handlers spin on the clock to use loop time).
#include <boost/asio/post.hpp>
#include <catch2/catch.hpp>

#include "worker/event_loop.hpp"

using namespace paasrun::worker;
using namespace std::chrono_literals;

namespace {

void spin_for(std::chrono::microseconds d) {
    auto until = std::chrono::steady_clock::now() + d;
    while (std::chrono::steady_clock::now() < until) {
    }
}

}  // namespace

TEST_CASE("event loop without a slice runs everything and never yields") {
    boost::asio::io_context io;
    int ran = 0, yields = 0;
    for (int i = 0; i < 100; ++i) boost::asio::post(io, [&] { ++ran; });
    run_event_loop(io, 0us, [&] { ++yields; });
    CHECK(ran == 100);
    CHECK(yields == 0);
}

TEST_CASE("event loop yields once per slice of busy loop time") {
    boost::asio::io_context io;
    int ran = 0, yields = 0;
    // 200 handlers x 50 us = at least 10 ms of loop time: about 20 slices of 500 us.
    for (int i = 0; i < 200; ++i)
        boost::asio::post(io, [&] {
            spin_for(50us);
            ++ran;
        });
    auto start = std::chrono::steady_clock::now();
    run_event_loop(io, 500us, [&] { ++yields; });
    auto elapsed = std::chrono::steady_clock::now() - start;
    CHECK(ran == 200);
    CHECK(yields >= 18);  // every 10-11 handlers (the slice is checked between handlers)
    CHECK(yields <= elapsed / 500us + 1);
}

TEST_CASE("event loop does not yield while handlers are quick") {
    boost::asio::io_context io;
    int yields = 0;
    for (int i = 0; i < 1000; ++i) boost::asio::post(io, [] {});
    run_event_loop(io, 1s, [&] { ++yields; });
    CHECK(yields == 0);
}

TEST_CASE("event loop returns when stopped from a handler") {
    boost::asio::io_context io;
    auto guard = boost::asio::make_work_guard(io);  // would run forever without stop()
    int ran = 0;
    boost::asio::post(io, [&] {
        ++ran;
        io.stop();
    });
    run_event_loop(io, 100us, [] {});
    CHECK(ran == 1);
    CHECK(io.stopped());
}

TEST_CASE("the cooperative yield alone: at most one yield per slice, none with 0") {
    int yields = 0;
    CooperativeYield never(0us, [&] { ++yields; });
    never.tick();
    CHECK(yields == 0);
    CooperativeYield every(2ms, [&] { ++yields; });
    every.tick();  // just made: not due
    CHECK(yields == 0);
    spin_for(2500us);
    every.tick();
    every.tick();  // just yielded: not due again
    CHECK(yields == 1);
}
