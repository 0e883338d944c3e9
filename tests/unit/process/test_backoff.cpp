#include <catch2/catch.hpp>

#include "process/backoff.hpp"

using paasrun::process::Backoff;
using S = Backoff::Seconds;

TEST_CASE("backoff: doubles from the initial delay", "[process][backoff]") {
    Backoff b(S(0.1), S(60), S(30));
    CHECK(b.on_exit(S(0)).count() == Approx(0.1));
    CHECK(b.on_exit(S(0.05)).count() == Approx(0.2));
    CHECK(b.on_exit(S(0.05)).count() == Approx(0.4));
    CHECK(b.on_exit(S(0.05)).count() == Approx(0.8));
    CHECK(b.consecutive() == 4);
}

TEST_CASE("backoff: capped at the maximum", "[process][backoff]") {
    Backoff b(S(0.1), S(1), S(30));
    double last = 0;
    for (int i = 0; i < 20; ++i) last = b.on_exit(S(0)).count();
    CHECK(last == Approx(1.0));
    CHECK(b.consecutive() == 20);
}

TEST_CASE("backoff: staying up for reset_after starts over", "[process][backoff]") {
    Backoff b(S(0.1), S(60), S(30));
    b.on_exit(S(0));
    b.on_exit(S(1));
    CHECK(b.on_exit(S(1)).count() == Approx(0.4));
    CHECK(b.on_exit(S(30)).count() == Approx(0.1));
    CHECK(b.consecutive() == 1);
    CHECK(b.on_exit(S(29.9)).count() == Approx(0.2));
}

TEST_CASE("backoff: an initial delay above the cap is capped", "[process][backoff]") {
    Backoff b(S(5), S(2), S(30));
    CHECK(b.on_exit(S(0)).count() == Approx(2));
    CHECK(b.on_exit(S(0)).count() == Approx(2));
}
