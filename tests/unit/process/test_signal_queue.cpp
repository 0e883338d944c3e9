// process::SignalQueue: blocked signals arrive on the fd, in order; the mask is restored.
#include <algorithm>
#include <catch2/catch.hpp>
#include <csignal>

#include "process/signal_queue.hpp"

using paasrun::process::SignalQueue;

namespace {
bool blocked(int sig) {
    sigset_t now;
    ::pthread_sigmask(SIG_SETMASK, nullptr, &now);
    return sigismember(&now, sig) == 1;
}
}  // namespace

TEST_CASE("signal queue: raised signals are read from the fd, not delivered",
          "[process][signals]") {
    const int sigs[] = {SIGUSR1, SIGUSR2};
    REQUIRE_FALSE(blocked(SIGUSR1));
    {
        auto q = SignalQueue::open(sigs);
        REQUIRE(q);
        CHECK(blocked(SIGUSR1));
        CHECK(q->drain().empty());
        ::raise(SIGUSR2);  // default disposition would kill the test: it must stay queued
        ::raise(SIGUSR1);
        auto got = q->drain();
        CHECK(got.size() == 2);
        CHECK(std::count(got.begin(), got.end(), SIGUSR1) == 1);
        CHECK(std::count(got.begin(), got.end(), SIGUSR2) == 1);
        CHECK(q->drain().empty());
    }
    CHECK_FALSE(blocked(SIGUSR1));  // destroyed: the thread has its signals back
}
