#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <future>
#include <thread>

#include "supervisor/event_loop.hpp"

using namespace paasrun::supervisor;
using namespace std::chrono_literals;

namespace {
std::unique_ptr<EventLoop> make_loop() {
    auto loop = EventLoop::create();
    REQUIRE(loop.ok());
    return std::move(*loop);
}
}  // namespace

TEST_CASE("event loop: timers fire in deadline order and cancel works", "[supervisor][loop]") {
    auto loop = make_loop();
    std::vector<int> order;
    auto t0 = EventLoop::Clock::now();  // before scheduling: deadlines count from then on
    loop->after(30ms, [&] { order.push_back(3); });
    loop->after(10ms, [&] { order.push_back(1); });
    auto cancelled = loop->after(20ms, [&] { order.push_back(99); });
    loop->after(20ms, [&] { order.push_back(2); });
    loop->after(40ms, [&] { loop->stop(); });
    loop->cancel(cancelled);
    REQUIRE(loop->run().ok());
    CHECK(order == std::vector<int>{1, 2, 3});
    CHECK(EventLoop::Clock::now() - t0 >= 40ms);
}

TEST_CASE("event loop: post() from another thread runs on the loop", "[supervisor][loop]") {
    auto loop = make_loop();
    auto loop_thread = std::this_thread::get_id();
    std::promise<std::thread::id> ran_on;
    auto fut = ran_on.get_future();
    std::thread t([&] {
        loop->post([&] {
            ran_on.set_value(std::this_thread::get_id());
            loop->stop();
        });
    });
    loop->after(5s, [&] { loop->stop(); });  // a missed wake-up fails the check below
    REQUIRE(loop->run().ok());
    t.join();
    REQUIRE(fut.wait_for(0s) == std::future_status::ready);
    CHECK(fut.get() == loop_thread);
}

TEST_CASE("event loop: fd readiness and unwatch from inside the handler", "[supervisor][loop]") {
    auto loop = make_loop();
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    int calls = 0;
    REQUIRE(loop->watch(fds[0], EPOLLIN,
                        [&](std::uint32_t ev) {
                            CHECK((ev & EPOLLIN) != 0);
                            ++calls;
                            loop->unwatch(fds[0]);  // data stays unread: no further calls may come
                            loop->after(20ms, [&] { loop->stop(); });
                        })
                .ok());
    REQUIRE(::write(fds[1], "x", 1) == 1);
    REQUIRE(loop->run().ok());
    CHECK(calls == 1);
    ::close(fds[0]);
    ::close(fds[1]);
}

TEST_CASE("event loop: tasks still queued when the loop is gone break their promise",
          "[supervisor][loop]") {
    std::future<int> fut;
    {
        auto loop = make_loop();
        auto task = std::make_shared<std::packaged_task<int()>>([] { return 1; });
        fut = task->get_future();
        loop->post([task] { (*task)(); });
    }
    REQUIRE(fut.wait_for(0s) == std::future_status::ready);
    CHECK_THROWS_AS(fut.get(), std::future_error);
}
