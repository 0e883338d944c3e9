// reactor_fd: finding the Boost.Asio reactor's epoll fd (the ASGI worker's loop watches it).
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <catch2/catch.hpp>

#include "worker/reactor_fd.hpp"

using namespace paasrun::worker;

TEST_CASE("new_epoll_fd takes the one new fd and refuses ambiguity") {
    CHECK(*new_epoll_fd({3, 4}, {3, 4, 9}) == 9);
    CHECK_FALSE(new_epoll_fd({3}, {3}));
    CHECK_FALSE(new_epoll_fd({3}, {3, 5, 6}));
    CHECK(*new_epoll_fd({3, 4}, {4, 7}) == 7);  // a closed fd does not matter
}

TEST_CASE("the epoll fd of an io_context with a timer is found") {
    auto before = epoll_fds();
    boost::asio::io_context io(1);
    boost::asio::steady_timer t(io);  // creates the reactor
    t.expires_after(std::chrono::hours(1));
    t.async_wait([](const boost::system::error_code&) {});
    auto fd = new_epoll_fd(before, epoll_fds());
    REQUIRE(fd);
    CHECK(epoll_fds().count(*fd) == 1);
}
