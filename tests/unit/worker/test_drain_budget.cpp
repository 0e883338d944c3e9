#include <catch2/catch.hpp>

#include "worker/drain_budget.hpp"

using paasrun::worker::drain_budget;
using std::chrono::milliseconds;

TEST_CASE("drain budget: every step ends before the arbiter's SIGKILL", "[worker][drain]") {
    for (long t : {0L, 1L, 1000L, 2000L, 3000L, 30000L, 120000L}) {
        auto b = drain_budget(milliseconds(t));
        INFO("graceful_timeout_ms=" << t);
        CHECK(b.cancel_at <= b.cancel_at + b.cancel_wait);
        CHECK(b.cancel_at + b.cancel_wait <= b.exit_by);
        CHECK(b.exit_by <= milliseconds(t));
        // The lifespan shutdown gets at least as long as the cancelled tasks.
        CHECK(b.exit_by - (b.cancel_at + b.cancel_wait) >= b.cancel_wait);
    }
}

TEST_CASE("drain budget: a quarter of the timeout, at most 5 s", "[worker][drain]") {
    auto b = drain_budget(milliseconds(30000));
    CHECK(b.cancel_at == milliseconds(25000));
    CHECK(b.cancel_wait == milliseconds(2000));
    CHECK(b.exit_by == milliseconds(29000));
    b = drain_budget(milliseconds(3000));
    CHECK(b.cancel_at == milliseconds(2250));
    CHECK(b.cancel_wait == milliseconds(300));
    CHECK(b.exit_by == milliseconds(2850));
    b = drain_budget(milliseconds(-5));
    CHECK(b.exit_by == milliseconds(0));
}
