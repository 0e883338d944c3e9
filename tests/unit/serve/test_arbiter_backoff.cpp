// Crash backoff of one worker slot (arbiter_backoff.hpp).
#include <catch2/catch.hpp>

#include "serve/arbiter_backoff.hpp"

using paasrun::worker::CrashBackoff;

TEST_CASE("backoff: the first crash is replaced at once", "[worker][arbiter]") {
    CrashBackoff b;
    CHECK(b.on_crash(50) == 0);
    CHECK(b.failures() == 1);
}

TEST_CASE("backoff: quick crashes double the delay up to the cap", "[worker][arbiter]") {
    CrashBackoff b;
    CHECK(b.on_crash(10) == 0);
    CHECK(b.on_crash(10) == 250);
    CHECK(b.on_crash(10) == 500);
    CHECK(b.on_crash(10) == 1000);
    for (int i = 0; i < 100; ++i) b.on_crash(10);
    CHECK(b.on_crash(10) == CrashBackoff::kMaxDelayMs);
}

TEST_CASE("backoff: a worker that stayed up resets the sequence", "[worker][arbiter]") {
    CrashBackoff b;
    b.on_crash(10);
    b.on_crash(10);
    b.on_crash(10);
    CHECK(b.on_crash(CrashBackoff::kStableMs) == 0);
    CHECK(b.failures() == 1);
    CHECK(b.on_crash(10) == 250);
}
